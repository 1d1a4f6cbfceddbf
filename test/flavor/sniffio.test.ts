import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { copyContext } from "../../src/contextvars/index.js";
import {
  AsyncLibraryNotFoundError,
  currentAsyncLibrary,
  currentAsyncLibraryVar,
  threadLocal,
  withAsyncLibrary,
} from "../../src/flavor/index.js";

describe("currentAsyncLibrary", () => {
  it("throws AsyncLibraryNotFoundError outside any async library", () => {
    expect(() => currentAsyncLibrary()).toThrow(AsyncLibraryNotFoundError);
    expect(() => currentAsyncLibrary()).toThrow("unknown async library, or not in async context");
    expect(new AsyncLibraryNotFoundError("x").name).toBe("AsyncLibraryNotFoundError");
  });

  it("reads threadLocal.name first", () => {
    threadLocal.name = "curio";
    try {
      expect(currentAsyncLibrary()).toBe("curio");
      expect(withAsyncLibrary("other", () => currentAsyncLibrary())).toBe("other");
      expect(currentAsyncLibrary()).toBe("curio");
    } finally {
      threadLocal.name = null;
    }
  });

  it("then the context variable", () => {
    copyContext().run(() => {
      currentAsyncLibraryVar.set("anyio-ish");
      expect(currentAsyncLibrary()).toBe("anyio-ish");
      threadLocal.name = "first";
      try {
        expect(currentAsyncLibrary()).toBe("first");
      } finally {
        threadLocal.name = null;
      }
    });
    expect(() => currentAsyncLibrary()).toThrow(AsyncLibraryNotFoundError);
  });

  it("a runtime's declared flavor wins over the context variable", () => {
    copyContext().run(() => {
      currentAsyncLibraryVar.set("inherited");
      expect(withAsyncLibrary("trio", () => currentAsyncLibrary())).toBe("trio");
    });
  });
});

describe("withAsyncLibrary", () => {
  it("nests, and restores the outer library on exit", () => {
    const seen: string[] = [];
    withAsyncLibrary("outer", () => {
      seen.push(currentAsyncLibrary());
      withAsyncLibrary("inner", () => seen.push(currentAsyncLibrary()));
      seen.push(currentAsyncLibrary());
    });
    expect(seen).toEqual(["outer", "inner", "outer"]);
    expect(() => currentAsyncLibrary()).toThrow(AsyncLibraryNotFoundError);
  });

  it("holds across awaits, timers and promise continuations, per block", async () => {
    const seen: string[] = [];
    const body = async (name: string) => {
      seen.push(`${name}:start:${currentAsyncLibrary()}`);
      await Promise.resolve();
      seen.push(`${name}:await:${currentAsyncLibrary()}`);
      await sleep(2);
      seen.push(`${name}:timer:${currentAsyncLibrary()}`);
      await new Promise<void>((r) => setTimeout(r, 1)).then(() =>
        seen.push(`${name}:then:${currentAsyncLibrary()}`),
      );
      const inner = withAsyncLibrary(`${name}-inner`, async () => {
        await sleep(1);
        return currentAsyncLibrary();
      });
      seen.push(`${name}:after-inner-start:${currentAsyncLibrary()}`);
      seen.push(`${name}:inner:${await inner}`);
      seen.push(`${name}:end:${currentAsyncLibrary()}`);
    };
    await Promise.all([withAsyncLibrary("a", body, "a"), withAsyncLibrary("b", body, "b")]);
    for (const name of ["a", "b"]) {
      expect(seen.filter((s) => s.startsWith(`${name}:`))).toEqual([
        `${name}:start:${name}`,
        `${name}:await:${name}`,
        `${name}:timer:${name}`,
        `${name}:then:${name}`,
        `${name}:after-inner-start:${name}`,
        `${name}:inner:${name}-inner`,
        `${name}:end:${name}`,
      ]);
    }
    expect(() => currentAsyncLibrary()).toThrow(AsyncLibraryNotFoundError);
  });

  it("passes arguments and returns the result", () => {
    expect(withAsyncLibrary("x", (a: number, b: number) => a + b, 2, 3)).toBe(5);
  });

  it("rejects a bad name or a non-function at once", () => {
    expect(() => withAsyncLibrary("", () => 1)).toThrow(TypeError);
    expect(() => withAsyncLibrary(3 as any, () => 1)).toThrow(/non-empty library name/);
    expect(() => withAsyncLibrary("x", Promise.resolve() as any)).toThrow(/needs a function/);
  });

  it("restores threadLocal.name even when the body throws", () => {
    threadLocal.name = "outer";
    try {
      expect(() =>
        withAsyncLibrary("x", () => {
          throw new Error("boom");
        }),
      ).toThrow("boom");
      expect(threadLocal.name).toBe("outer");
    } finally {
      threadLocal.name = null;
    }
  });
});
