// Ported from CPython Lib/test/test_asyncio/test_waitfor.py (3.12+, wait_for built on
// asyncio.timeout). Coroutines become functions; a coroutine object passed to wait_for
// becomes a function, which waitFor calls in the calling task as Python 3.12 awaits the
// coroutine in place. The loop runs on a MockClock (SlowTask's time.monotonic() is the
// loop's clock).
import { describe, expect, it } from "vitest";
import * as asyncio from "../../../src/asyncio/index.js";
import { shield } from "../../../src/asyncio/shield.js";
import { wait, waitFor } from "../../../src/asyncio/wait.js";
import { MockClock } from "../../../src/loop/mock-clock.js";

/** A value that passes `timeout > 0` but has almost no effect on the test's duration. */
const EPSILON = 0.0001;

/** IsolatedAsyncioTestCase on a virtual clock: the body is the main task of a fresh loop. */
function run<T>(fn: () => Promise<T>): Promise<T> {
  return asyncio.run(fn, { loopFactory: () => new asyncio.SyncTrioEventLoop({ clock: new MockClock({ autojumpThreshold: 0 }) }) });
}

/** unittest's `assertRaises`: the expected error is returned, any other one propagates. */
async function assertRaises<E>(cls: abstract new (...args: never[]) => E, body: () => unknown): Promise<E> {
  try {
    await body();
  } catch (error) {
    if (error instanceof cls) return error;
    throw error;
  }
  throw new Error(`${cls.name} was not raised`);
}

/** Runs for TASK_TIMEOUT seconds, ignoring cancel requests. */
class SlowTask {
  static readonly TASK_TIMEOUT = 0.2;
  exited = false;

  async run(): Promise<void> {
    const loop = asyncio.getRunningLoop();
    const exitat = loop.time() + SlowTask.TASK_TIMEOUT;
    for (;;) {
      const tosleep = exitat - loop.time();
      if (tosleep <= 0) break;
      try {
        await asyncio.sleep(tosleep);
      } catch (error) {
        if (!(error instanceof asyncio.CancelledError)) throw error;
      }
    }
    this.exited = true;
  }
}

describe("test_waitfor.py AsyncioWaitForTest", () => {
  it("test_asyncio_wait_for_cancelled", () =>
    run(async () => {
      const t = new SlowTask();
      const waitfortask = asyncio.createTask(() => waitFor(() => t.run(), SlowTask.TASK_TIMEOUT * 2));
      await asyncio.sleep(0);
      waitfortask.cancel();
      await wait(new Set([waitfortask]));
      expect(t.exited).toBe(true);
    }));

  it("test_asyncio_wait_for_timeout", () =>
    run(async () => {
      const t = new SlowTask();
      try {
        await waitFor(() => t.run(), SlowTask.TASK_TIMEOUT / 2);
      } catch (error) {
        if (!(error instanceof asyncio.TimeoutError)) throw error;
      }
      expect(t.exited).toBe(true);
    }));

  it("test_wait_for_timeout_less_then_0_or_0_future_done", () =>
    run(async () => {
      const fut = asyncio.getRunningLoop().createFuture<string>();
      fut.setResult("done");
      const ret = await waitFor(fut, 0);
      expect(ret).toBe("done");
      expect(fut.done()).toBe(true);
    }));

  it("test_wait_for_timeout_less_then_0_or_0_coroutine_do_not_started", () =>
    run(async () => {
      let fooStarted = false;
      async function foo(): Promise<void> {
        fooStarted = true;
      }
      await assertRaises(asyncio.TimeoutError, () => waitFor(foo, 0));
      expect(fooStarted).toBe(false);
    }));

  it("test_wait_for_timeout_less_then_0_or_0", () =>
    run(async () => {
      const loop = asyncio.getRunningLoop();
      for (const timeout of [0, -1]) {
        let fooRunning: boolean | null = null;
        const started = loop.createFuture<undefined>();
        async function foo(): Promise<string> {
          fooRunning = true;
          started.setResult(undefined);
          try {
            await asyncio.sleep(10);
          } finally {
            fooRunning = false;
          }
          return "done";
        }
        const fut = asyncio.createTask(foo);
        await started;
        await assertRaises(asyncio.TimeoutError, () => waitFor(fut, timeout));
        expect(fut.done()).toBe(true);
        // it should have been cancelled due to the timeout
        expect(fut.cancelled()).toBe(true);
        expect(fooRunning).toBe(false);
      }
    }));

  it("test_wait_for", () =>
    run(async () => {
      let fooRunning: boolean | null = null;
      async function foo(): Promise<string> {
        fooRunning = true;
        try {
          await asyncio.sleep(300); // support.LONG_TIMEOUT
        } finally {
          fooRunning = false;
        }
        return "done";
      }
      const fut = asyncio.createTask(foo);
      await assertRaises(asyncio.TimeoutError, () => waitFor(fut, 0.1));
      expect(fut.done()).toBe(true);
      // it should have been cancelled due to the timeout
      expect(fut.cancelled()).toBe(true);
      expect(fooRunning).toBe(false);
    }));

  it("test_wait_for_blocking", () =>
    run(async () => {
      const res = await waitFor(async () => "done", null);
      expect(res).toBe("done");
    }));

  it("test_wait_for_race_condition", () =>
    run(async () => {
      const loop = asyncio.getRunningLoop();
      const fut = loop.createFuture<string>();
      // A JavaScript async function starts at the call (Python's coroutine at the await).
      const task = waitFor(fut, 0.2);
      loop.callSoon((v: string) => fut.setResult(v), "ok");
      const res = await task;
      expect(res).toBe("ok");
    }));

  it("test_wait_for_cancellation_race_condition", () =>
    run(async () => {
      async function inner(): Promise<number> {
        await assertRaises(asyncio.CancelledError, () => asyncio.sleep(1));
        return 1;
      }
      const result = await waitFor(inner, 0.01);
      expect(result).toBe(1);
    }));

  it("test_wait_for_waits_for_task_cancellation", () =>
    run(async () => {
      let taskDone = false;
      async function inner(): Promise<void> {
        try {
          await asyncio.sleep(10);
        } catch (error) {
          if (error instanceof asyncio.CancelledError) await asyncio.sleep(EPSILON);
          throw error;
        } finally {
          taskDone = true;
        }
      }
      const innerTask = asyncio.createTask(inner);
      const cm = await assertRaises(asyncio.TimeoutError, () => waitFor(innerTask, EPSILON));
      expect(taskDone).toBe(true);
      // Python checks __context__; here the CancelledError is the TimeoutError's cause.
      expect(cm.cause).toBeInstanceOf(asyncio.CancelledError);
    }));

  it("test_wait_for_waits_for_task_cancellation_w_timeout_0", () =>
    run(async () => {
      let taskDone = false;
      async function foo(): Promise<void> {
        async function inner(): Promise<void> {
          try {
            await asyncio.sleep(10);
          } catch (error) {
            if (error instanceof asyncio.CancelledError) await asyncio.sleep(EPSILON);
            throw error;
          } finally {
            taskDone = true;
          }
        }
        const innerTask = asyncio.createTask(inner);
        await asyncio.sleep(EPSILON);
        await waitFor(innerTask, 0);
      }
      const cm = await assertRaises(asyncio.TimeoutError, foo);
      expect(taskDone).toBe(true);
      expect(cm.cause).toBeInstanceOf(asyncio.CancelledError);
    }));

  it("test_wait_for_reraises_exception_during_cancellation", () =>
    run(async () => {
      class FooException extends Error {}
      async function foo(): Promise<void> {
        async function inner(): Promise<void> {
          try {
            await asyncio.sleep(0.2);
          } finally {
             
            throw new FooException();
          }
        }
        const innerTask = asyncio.createTask(inner);
        await waitFor(innerTask, EPSILON);
      }
      await assertRaises(FooException, foo);
    }));

  async function testCancelWaitFor(timeout: number | null): Promise<void> {
    const loop = asyncio.getRunningLoop();
    async function blockingCoroutine(): Promise<void> {
      const fut = loop.createFuture();
      // Block: fut result is never set
      await fut;
    }
    const task = asyncio.createTask(blockingCoroutine);
    const waitTask = asyncio.createTask(() => waitFor(task, timeout));
    loop.callSoon(() => waitTask.cancel());
    await assertRaises(asyncio.CancelledError, () => waitTask);
    // Python issue #23219: cancelling the wait must also cancel the task
    expect(task.cancelled()).toBe(true);
  }

  it("test_cancel_blocking_wait_for", () => run(() => testCancelWaitFor(null)));

  it("test_cancel_wait_for", () => run(() => testCancelWaitFor(60.0)));

  it("test_wait_for_cancel_suppressed", () =>
    run(async () => {
      // GH-86296: if a task suppresses CancelledError and returns a value, waitFor returns
      // the value instead of raising (the same behavior as asyncio.timeout).
      async function return42(): Promise<number | undefined> {
        try {
          await asyncio.sleep(10);
        } catch (error) {
          if (error instanceof asyncio.CancelledError) return 42;
          throw error;
        }
        return undefined;
      }
      const res = await waitFor(return42, 0.1);
      expect(res).toBe(42);
    }));

  it("test_wait_for_issue86296", () =>
    run(async () => {
      // GH-86296: the task should get cancelled and not run to completion. inner completes
      // in one cycle of the event loop so it completes before the task is cancelled.
      const innerTask = asyncio.createTask(async () => "done");
      let reachedEnd = false;
      async function waitForCoro(): Promise<void> {
        await waitFor(innerTask, 100);
        await asyncio.sleep(1);
        reachedEnd = true;
      }
      const task = asyncio.createTask(waitForCoro);
      expect(task.done()).toBe(false);
      // Run the task
      await asyncio.sleep(0);
      task.cancel();
      await assertRaises(asyncio.CancelledError, () => task);
      expect(innerTask.done()).toBe(true);
      expect(await innerTask).toBe("done");
      expect(reachedEnd).toBe(false);
    }));
});

describe("test_waitfor.py WaitForShieldTests", () => {
  it("test_zero_timeout", () =>
    run(async () => {
      // shield() makes an outer Future that shields the task, so with timeout=0 the shield
      // is cancelled at once while the task goes on running.
      async function coro(): Promise<string> {
        await asyncio.sleep(0.01);
        return "done";
      }
      const task = asyncio.createTask(coro);
      let shieldedTask: asyncio.Future<string> | undefined;
      await assertRaises(asyncio.TimeoutError, () => {
        shieldedTask = shield(task);
        return waitFor(shieldedTask, 0);
      });
      // Task is running in background
      expect(task.done()).toBe(false);
      expect(task.cancelled()).toBe(false);
      expect(shieldedTask!.cancelled()).toBe(true);
      // Wait for the task to complete
      await asyncio.sleep(0.1);
      expect(task.done()).toBe(true);
    }));

  it("test_none_timeout", () =>
    run(async () => {
      // With timeout=null the timeout is disabled, so it runs till completion.
      async function coro(): Promise<string> {
        await asyncio.sleep(0.1);
        return "done";
      }
      const task = asyncio.createTask(coro);
      await waitFor(shield(task), null);
      expect(task.done()).toBe(true);
      expect(await task).toBe("done");
    }));

  it("test_shielded_timeout", () =>
    run(async () => {
      // shield prevents the task from being cancelled.
      async function coro(): Promise<string> {
        await asyncio.sleep(0.1);
        return "done";
      }
      const task = asyncio.createTask(coro);
      await assertRaises(asyncio.TimeoutError, () => waitFor(shield(task), 0.01));
      expect(task.done()).toBe(false);
      expect(task.cancelled()).toBe(false);
      expect(await task).toBe("done");
    }));
});
