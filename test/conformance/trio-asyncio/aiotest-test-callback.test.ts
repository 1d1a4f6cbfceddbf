// Ported from python-trio/trio-asyncio tests/aiotest/test_callback.py (TestCallback),
// with tests/aiotest/__init__.py's TestConfig (its only setting used here,
// `call_soon_check_closed`, is true) and the `loop` fixture of tests/conftest.py
// (`async with open_loop() as loop`): each test runs in `trio.run` + `openLoop` on a
// MockClock with autojump. Every test of the file is ported (test_close adapted, see the
// comments in it).
import { describe, expect, it } from "vitest";
import { openLoop, type TrioEventLoop } from "../../../src/decorators/index.js";
import { RuntimeError } from "../../../src/errors/builtins.js";
import * as trio from "../../../src/trio/index.js";

// A test that hangs (it waits on virtual time that never comes) fails in seconds, not 20.
const HANG = { timeout: 5000 };

/** The `loop` fixture: a Trio run (on virtual time) with an open loop around the test. */
function withLoop(body: (loop: TrioEventLoop) => Promise<void>): Promise<void> {
  return trio.run({ clock: new trio.testing.MockClock({ autojumpThreshold: 0 }) }, () => openLoop(body));
}

/** `pytest.raises(cls, match=...)` around a call that may throw or reject. */
async function raises(cls: abstract new (...args: any[]) => unknown, match: RegExp | null, fn: () => unknown): Promise<void> {
  let result: unknown;
  try {
    result = await fn();
  } catch (error) {
    expect(error).toBeInstanceOf(cls);
    if (match !== null) expect((error as Error).message).toMatch(match);
    return;
  }
  throw new Error(`expected ${cls.name} to be thrown, got the value ${String(result)}`);
}

describe("TestCallback", HANG, () => {
  it("test_call_soon", async () => {
    await withLoop(async (loop) => {
      const result: string[] = [];
      const helloWorld = (l: TrioEventLoop): void => {
        result.push("Hello World");
        l.stop();
      };
      loop.callSoon(helloWorld, loop);
      await loop.stop().wait();
      expect(result).toEqual(["Hello World"]);
    });
  });

  it("test_call_soon_control", async () => {
    await withLoop(async (loop) => {
      const result: string[] = [];
      const appendResult = (l: TrioEventLoop, r: string[], value: string): void => {
        r.push(value);
        l.stop();
      };
      const func = (r: string[], l: TrioEventLoop): void => {
        l.callSoon(appendResult, l, r, "yes");
        r.push(JSON.stringify(r)); // Python's str(result): "[]"
      };
      loop.callSoon(func, result, loop);
      await loop.waitStopped();
      // http://bugs.python.org/issue22875: Ensure that callSoon() does not call
      // appendResult() immediately, but when control returns to the event loop, when
      // func() is done.
      expect(result).toEqual(["[]", "yes"]);
    });
  });

  it("test_close", async () => {
    await withLoop(async (loop) => {
      await loop.stop().wait();
      loop.close();

      const test = async (): Promise<void> => {};
      const func = (): boolean => false;

      // Adapted: Python's message says "not a sync loop"; this library's says that
      // runUntilComplete is not available on a TrioEventLoop and what to use instead.
      await raises(RuntimeError, /not available on a TrioEventLoop/, () => loop.runUntilComplete(null));
      await raises(RuntimeError, null, () => loop.runForever());
      await raises(RuntimeError, /Event loop is closed/, () => loop.callSoon(func));
      await raises(RuntimeError, /Event loop is closed/, () => loop.callSoonThreadsafe(func));
      await raises(RuntimeError, /Event loop is closed/, () => loop.callLater(1.0, func));
      await raises(RuntimeError, /Event loop is closed/, () => loop.callAt(loop.time() + 0.0, func));
      await raises(RuntimeError, /Event loop is closed/, () => loop.runInExecutor(null, func));
      await raises(RuntimeError, /Event loop is closed/, () => loop.runAioCoroutine(test));
      await raises(RuntimeError, /Event loop is closed/, () => loop.addSignalHandler("SIGTERM", func));
    });
  });
});
