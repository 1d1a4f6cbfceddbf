import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { Context, ContextVar, LookupError, Token, copyContext } from "../../src/contextvars/index.js";
import { RuntimeError } from "../../src/errors/builtins.js";

describe("ContextVar", () => {
  it("get() falls back to the argument, then the default, then LookupError", () => {
    new Context().run(() => {
      const plain = new ContextVar<number>("plain");
      const withDefault = new ContextVar("withDefault", { default: 7 });
      const undefinedDefault = new ContextVar<undefined>("u", { default: undefined });
      expect(() => plain.get()).toThrow(LookupError);
      expect(() => plain.get()).toThrow(/<ContextVar name="plain"> has no value/);
      expect(plain.get(3)).toBe(3);
      expect(withDefault.get()).toBe(7);
      expect(withDefault.get(3)).toBe(3); // the argument wins over the default, as in Python
      expect(undefinedDefault.get()).toBeUndefined();
    });
  });

  it("keeps an explicitly set undefined apart from no value", () => {
    new Context().run(() => {
      const v = new ContextVar<number | undefined>("v", { default: 5 });
      const t = v.set(undefined);
      expect(v.get()).toBeUndefined();
      expect(copyContext().has(v)).toBe(true);
      v.reset(t);
      expect(v.get()).toBe(5);
    });
  });

  it("rejects a reset with something that is not a Token", () => {
    const v = new ContextVar("v");
    expect(() => v.reset({} as any)).toThrow(TypeError);
  });

  it("a token used with `using` restores the value at the end of the block", () => {
    new Context().run(() => {
      const v = new ContextVar("v", { default: "outer" });
      {
        using _token = v.set("inner");
        expect(v.get()).toBe("inner");
      }
      expect(v.get()).toBe("outer");
    });
  });

  it("Token.MISSING is a unique marker on the class and on instances", () => {
    new Context().run(() => {
      const v = new ContextVar("v");
      const t = v.set(1);
      expect(typeof Token.MISSING).toBe("symbol");
      expect(t.oldValue).toBe(Token.MISSING);
      expect(t.MISSING).toBe(Token.MISSING);
    });
  });
});

describe("Context", () => {
  it("a set inside run() is invisible outside", () => {
    const v = new ContextVar("v", { default: 0 });
    const ctx = copyContext();
    ctx.run(() => v.set(1));
    expect(v.get()).toBe(0);
    expect(ctx.get(v)).toBe(1);
  });

  it("a copy is a snapshot, in both directions", () => {
    const v = new ContextVar("v", { default: 0 });
    const w = new ContextVar("w", { default: 0 });
    const a = new Context();
    a.run(() => v.set(1));
    const b = a.copy();
    a.run(() => v.set(2));
    b.run(() => w.set(3));
    expect(a.get(v)).toBe(2);
    expect(a.has(w)).toBe(false);
    expect(b.get(v)).toBe(1);
    expect(b.get(w)).toBe(3);
  });

  it("iterators are snapshots: later sets do not show in them", () => {
    const v = new ContextVar("v");
    const w = new ContextVar("w");
    const ctx = new Context();
    ctx.run(() => v.set(1));
    const keys = ctx.keys();
    ctx.run(() => w.set(2));
    expect([...keys]).toEqual([v]);
    expect([...ctx.keys()]).toEqual([v, w]);
  });

  it("is usable as a ReadonlyMap (forEach, new Map)", () => {
    const v = new ContextVar("v");
    const ctx = new Context();
    ctx.run(() => v.set("x"));
    const seen: unknown[] = [];
    ctx.forEach((value, key, map) => seen.push(value, key, map));
    expect(seen).toEqual(["x", v, ctx]);
    expect(new Map(ctx).get(v)).toBe("x");
  });

  it("run() passes its arguments and returns the result", () => {
    expect(new Context().run((a: number, b: string) => `${a}${b}`, 1, "z")).toBe("1z");
  });

  it("async work started inside run() sees that context across awaits, timers and continuations", async () => {
    const v = new ContextVar("v", { default: "root" });
    const ctx = new Context();
    const seen: string[] = [];
    const done = ctx.run(async () => {
      v.set("inside");
      await Promise.resolve();
      seen.push(`await:${v.get()}`);
      await sleep(1);
      seen.push(`timer-await:${v.get()}`);
      await new Promise<void>((resolve) =>
        setTimeout(() => {
          seen.push(`setTimeout:${v.get()}`);
          resolve();
        }, 1),
      );
      await Promise.resolve().then(() => seen.push(`then:${v.get()}`));
      queueMicrotask(() => seen.push(`microtask:${v.get()}`));
      await Promise.resolve();
    });
    expect(v.get()).toBe("root");
    await done;
    expect(seen).toEqual([
      "await:inside",
      "timer-await:inside",
      "setTimeout:inside",
      "then:inside",
      "microtask:inside",
    ]);
    expect(ctx.get(v)).toBe("inside");
    expect(v.get()).toBe("root");
  });

  it("concurrent async bodies in separate copies do not see each other's sets", async () => {
    const v = new ContextVar("v", { default: -1 });
    const body = async (n: number) => {
      v.set(n);
      for (let i = 0; i < 5; i++) {
        await sleep(0);
        expect(v.get()).toBe(n);
      }
      return v.get();
    };
    const results = await Promise.all([0, 1, 2, 3].map((n) => copyContext().run(body, n)));
    expect(results).toEqual([0, 1, 2, 3]);
    expect(v.get()).toBe(-1);
  });

  it("cannot be entered again while it is current in an async continuation", async () => {
    const ctx = new Context();
    let error: unknown;
    await ctx.run(async () => {
      await Promise.resolve();
      try {
        ctx.run(() => null);
      } catch (e) {
        error = e;
      }
    });
    expect(error).toBeInstanceOf(RuntimeError);
    expect(ctx._entered).toBe(false);
    expect(ctx.run(() => "again")).toBe("again");
  });

  it("a token set in one context cannot reset from an async continuation in another", async () => {
    const v = new ContextVar("v", { default: 0 });
    const token = new Context().run(() => v.set(1));
    await new Context().run(async () => {
      await Promise.resolve();
      expect(() => v.reset(token)).toThrow(/different Context/);
    });
  });

  it("copying is cheap: 100k copies of a context with many variables take well under a second", () => {
    const vars = Array.from({ length: 200 }, (_, i) => new ContextVar(`v${i}`));
    const ctx = new Context();
    ctx.run(() => vars.forEach((v, i) => v.set(i)));
    const copies: Context[] = [];
    const start = performance.now();
    for (let i = 0; i < 100_000; i++) copies.push(ctx.copy());
    // A generous relative guard, not a benchmark: copying 200 entries each time would take seconds.
    expect(performance.now() - start).toBeLessThan(1000);
    expect(copies[99_999].get(vars[199])).toBe(199);
  });
});
