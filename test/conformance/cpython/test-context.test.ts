// Ported from CPython Lib/test/test_context.py (class ContextTest). Cases about HAMT
// internals, generator contexts, threads, subclassing and the 3.14 `with ctx:` protocol
// are not applicable: see test/conformance/README.md.
import { describe, expect, it } from "vitest";
import { Context, ContextVar, LookupError, Token, copyContext } from "../../../src/contextvars/index.js";
import { RuntimeError, ValueError } from "../../../src/errors/builtins.js";

/** Like the original's @isolated_context: each test body runs in a fresh Context. */
function isolated(fn: () => void): () => void {
  return () => new Context().run(fn);
}

describe("test_context.py ContextTest", () => {
  it("test_context_var_new_1", () => {
    expect(() => new (ContextVar as any)()).toThrow(/must be a str/);
    expect(() => new (ContextVar as any)(1)).toThrow(/must be a str/);
    const c = new ContextVar("aaa");
    expect(c.name).toBe("aaa");
    expect(() => {
      (c as any).name = "bbb";
    }).toThrow(TypeError);
  });

  it(
    "test_context_var_repr_1",
    isolated(() => {
      expect(String(new ContextVar("a"))).toContain("a");
      expect(String(new ContextVar("a", { default: 123 }))).toContain("123");
      const lst: unknown[] = [];
      const c = new ContextVar("a", { default: lst });
      lst.push(c);
      expect(String(c)).toContain("...");
      const t = c.set([1]);
      expect(String(t)).toContain(String(c));
      expect(String(t)).not.toContain(" used ");
      c.reset(t);
      expect(String(t)).toContain(" used ");
    }),
  );

  it(
    "test_token_repr_1",
    isolated(() => {
      const c = new ContextVar("a");
      expect(String(c.set(1))).toMatch(/^<Token var=<ContextVar name="a">>$/);
    }),
  );

  it("test_context_new_1", () => {
    expect(() => new (Context as any)(1)).toThrow(/any arguments/);
    expect(() => new (Context as any)({ a: 1 })).toThrow(/any arguments/);
    expect(new Context()).toBeInstanceOf(Context);
  });

  it("test_context_typerrors_1", () => {
    const ctx = new Context();
    expect(() => ctx.get(1 as any)).toThrow(/ContextVar key was expected/);
    expect(() => ctx.has(1 as any)).toThrow(/ContextVar key was expected/);
    expect(() => ctx.get(1 as any, 2)).toThrow(TypeError);
  });

  it("test_context_get_context_1", () => {
    expect(copyContext()).toBeInstanceOf(Context);
  });

  it("test_context_run_1", () => {
    expect(() => (new Context() as any).run()).toThrow(TypeError);
  });

  it("test_context_run_2", () => {
    const ctx = new Context();
    const func = (...args: unknown[]) => [...args, "bar"];
    expect(ctx.run(func)).toEqual(["bar"]);
    expect(ctx.run(func, 1)).toEqual([1, "bar"]);
    expect(ctx.run(func, 11, { a: 2 })).toEqual([11, { a: 2 }, "bar"]);
  });

  it("test_context_run_3", () => {
    const ctx = new Context();
    const func = (..._args: unknown[]) => {
      throw new RangeError("division by zero");
    };
    expect(() => ctx.run(func)).toThrow(RangeError);
    expect(() => ctx.run(func, 1, 2)).toThrow(RangeError);
  });

  it(
    "test_context_run_4",
    isolated(() => {
      const ctx1 = new Context();
      const ctx2 = new Context();
      const v = new ContextVar<string>("var");
      const func2 = () => {
        expect(v.get(null)).toBeNull();
      };
      const func1 = () => {
        expect(v.get(null)).toBeNull();
        v.set("spam");
        ctx2.run(func2);
        expect(v.get(null)).toBe("spam");
        const cur = copyContext();
        expect(cur.size).toBe(1);
        expect(cur.get(v)).toBe("spam");
        return cur;
      };
      const returned = ctx1.run(func1);
      expect(new Map(returned)).toEqual(new Map(ctx1));
      expect(returned.get(v)).toBe("spam");
      expect(returned.has(v)).toBe(true);
    }),
  );

  it("test_context_run_5", () => {
    const ctx = new Context();
    const v = new ContextVar<string>("var");
    const func = () => {
      expect(v.get(null)).toBeNull();
      v.set("spam");
      throw new RangeError("division by zero");
    };
    expect(() => ctx.run(func)).toThrow(RangeError);
    expect(v.get(null)).toBeNull();
  });

  it("test_context_run_6", () => {
    const ctx = new Context();
    const c = new ContextVar("a", { default: 0 });
    ctx.run(() => {
      expect(c.get()).toBe(0);
      expect(ctx.get(c)).toBeUndefined();
      c.set(42);
      expect(c.get()).toBe(42);
      expect(ctx.get(c)).toBe(42);
    });
  });

  it("test_context_run_7", () => {
    const ctx = new Context();
    let raised: unknown;
    const fun = () => {
      try {
        ctx.run(fun);
      } catch (e) {
        raised = e;
      }
    };
    ctx.run(fun);
    expect(raised).toBeInstanceOf(RuntimeError);
    expect(String(raised)).toMatch(/is already entered/);
  });

  it(
    "test_context_getset_1",
    isolated(() => {
      const c = new ContextVar<unknown>("c");
      expect(() => c.get()).toThrow(LookupError);
      expect(c.get(null)).toBeNull();

      const t0 = c.set(42);
      expect(c.get()).toBe(42);
      expect(c.get(null)).toBe(42);
      expect(t0.oldValue).toBe(t0.MISSING);
      expect(t0.oldValue).toBe(Token.MISSING);
      expect(t0.var).toBe(c);

      const t = c.set("spam");
      expect(c.get()).toBe("spam");
      expect(t.oldValue).toBe(42);
      c.reset(t);
      expect(c.get()).toBe(42);

      c.set("spam2");
      expect(() => c.reset(t)).toThrow(RuntimeError);
      expect(() => c.reset(t)).toThrow(/has already been used/);
      expect(c.get()).toBe("spam2");

      const ctx1 = copyContext();
      expect(ctx1.has(c)).toBe(true);

      c.reset(t0);
      expect(() => c.reset(t0)).toThrow(/has already been used/);
      expect(c.get(null)).toBeNull();

      expect(ctx1.has(c)).toBe(true);
      expect(ctx1.get(c)).toBe("spam2");
      expect(ctx1.get(c, "aa")).toBe("spam2");
      expect(ctx1.size).toBe(1);
      expect([...ctx1.entries()]).toEqual([[c, "spam2"]]);
      expect([...ctx1.values()]).toEqual(["spam2"]);
      expect([...ctx1.keys()]).toEqual([c]);
      expect([...ctx1]).toEqual([[c, "spam2"]]);

      const ctx2 = copyContext();
      expect(ctx2.has(c)).toBe(false);
      expect(ctx2.get(c)).toBeUndefined();
      expect(ctx2.get(c, "aa")).toBe("aa");
      expect(ctx2.size).toBe(0);
      expect([...ctx2]).toEqual([]);
    }),
  );

  it(
    "test_context_getset_2",
    isolated(() => {
      const v1 = new ContextVar<number>("v1");
      const v2 = new ContextVar<number>("v2");
      const t1 = v1.set(42);
      expect(() => v2.reset(t1)).toThrow(ValueError);
      expect(() => v2.reset(t1)).toThrow(/by a different/);
    }),
  );

  it(
    "test_context_getset_3",
    isolated(() => {
      const c = new ContextVar("c", { default: 42 });
      const ctx = new Context();
      ctx.run(() => {
        expect(c.get()).toBe(42);
        expect(ctx.get(c)).toBeUndefined();
        expect(ctx.get(c, "spam")).toBe("spam");
        expect(ctx.has(c)).toBe(false);
        expect([...ctx.keys()]).toEqual([]);

        const t = c.set(1);
        expect([...ctx.keys()]).toEqual([c]);
        expect(ctx.get(c)).toBe(1);

        c.reset(t);
        expect([...ctx.keys()]).toEqual([]);
        expect(ctx.has(c)).toBe(false);
      });
    }),
  );

  it(
    "test_context_getset_4",
    isolated(() => {
      const c = new ContextVar("c", { default: 42 });
      const ctx = new Context();
      const tok = ctx.run(() => c.set(1));
      expect(() => c.reset(tok)).toThrow(ValueError);
      expect(() => c.reset(tok)).toThrow(/different Context/);
    }),
  );

  it(
    "test_context_getset_5",
    isolated(() => {
      const c = new ContextVar<number[]>("c", { default: [42] });
      c.set([]);
      copyContext().run(() => {
        c.set([]);
        c.get().push(42);
        expect(c.get()).toEqual([42]);
      });
      expect(c.get()).toEqual([]);
    }),
  );

  it("test_context_copy_1", () => {
    const ctx1 = new Context();
    const c = new ContextVar("c", { default: 42 });
    const ctx2Fun = () => {
      expect(c.get()).toBe(10);
      c.set(30);
      expect(c.get()).toBe(30);
    };
    ctx1.run(() => {
      c.set(10);
      const ctx2 = ctx1.copy();
      expect(ctx2.get(c)).toBe(10);

      c.set(20);
      expect(ctx1.get(c)).toBe(20);
      expect(ctx2.get(c)).toBe(10);

      ctx2.run(ctx2Fun);
      expect(ctx1.get(c)).toBe(20);
      expect(ctx2.get(c)).toBe(30);
    });
  });

  it("test_context_manager_is_not_reentrant (run method then run method)", () => {
    const ctx = copyContext();
    ctx.run(() => {
      expect(() => ctx.run(() => null)).toThrow(RuntimeError);
    });
  });
});
