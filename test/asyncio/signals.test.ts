// loop.addSignalHandler / loop.removeSignalHandler (Python's unix_events.py), with cases
// after CPython's Lib/test/test_asyncio/test_unix_events.py (SelectorEventLoopSignalTests)
// that a real process can check. The signals sent to this process are SIGWINCH and
// SIGURG, which Node ignores by default: one arriving late cannot kill the test worker.
import { constants } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import * as asyncio from "../../src/asyncio/index.js";
import { NSIG, signalHandlersOf } from "../../src/asyncio/signals.js";
import { ContextVar } from "../../src/contextvars/index.js";
import { openLoop } from "../../src/decorators/index.js";
import { RuntimeError, ValueError } from "../../src/errors/builtins.js";
import { currentAsyncLibrary } from "../../src/flavor/sniffio.js";
import * as trio from "../../src/trio/index.js";

const T = { timeout: 10_000 };
const SIGNALS = ["SIGWINCH", "SIGURG"] as const;
const listeners = (sig: string): number => process.listenerCount(sig);
const BASELINE = Object.fromEntries(SIGNALS.map((sig) => [sig, listeners(sig)]));

function raise(sig: NodeJS.Signals): void {
  process.kill(process.pid, sig);
}

/** `asyncio.run(fn)` with a timeout, so that a signal that never comes fails fast. */
function run<T>(fn: () => Promise<T>): Promise<T> {
  return asyncio.run(() => asyncio.timeout<T>(5, fn));
}

/** Waits (on the loop) until `count()` reaches `n`. */
async function until(count: () => number, n: number): Promise<void> {
  while (count() < n) await asyncio.sleep(0.002);
}

afterEach(() => {
  // Every test leaves the signals as it found them.
  expect(Object.fromEntries(SIGNALS.map((sig) => [sig, listeners(sig)]))).toEqual(BASELINE);
});

describe("loop.addSignalHandler", T, () => {
  it("runs the callback as a loop callback each time the process gets the signal", () =>
    run(async () => {
      const loop = asyncio.getRunningLoop();
      const v = new ContextVar<string>("v", { default: "default" });
      v.set("at add");
      const calls: string[] = [];
      loop.addSignalHandler(
        "SIGWINCH",
        (a: number, b: string) => {
          calls.push(`${a} ${b} ${currentAsyncLibrary()} ${String(asyncio.currentTask())} ${asyncio.getRunningLoop() === loop} ${v.get()}`);
        },
        1,
        "two",
      );
      v.set("later");
      raise("SIGWINCH");
      await until(() => calls.length, 1);
      raise("SIGWINCH");
      await until(() => calls.length, 2);
      expect(calls).toEqual(["1 two asyncio null true at add", "1 two asyncio null true at add"]);
      expect(loop.removeSignalHandler("SIGWINCH")).toBe(true);
    }));

  it("takes signal numbers as Python does", () =>
    run(async () => {
      const loop = asyncio.getRunningLoop();
      let calls = 0;
      loop.addSignalHandler(constants.signals.SIGURG, () => calls++);
      expect(signalHandlersOf(loop)).toEqual(["SIGURG"]);
      raise("SIGURG");
      await until(() => calls, 1);
      expect(loop.removeSignalHandler("SIGURG")).toBe(true);
      expect(loop.removeSignalHandler(constants.signals.SIGURG)).toBe(false);
    }));

  it("sets the signal's other listeners aside while installed; removing it puts them back", () =>
    run(async () => {
      const loop = asyncio.getRunningLoop();
      const seen: string[] = [];
      const other = (): void => {
        seen.push("other");
      };
      process.on("SIGURG", other);
      try {
        loop.addSignalHandler("SIGURG", () => seen.push("handler"));
        expect(process.rawListeners("SIGURG")).not.toContain(other);
        raise("SIGURG");
        await until(() => seen.length, 1);
        expect(loop.removeSignalHandler("SIGURG")).toBe(true);
        expect(process.rawListeners("SIGURG")).toContain(other);
        raise("SIGURG");
        await until(() => seen.length, 2);
        expect(seen).toEqual(["handler", "other"]);
        expect(loop.removeSignalHandler("SIGURG")).toBe(false);
      } finally {
        process.off("SIGURG", other);
      }
    }));

  it("a second handler for the same signal replaces the first", () =>
    run(async () => {
      const loop = asyncio.getRunningLoop();
      const seen: string[] = [];
      loop.addSignalHandler("SIGWINCH", () => seen.push("first"));
      loop.addSignalHandler("SIGWINCH", () => seen.push("second"));
      expect(listeners("SIGWINCH")).toBe(1);
      raise("SIGWINCH");
      await until(() => seen.length, 1);
      await asyncio.sleep(0.01);
      expect(seen).toEqual(["second"]);
      expect(loop.removeSignalHandler("SIGWINCH")).toBe(true);
    }));

  it("an error in the callback goes to the loop's exception handler", () =>
    run(async () => {
      const loop = asyncio.getRunningLoop();
      const reports: unknown[] = [];
      loop.setExceptionHandler((_loop, context) => reports.push(context.exception));
      const boom = new Error("boom");
      loop.addSignalHandler("SIGWINCH", () => {
        throw boom;
      });
      raise("SIGWINCH");
      await until(() => reports.length, 1);
      expect(reports).toEqual([boom]);
      loop.removeSignalHandler("SIGWINCH");
    }));

  it("checks its arguments as asyncio does", () =>
    run(async () => {
      const loop = asyncio.getRunningLoop();
      const cb = (): void => {};
      // TypeError: a coroutine function, or not a function
      expect(() => loop.addSignalHandler("SIGWINCH", async () => {})).toThrow(TypeError);
      expect(() => loop.addSignalHandler("SIGWINCH", 42 as unknown as () => void)).toThrow(TypeError);
      // TypeError: a signal that is neither a name nor an integer
      for (const sig of [1.5, null, {}, true]) {
        expect(() => loop.addSignalHandler(sig as number, cb)).toThrow(TypeError);
        expect(() => loop.removeSignalHandler(sig as number)).toThrow(TypeError);
      }
      // ValueError: out of range(1, NSIG), or a name this platform does not know
      for (const sig of [0, -1, NSIG, "SIGNOPE"]) {
        expect(() => loop.addSignalHandler(sig as number, cb)).toThrow(ValueError);
        expect(() => loop.removeSignalHandler(sig as number)).toThrow(ValueError);
      }
      expect(() => loop.addSignalHandler(0, cb)).toThrow(`sig 0 out of range(1, ${NSIG})`);
      // RuntimeError: signals that cannot be caught
      for (const sig of ["SIGKILL", "SIGSTOP", constants.signals.SIGKILL, constants.signals.SIGSTOP] as const) {
        expect(() => loop.addSignalHandler(sig, cb)).toThrow(RuntimeError);
        expect(loop.removeSignalHandler(sig)).toBe(false);
      }
      expect(() => loop.addSignalHandler("SIGKILL", cb)).toThrow(`sig ${constants.signals.SIGKILL} cannot be caught`);
      if (process.platform === "linux") {
        // A real-time signal: valid for Python, but Node cannot listen to it.
        expect(() => loop.addSignalHandler(40, cb)).toThrow(RuntimeError);
        expect(loop.removeSignalHandler(40)).toBe(false);
      }
      expect(signalHandlersOf(loop)).toEqual([]);
    }));

  it("is refused on a closed loop", () => {
    const loop = new asyncio.SyncTrioEventLoop();
    loop.close();
    expect(() => loop.addSignalHandler("SIGWINCH", () => {})).toThrow(RuntimeError);
    expect(loop.removeSignalHandler("SIGWINCH")).toBe(false);
  });
});

describe("signal handlers and the loop's life", T, () => {
  it("are removed when the loop closes (asyncio.run), and the listeners they replaced come back", async () => {
    const other = (): void => {};
    process.on("SIGURG", other);
    try {
      let loop!: asyncio.BaseTrioEventLoop;
      await run(async () => {
        loop = asyncio.getRunningLoop();
        loop.addSignalHandler("SIGWINCH", () => {});
        loop.addSignalHandler("SIGURG", () => {});
        expect(listeners("SIGWINCH")).toBe(BASELINE.SIGWINCH + 1);
        expect(process.rawListeners("SIGURG")).not.toContain(other);
        // A close that fails (the loop is running) leaves them in place, as in asyncio.
        expect(() => loop.close()).toThrow(RuntimeError);
        expect(signalHandlersOf(loop)).toEqual(["SIGWINCH", "SIGURG"]);
      });
      expect(loop.isClosed()).toBe(true);
      expect(signalHandlersOf(loop)).toEqual([]);
      expect(listeners("SIGWINCH")).toBe(BASELINE.SIGWINCH);
      expect(process.rawListeners("SIGURG")).toContain(other);
    } finally {
      process.off("SIGURG", other);
    }
  });

  it("are removed when openLoop's loop closes; they work from Trio code too", async () => {
    const seen: string[] = [];
    await trio.run(() =>
      openLoop(async (loop) => {
        // Sync, either flavor: added from Trio code, the callback still runs on the loop.
        loop.addSignalHandler("SIGWINCH", () => seen.push(currentAsyncLibrary()));
        raise("SIGWINCH");
        await trio.failAfter(5, async () => {
          while (seen.length === 0) await trio.sleep(0.002);
        });
        expect(listeners("SIGWINCH")).toBe(BASELINE.SIGWINCH + 1);
      }),
    );
    expect(seen).toEqual(["asyncio"]);
    expect(listeners("SIGWINCH")).toBe(BASELINE.SIGWINCH);
  });

  it("a Trio receiver closed just before is not one of the listeners set aside (it detaches itself)", async () => {
    await trio.run(() =>
      openLoop(async (loop) => {
        const receiver = trio.openSignalReceiver("SIGWINCH");
        receiver.close();
        // Its listener stays attached for a moment, for a signal already on its way.
        expect(listeners("SIGWINCH")).toBe(BASELINE.SIGWINCH + 1);
        loop.addSignalHandler("SIGWINCH", () => {});
        // Past the moment: the receiver's listener would be gone by now.
        await trio.sleep(0.02);
        expect(loop.removeSignalHandler("SIGWINCH")).toBe(true);
        // Not put back with the listeners the handler had set aside.
        expect(listeners("SIGWINCH")).toBe(BASELINE.SIGWINCH);
      }),
    );
  });

  it("a signal that comes while a sync loop is not running is handled at its next run", async () => {
    const loop = new asyncio.SyncTrioEventLoop();
    const seen: string[] = [];
    loop.addSignalHandler("SIGWINCH", () => seen.push("handled"));
    raise("SIGWINCH");
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(seen).toEqual([]);
    await loop.runUntilComplete(() => asyncio.sleep(0));
    expect(seen).toEqual(["handled"]);
    loop.close();
    expect(listeners("SIGWINCH")).toBe(BASELINE.SIGWINCH);
  });

  it("SIGPIPE stays ignored once its handler is removed", () =>
    run(async () => {
      const before = listeners("SIGPIPE");
      const loop = asyncio.getRunningLoop();
      loop.addSignalHandler("SIGPIPE", () => {});
      expect(loop.removeSignalHandler("SIGPIPE")).toBe(true);
      // With no listener left, libuv would give SIGPIPE its default action (death).
      expect(listeners("SIGPIPE")).toBeGreaterThanOrEqual(Math.max(before, 1));
    }));
});
