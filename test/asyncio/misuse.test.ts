// Bad input gets asyncio's errors at once, and features Node cannot offer say so.
import { describe, expect, it } from "vitest";
import * as asyncio from "../../src/asyncio/index.js";
import { NotImplementedError, RuntimeError, ValueError } from "../../src/errors/builtins.js";
import { FlavorError } from "../../src/flavor/flavor-error.js";
import * as trio from "../../src/trio/index.js";

const { CancelledError, InvalidStateError } = asyncio;

describe("bad input", () => {
  it("createTask of a started call says to pass a function", async () => {
    await asyncio.run(async () => {
      const work = async (): Promise<number> => 1;
      expect(() => asyncio.createTask(work() as never)).toThrow(/createTask\(\(\) => work\(\)\)/);
      expect(() => asyncio.createTask(42 as never)).toThrow(TypeError);
    });
  });

  it("callbacks must be plain functions, not async functions or Promises", async () => {
    await asyncio.run(async () => {
      const loop = asyncio.getRunningLoop();
      expect(() => loop.callSoon("x" as never)).toThrow(/callable object was expected by callSoon/);
      expect(() => loop.callLater(1, null as never)).toThrow(TypeError);
      expect(() => loop.callSoon(async () => {})).toThrow(/coroutines cannot be used with callSoon\(\)/);
      expect(() => loop.callSoon(Promise.resolve() as never)).toThrow(/coroutines cannot be used with callSoon\(\)/);
    });
  });

  it("NaN delays and times are ValueErrors; Infinity means never, as in Python", async () => {
    await asyncio.run(async () => {
      const loop = asyncio.getRunningLoop();
      expect(() => loop.callLater(NaN, () => {})).toThrow(ValueError);
      expect(() => loop.callAt(NaN, () => {})).toThrow(ValueError);
      expect(() => loop.callLater("1" as never, () => {})).toThrow(TypeError);
      await expect(asyncio.sleep(NaN)).rejects.toThrow(ValueError);
      const never = loop.callLater(Infinity, () => {
        throw new Error("ran");
      });
      expect(never.when()).toBe(Infinity);
      never.cancel();
    });
  });

  it("scheduling on a closed loop: Event loop is closed", async () => {
    const loop = asyncio.newEventLoop() as asyncio.SyncTrioEventLoop;
    loop.close();
    expect(() => loop.callSoon(() => {})).toThrow(new RuntimeError("Event loop is closed"));
    expect(() => loop.callLater(1, () => {})).toThrow(/Event loop is closed/);
    expect(() => loop.createTask(async () => {})).toThrow(/Event loop is closed/);
    await expect(loop.runUntilComplete(async () => {})).rejects.toThrow(/Event loop is closed/);
    await expect(loop.runForever()).rejects.toThrow(/Event loop is closed/);
  });

  it("setResult or setException on a done Future: InvalidStateError", async () => {
    await asyncio.run(async () => {
      const fut = asyncio.getRunningLoop().createFuture<number>();
      fut.setResult(1);
      expect(() => fut.setResult(2)).toThrow(InvalidStateError);
      expect(() => fut.setException(new Error("x"))).toThrow(InvalidStateError);
      const pending = asyncio.getRunningLoop().createFuture<number>();
      expect(() => pending.result()).toThrow(InvalidStateError);
    });
  });

  it("runUntilComplete re-entered, runForever twice: RuntimeError", async () => {
    const loop = asyncio.newEventLoop() as asyncio.SyncTrioEventLoop;
    try {
      const running = loop.runForever();
      await expect(loop.runForever()).rejects.toThrow(/already running/);
      await expect(loop.runUntilComplete(async () => {})).rejects.toThrow(/already running/);
      await loop.stop();
      await running;
      await expect(
        loop.runUntilComplete(async () => {
          await loop.runUntilComplete(async () => {});
        }),
      ).rejects.toThrow(RuntimeError);
    } finally {
      loop.close();
    }
  });

  it("asyncio.run of a started call says to pass a function", async () => {
    const main = async (): Promise<void> => {};
    await expect(asyncio.run(main() as never)).rejects.toThrow(/asyncio\.run\(\(\) => main\(\)\)/);
  });
});

describe("flavor checks", () => {
  it("asyncio primitives from Trio code throw FlavorError naming aioAsTrio", async () => {
    await trio.run(async () => {
      await expect(asyncio.sleep(0)).rejects.toThrow(FlavorError);
      await expect(asyncio.sleep(0)).rejects.toThrow(/aioAsTrio/);
      await expect(new asyncio.Lock().acquire()).rejects.toThrow(/asyncio\.Lock\.acquire\(\) is asyncio-flavored/);
      await expect(new asyncio.Event().wait()).rejects.toThrow(FlavorError);
    });
  });

  it("asyncio primitives outside any loop throw FlavorError saying where they run", async () => {
    await expect(asyncio.sleep(0)).rejects.toThrow(/must run on an asyncio event loop/);
    expect(() => asyncio.createTask(async () => {})).toThrow(/no running event loop/);
    expect(() => asyncio.getRunningLoop()).toThrow(/no running event loop/);
  });
});

describe("what Node cannot offer", () => {
  it("Task.getStack() names the alternative", async () => {
    await asyncio.run(async () => {
      const task = asyncio.currentTask()!;
      expect(() => task.getStack()).toThrow(NotImplementedError);
      expect(() => task.getStack()).toThrow(/formatTaskTree/);
    });
  });

  it("runCoroutineThreadsafe() names the alternatives", () => {
    expect(() => asyncio.runCoroutineThreadsafe(async () => {})).toThrow(NotImplementedError);
    expect(() => asyncio.runCoroutineThreadsafe(async () => {})).toThrow(/callSoonThreadsafe/);
  });
});

describe("Task.signal", () => {
  it("aborts with the task's CancelledError when the task is cancelled", async () => {
    const events: string[] = [];
    await asyncio.run(async () => {
      const task = asyncio.createTask(async () => {
        const signal = asyncio.currentTask()!.signal;
        signal.addEventListener("abort", () => events.push(`aborted: ${(signal.reason as Error).name}`));
        try {
          // An abortable npm-style API that rejects with signal.reason.
          await new Promise((_resolve, reject) => signal.addEventListener("abort", () => reject(signal.reason as Error)));
        } catch (error) {
          events.push(`rejected with ${(error as Error).name}`);
          throw error;
        }
      });
      await asyncio.sleep(0);
      task.cancel("stop");
      await Promise.allSettled([task]);
      events.push(`task cancelled: ${task.cancelled()}`);
    });
    expect(events).toEqual(["aborted: CancelledError", "rejected with CancelledError", "task cancelled: true"]);
  });

  it("is already aborted when asked for after the cancel", async () => {
    await asyncio.run(async () => {
      const task = asyncio.createTask(() => asyncio.sleep(10));
      task.cancel();
      expect(task.signal.aborted).toBe(true);
      expect(task.signal.reason).toBeInstanceOf(CancelledError);
      await Promise.allSettled([task]);
    });
  });
});

describe("wrapFuture", () => {
  it("follows a Promise's value or rejection; a CancelledError rejection cancels", async () => {
    await asyncio.run(async () => {
      expect(await asyncio.wrapFuture(Promise.resolve(5))).toBe(5);
      const failed = asyncio.wrapFuture(Promise.reject(new Error("no")));
      await expect(failed).rejects.toThrow("no");
      const cancelled = asyncio.wrapFuture(Promise.reject(new CancelledError("aborted")));
      await Promise.allSettled([cancelled]);
      expect(cancelled.cancelled()).toBe(true);
      const fut = asyncio.getRunningLoop().createFuture();
      expect(asyncio.wrapFuture(fut)).toBe(fut);
      expect(() => asyncio.wrapFuture(3 as never)).toThrow(/needs a Promise/);
    });
  });
});
