// Callbacks run in a copy of the Context they were scheduled from (asyncio's
// `call_soon(..., context=None)`): the copy is taken when scheduling, and each callback
// has its own.
import { describe, expect, it } from "vitest";
import * as asyncio from "../../src/asyncio/index.js";
import { Context, ContextVar, copyContext } from "../../src/contextvars/index.js";
import { currentAsyncLibrary } from "../../src/flavor/sniffio.js";

const v = new ContextVar<string>("v", { default: "default" });

describe("callback contexts", () => {
  it("a callback sees the values of when it was scheduled, not later sets", async () => {
    const seen: string[] = [];
    await asyncio.run(async () => {
      const loop = asyncio.getRunningLoop();
      v.set("before");
      loop.callSoon(() => seen.push(`callSoon: ${v.get()}`));
      loop.callLater(0, () => seen.push(`callLater: ${v.get()}`));
      v.set("after");
      await asyncio.sleep(0.01);
      seen.push(`task: ${v.get()}`);
    });
    expect(seen).toEqual(["callSoon: before", "callLater: before", "task: after"]);
  });

  it("each callback has its own copy: a set in one is invisible to the next and to the scheduler", async () => {
    const seen: string[] = [];
    await asyncio.run(async () => {
      const loop = asyncio.getRunningLoop();
      v.set("task");
      loop.callSoon(() => {
        v.set("first callback");
        seen.push(`first: ${v.get()}`);
      });
      loop.callSoon(() => seen.push(`second: ${v.get()}`));
      await asyncio.sleep(0);
      seen.push(`task: ${v.get()}`);
    });
    expect(seen).toEqual(["first: first callback", "second: task", "task: task"]);
  });

  it("async work started by a callback keeps the callback's Context, and its sets stay there", async () => {
    const seen: string[] = [];
    await asyncio.run(async () => {
      const loop = asyncio.getRunningLoop();
      const done = loop.createFuture<void>();
      v.set("task");
      loop.callSoon(() => {
        void (async () => {
          await Promise.resolve();
          seen.push(`continuation before set: ${v.get()}`);
          v.set("continuation");
          seen.push(`continuation after set: ${currentAsyncLibrary()} ${v.get()}`);
          done.setResult();
        })();
      });
      loop.callSoon(() => seen.push(`other callback: ${v.get()}`));
      await done;
      seen.push(`task: ${v.get()}`);
    });
    expect(seen).toEqual([
      "other callback: task", // callbacks of one iteration run back to back
      "continuation before set: task",
      "continuation after set: asyncio continuation",
      "task: task",
    ]);
  });

  it("Handle.getContext() is the callback's Context, before and after it runs", async () => {
    await asyncio.run(async () => {
      const loop = asyncio.getRunningLoop();
      v.set("scheduled");
      let inside: Context | null = null;
      const handle = loop.callSoon(() => {
        inside = copyContext();
        v.set("changed by the callback");
      });
      const before = handle.getContext();
      expect(before.get(v)).toBe("scheduled");
      v.set("later");
      expect(before.get(v)).toBe("scheduled");
      await asyncio.sleep(0);
      expect(handle.getContext()).toBe(before);
      expect(before.get(v)).toBe("changed by the callback");
      expect(inside!.get(v)).toBe("scheduled");
    });
  });

  it("an explicit context is used as is, not copied", async () => {
    const ctx = new Context();
    await asyncio.run(async () => {
      const loop = asyncio.getRunningLoop();
      const handle = loop.callSoon(() => v.set("set in the given context"), { context: ctx });
      expect(handle.getContext()).toBe(ctx);
      await asyncio.sleep(0);
    });
    expect(ctx.get(v)).toBe("set in the given context");
  });
});
