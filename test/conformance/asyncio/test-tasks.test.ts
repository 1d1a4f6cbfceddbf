// Ported from CPython Lib/test/test_asyncio/test_tasks.py (the Task core of BaseTaskTests,
// SetMethodsTest, BaseCurrentLoopTests, GenericTaskTests, SleepTests; Python 3.14 version).
// gather/wait/as_completed/shield/wait_for are ported elsewhere; where a test here used
// asyncio.wait() only to wait for tasks, the local `waitAll` stands in for it.
// Each test runs on a fresh SyncTrioEventLoop with a MockClock (Python's `new_test_loop`
// and its time generator become virtual time with autojump). `test_utils.run_briefly` is
// `runBriefly`: one `runUntilComplete` of an empty task, as in CPython. Python passes
// coroutine objects; here tasks take the async function (`newTask(loop, () => coro())`).
// The C and Python implementations (_CTask/_PyTask, subclasses) are one class here: each
// test is ported once. Not ported: see the list at the end of the file.
import v8 from "node:v8";
import vm from "node:vm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as asyncio from "../../../src/asyncio/index.js";
import { Context, ContextVar, copyContext } from "../../../src/contextvars/index.js";
import { RuntimeError, ValueError } from "../../../src/errors/builtins.js";
import { WouldBlock } from "../../../src/loop/errors.js";
import { MockClock } from "../../../src/loop/mock-clock.js";

const { CancelledError, Future, InvalidStateError, Task, TimeoutError } = asyncio;
type Task<T = void> = asyncio.Task<T>;

v8.setFlagsFromString("--expose-gc");
const forceGc = vm.runInNewContext("gc") as () => void;

/** `support.gc_collect()`: full collections, then host turns so finalizers run. */
async function collect(): Promise<void> {
  for (let i = 0; i < 4; i++) {
    forceGc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function newTestLoop(options: { queueLen?: number } = {}): asyncio.SyncTrioEventLoop {
  return new asyncio.SyncTrioEventLoop({ clock: new MockClock({ autojumpThreshold: 0 }), ...options });
}

/** `test_utils.run_briefly(loop)`. */
async function runBriefly(loop: asyncio.SyncTrioEventLoop): Promise<void> {
  await loop.runUntilComplete(async () => {});
}

/** `BaseTaskTests.new_task`: a Task named "TestTask" unless told otherwise. */
function newTask<T>(loop: asyncio.BaseTrioEventLoop, fn: () => PromiseLike<T> | T, name: string | null = "TestTask", context?: Context): Task<T> {
  return new Task(fn, { loop, name: name ?? undefined, context });
}

/** `await asyncio.wait(fs)` (ALL_COMPLETED, no timeout), for tests that only wait. */
async function waitAll<T>(fs: asyncio.Future<T>[]): Promise<void> {
  let pending = fs.filter((f) => !f.done()).length;
  if (pending === 0) return;
  const waiter = asyncio.getRunningLoop().createFuture<void>();
  const onDone = (): void => {
    if (--pending === 0 && !waiter.done()) waiter.setResult(undefined);
  };
  for (const f of fs) if (!f.done()) f.addDoneCallback(onDone);
  try {
    await waiter;
  } finally {
    for (const f of fs) f.removeDoneCallback(onDone);
  }
}

/** Python's `get_innermost_context`, following `cause` (this port's `__context__`). */
function innermostCause(error: unknown): [unknown, string, number] {
  let depth = 0;
  let exc = error as Error;
  while (exc.cause !== undefined) {
    exc = exc.cause as Error;
    depth++;
  }
  return [exc.constructor, exc.message, depth];
}

/** Settles a promise into its error (or fails if it fulfils). */
async function rejection(promise: PromiseLike<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

async function withLoggedErrors(body: (errors: [string, unknown][]) => Promise<void>): Promise<void> {
  const saved = { ...asyncio.logger };
  const errors: [string, unknown][] = [];
  asyncio.logger.error = (message: string, error?: unknown) => {
    errors.push([message, error]);
  };
  try {
    await body(errors);
  } finally {
    Object.assign(asyncio.logger, saved);
  }
}

let loop: asyncio.SyncTrioEventLoop;
const extraLoops: asyncio.BaseTrioEventLoop[] = [];

/** `asyncio.new_event_loop()` (test_utils' `set_event_loop` cleanup closes it). */
function newLoop(): asyncio.SyncTrioEventLoop {
  const l = newTestLoop();
  extraLoops.push(l);
  return l;
}

beforeEach(() => {
  loop = newTestLoop();
  loop.setTaskFactory((l, fn, options) => newTask(l, fn, options.name ?? "TestTask", options.context));
});

afterEach(async () => {
  for (const l of [loop, ...extraLoops.splice(0)]) {
    // A test that timed out leaves its loop running.
    if (l.isRunning()) await l.stop();
    if (!l.isClosed()) l.close();
  }
  asyncio.setEventLoop(null);
});

// A test that hangs (it waits on virtual time that never comes) fails in seconds, not 20.
const HANG = { timeout: 3000 };

describe("BaseTaskTests", HANG, () => {
  it("test_task_cancel_message_getter", async () => {
    const t = newTask(loop, async () => {});
    expect(t._cancelMessage).toBeUndefined();
    t.cancel("my message");
    expect(t._cancelMessage).toBe("my message");
    const error = await rejection(loop.runUntilComplete(t));
    expect(error).toBeInstanceOf(CancelledError);
    expect(error.message).toBe("my message");
  });

  it("test_task_cancel_message_setter", async () => {
    const t = newTask(loop, async () => {});
    t.cancel("my message");
    t._cancelMessage = "my new message";
    expect(t._cancelMessage).toBe("my new message");
    const error = await rejection(loop.runUntilComplete(t));
    expect(error).toBeInstanceOf(CancelledError);
    expect(error.message).toBe("my new message");
  });

  it("test_other_loop_future", async () => {
    const otherLoop = asyncio.newEventLoop();
    const fut = new Future({ loop: otherLoop });
    try {
      await expect(
        loop.runUntilComplete(async () => {
          await fut;
        }),
      ).rejects.toThrow(/Task .* got Future .* attached/);
    } finally {
      otherLoop.close();
    }
  });

  it("test_task_awaits_on_itself", async () => {
    const task: asyncio.Future<void> = asyncio.ensureFuture(
      async () => {
        await task;
      },
      { loop },
    );
    await expect(loop.runUntilComplete(task)).rejects.toThrow(/Task cannot await on itself/);
  });

  it("test_task_class", async () => {
    const notmuch = async (): Promise<string> => "ok";
    const t = newTask(loop, notmuch);
    await loop.runUntilComplete(t);
    expect(t.done()).toBe(true);
    expect(t.result()).toBe("ok");
    expect(t._loop).toBe(loop);
    expect(t.getLoop()).toBe(loop);

    const loop2 = newLoop();
    asyncio.setEventLoop(loop2);
    const t2 = newTask(loop2, notmuch);
    expect(t2._loop).toBe(loop2);
    await loop2.runUntilComplete(t2);
    loop2.close();
  });

  it("test_ensure_future_coroutine", async () => {
    const notmuch = async (): Promise<string> => "ok";
    let t = asyncio.ensureFuture(notmuch, { loop });
    expect(t._loop).toBe(loop);
    await loop.runUntilComplete(t);
    expect(t.done()).toBe(true);
    expect(t.result()).toBe("ok");

    // Wrapped in an object: an async function that returns a thenable adopts it.
    ({ t } = await loop.runUntilComplete(async () => ({ t: asyncio.ensureFuture(notmuch) })));
    expect(t._loop).toBe(loop);
    await loop.runUntilComplete(t);
    expect(t.done()).toBe(true);
    expect(t.result()).toBe("ok");

    asyncio.setEventLoop(loop);
    t = asyncio.ensureFuture(notmuch);
    expect(t._loop).toBe(loop);
    await loop.runUntilComplete(t);
    expect(t.done()).toBe(true);
    expect(t.result()).toBe("ok");

    // Python checks this second, right after the first run; it comes last here so that
    // the steps above are checked either way. After set_event_loop(None) (the test
    // case's tear-down), there is no current loop to put the task on.
    asyncio.setEventLoop(null);
    let orphan: asyncio.Future<string> | null = null;
    try {
      expect(() => {
        orphan = asyncio.ensureFuture(notmuch);
      }).toThrow(/no current event loop/);
    } finally {
      (orphan as asyncio.Future<string> | null)?.cancel();
      (orphan as asyncio.Future<string> | null)?.getLoop().close();
      asyncio.setEventLoop(null);
    }
  });

  it("test_ensure_future_future", async () => {
    const fOrig = new Future<string>({ loop });
    fOrig.setResult("ko");
    let f = asyncio.ensureFuture(fOrig);
    await loop.runUntilComplete(f);
    expect(f.done()).toBe(true);
    expect(f.result()).toBe("ko");
    expect(f).toBe(fOrig);

    const loop2 = newLoop();
    asyncio.setEventLoop(loop2);
    expect(() => asyncio.ensureFuture(fOrig, { loop: loop2 })).toThrow(ValueError);
    loop2.close();

    f = asyncio.ensureFuture(fOrig, { loop });
    expect(f).toBe(fOrig);
  });

  it("test_ensure_future_task", async () => {
    const tOrig = newTask(loop, async () => "ok");
    let t = asyncio.ensureFuture(tOrig);
    await loop.runUntilComplete(t);
    expect(t.done()).toBe(true);
    expect(t.result()).toBe("ok");
    expect(t).toBe(tOrig);

    const loop2 = newLoop();
    asyncio.setEventLoop(loop2);
    expect(() => asyncio.ensureFuture(tOrig, { loop: loop2 })).toThrow(ValueError);
    loop2.close();

    t = asyncio.ensureFuture(tOrig, { loop });
    expect(t).toBe(tOrig);
  });

  it("test_ensure_future_awaitable", async () => {
    // Python's `__await__` object is a thenable here.
    class Aw implements PromiseLike<string> {
      constructor(private readonly coro: () => Promise<string>) {}
      then<R1, R2>(onFulfilled?: ((v: string) => R1 | PromiseLike<R1>) | null, onRejected?: ((e: unknown) => R2 | PromiseLike<R2>) | null): PromiseLike<R1 | R2> {
        return this.coro().then(onFulfilled, onRejected);
      }
    }
    const l = newLoop();
    asyncio.setEventLoop(l);
    const fut = asyncio.ensureFuture(new Aw(async () => "ok"), { loop: l });
    await l.runUntilComplete(fut);
    expect(fut.result()).toBe("ok");
  });

  it("test_ensure_future_task_awaitable", async () => {
    class Aw implements PromiseLike<string> {
      then<R1, R2>(onFulfilled?: ((v: string) => R1 | PromiseLike<R1>) | null, onRejected?: ((e: unknown) => R2 | PromiseLike<R2>) | null): PromiseLike<R1 | R2> {
        return asyncio.sleep(0, "ok").then(onFulfilled, onRejected);
      }
    }
    const l = newLoop();
    asyncio.setEventLoop(l);
    const task = asyncio.ensureFuture(new Aw(), { loop: l });
    await l.runUntilComplete(task);
    expect(task.done()).toBe(true);
    expect(task.result()).toBe("ok");
    expect(task).toBeInstanceOf(Task);
    l.close();
  });

  it("test_ensure_future_neither", () => {
    expect(() => asyncio.ensureFuture("ok" as never)).toThrow(TypeError);
  });

  it("test_ensure_future_error_msg", () => {
    const l = newLoop();
    const f = new Future({ loop });
    expect(() => asyncio.ensureFuture(f, { loop: l })).toThrow(
      /The future belongs to a different loop than the one specified as the loop argument/,
    );
    l.close();
  });

  it("test_task_repr", async () => {
    // Adapted: the state word, the name and the result are checked; Python's coro=<...>
    // and cb=[...] parts (source locations) are not part of this port.
    loop.setDebug(false);
    const notmuch = async (): Promise<string> => "abc";
    const t = newTask(loop, notmuch);
    t.addDoneCallback(() => {});
    expect(String(t)).toMatch(/^<Task pending name=["']TestTask["'].*>$/);
    t.cancel(); // Does not take immediate effect!
    expect(String(t)).toMatch(/^<Task cancelling name=["']TestTask["'].*>$/);
    await expect(loop.runUntilComplete(t)).rejects.toThrow(CancelledError);
    expect(String(t)).toMatch(/^<Task cancelled name=["']TestTask["'].*>$/);

    const t2 = newTask(loop, notmuch);
    await loop.runUntilComplete(t2);
    expect(String(t2)).toMatch(/^<Task finished name=["']TestTask["'].* result=.*abc.*>$/);
  });

  it("test_task_repr_autogenerated", async () => {
    const notmuch = async (): Promise<number> => 123;
    const t1 = newTask(loop, notmuch, null);
    const t2 = newTask(loop, notmuch, null);
    expect(String(t1)).not.toBe(String(t2));
    const match1 = /^<Task pending name=["']Task-(\d+)["']/.exec(String(t1));
    expect(match1).not.toBeNull();
    const match2 = /^<Task pending name=["']Task-(\d+)["']/.exec(String(t2));
    expect(match2).not.toBeNull();
    // Autogenerated task names should have monotonically increasing numbers.
    expect(Number(match1![1])).toBeLessThan(Number(match2![1]));
    await loop.runUntilComplete(t1);
    await loop.runUntilComplete(t2);
  });

  it("test_task_set_name_pylong", async () => {
    const t = newTask(loop, async () => 123, 987654321 as never);
    expect(t.getName()).toBe("987654321");
    t.setName(123456789);
    expect(t.getName()).toBe("123456789");
    await loop.runUntilComplete(t);
  });

  it("test_task_repr_name_not_str", async () => {
    // Python's `{6}` (a set) becomes an object with that string form.
    const t = newTask(loop, async () => 123);
    t.setName({ toString: () => "{6}" });
    expect(t.getName()).toBe("{6}");
    await loop.runUntilComplete(t);
  });

  it("test_task_basics", async () => {
    const inner1 = async (): Promise<number> => 42;
    const inner2 = async (): Promise<number> => 1000;
    const outer = async (): Promise<number> => {
      const a = await inner1();
      const b = await inner2();
      return a + b;
    };
    expect(await loop.runUntilComplete(outer)).toBe(1042);
  });

  it("test_cancelling", async () => {
    const t = newTask(loop, () => asyncio.sleep(10));
    expect(t.cancelling()).toBeFalsy();
    expect(String(t)).not.toContain(" cancelling ");
    expect(t.cancel()).toBe(true);
    expect(t.cancelling()).toBeTruthy();
    expect(String(t)).toContain(" cancelling ");
    // Since we commented out two lines from Task.cancel(), this t.cancel() call now
    // returns True.
    expect(t.cancel()).toBe(true);
    await expect(loop.runUntilComplete(t)).rejects.toThrow(CancelledError);
  });

  it("test_uncancel_basic", async () => {
    const t = newTask(loop, async () => {
      try {
        await asyncio.sleep(10);
      } catch (error) {
        if (!(error instanceof CancelledError)) throw error;
        asyncio.currentTask()!.uncancel();
        await asyncio.sleep(10);
      }
    });
    await loop.runUntilComplete(() => asyncio.sleep(0.01));

    // Cancel first sleep
    expect(t.cancel()).toBe(true);
    expect(String(t)).toContain(" cancelling ");
    expect(t.cancelling()).toBe(1);
    expect(t.cancelled()).toBe(false); // Task is still not complete
    await loop.runUntilComplete(() => asyncio.sleep(0.01));

    // after .uncancel()
    expect(String(t)).not.toContain(" cancelling ");
    expect(t.cancelling()).toBe(0);
    expect(t.cancelled()).toBe(false); // Task is still not complete

    // Cancel second sleep
    expect(t.cancel()).toBe(true);
    expect(t.cancelling()).toBe(1);
    expect(t.cancelled()).toBe(false); // Task is still not complete
    await expect(loop.runUntilComplete(t)).rejects.toThrow(CancelledError);
    expect(t.cancelled()).toBe(true); // Finally, task complete
    expect(t.done()).toBe(true);

    // uncancel is no longer effective after the task is complete
    t.uncancel();
    expect(t.cancelled()).toBe(true);
    expect(t.done()).toBe(true);
  });

  it("test_uncancel_structured_blocks", async () => {
    // Recreates, with uncancel(), a structured block under a timeout:
    //   try: async with asyncio.timeout(1): await make_request()
    //   except TimeoutError: pass
    //   await unrelated_code()
    const makeRequestWithTimeout = async (sleep: number, timeout: number): Promise<[boolean, boolean, boolean]> => {
      const task = asyncio.currentTask()!;
      const taskLoop = task.getLoop();
      let timedOut = false;
      let structuredBlockFinished = false;
      const onTimeout = (): void => {
        timedOut = true;
        task.cancel();
      };
      const timeoutHandle = taskLoop.callLater(timeout, onTimeout);
      try {
        // `sys.exception()` in the finally block: what the structured block raised.
        let raised: unknown = undefined;
        try {
          try {
            await asyncio.sleep(sleep);
            structuredBlockFinished = true;
          } catch (error) {
            raised = error;
            throw error;
          }
        } finally {
          timeoutHandle.cancel();
          // The five rules of proper uncancellation: in a finally block; only when our
          // own cancel() fired; uncancel() because we called cancel(); convert only when
          // the count went down to 0; and only a CancelledError, nothing else.
          if (timedOut && task.uncancel() === 0 && raised !== undefined && (raised as Error).constructor === CancelledError) {
            throw new TimeoutError();
          }
        }
      } catch (error) {
        if (!(error instanceof TimeoutError)) throw error;
        expect(timedOut).toBe(true);
      }
      // Outer code not affected by the timeout:
      const outerCodeReached = true;
      await asyncio.sleep(0);
      return [timedOut, structuredBlockFinished, outerCodeReached];
    };

    // Test which timed out.
    const t1 = newTask(loop, () => makeRequestWithTimeout(10.0, 0.1));
    let [timedOut, structuredBlockFinished, outerCodeReached] = await loop.runUntilComplete(t1);
    expect(timedOut).toBe(true);
    expect(structuredBlockFinished).toBe(false); // it was cancelled
    expect(outerCodeReached).toBe(true); // task got uncancelled after leaving the block
    expect(t1.cancelling()).toBe(0); // no pending cancellation of the outer task

    // Test which did not time out.
    const t2 = newTask(loop, () => makeRequestWithTimeout(0, 10.0));
    [timedOut, structuredBlockFinished, outerCodeReached] = await loop.runUntilComplete(t2);
    expect(timedOut).toBe(false);
    expect(structuredBlockFinished).toBe(true);
    expect(outerCodeReached).toBe(true);
    expect(t2.cancelling()).toBe(0);
  });

  it("test_uncancel_resets_must_cancel", async () => {
    const fut = new Future({ loop });
    const task = newTask(loop, async () => {
      await fut;
      return 42;
    });
    await loop.runUntilComplete(() => asyncio.sleep(0)); // Get task waiting for fut
    fut.setResult(null); // Make task runnable
    task.cancel(); // Enter cancelled state
    expect(task.cancelling()).toBe(1);
    expect(task._mustCancel).toBe(true);
    task.uncancel(); // Undo cancellation
    expect(task.cancelling()).toBe(0);
    expect(task._mustCancel).toBe(false);
    expect(await loop.runUntilComplete(task)).toBe(42);
  });

  it("test_cancel", async () => {
    const t = newTask(loop, async () => {
      await asyncio.sleep(10.0);
      return 12;
    });
    loop.callSoon(() => t.cancel());
    await expect(loop.runUntilComplete(t)).rejects.toThrow(CancelledError);
    expect(t.done()).toBe(true);
    expect(t.cancelled()).toBe(true);
    expect(t.cancel()).toBe(false);
  });

  // Python's (5,) case is not ported: JavaScript error messages are strings.
  const cancelCases: [unknown[], string][] = [
    [[], ""],
    [[undefined], ""],
    [["my message"], "my message"],
  ];

  /**
   * Adapted depth check: Python re-raises the very CancelledError of the innermost
   * await (context depth 0); here each hop is a new CancelledError chained by `cause`,
   * so the chain is checked to hold only CancelledErrors with the message.
   */
  function expectCancelChain(exc: Error, expected: string): void {
    expect(exc).toBeInstanceOf(CancelledError);
    expect(exc.message).toBe(expected);
    for (let e: unknown = exc; e !== undefined; e = (e as Error).cause) {
      expect(e).toBeInstanceOf(CancelledError);
      expect((e as Error).message).toBe(expected);
    }
  }

  it("test_cancel_with_message_then_future_result", async () => {
    for (const [cancelArgs, expected] of cancelCases) {
      const l = newLoop();
      asyncio.setEventLoop(l);
      const task = newTask(l, async () => {
        const inner = newTask(l, () => asyncio.sleep(10));
        await asyncio.sleep(0);
        inner.cancel(...(cancelArgs as [string?]));
        await waitAll([inner]);
        inner.result();
      });
      const exc = await rejection(l.runUntilComplete(task));
      expectCancelChain(exc, expected);
      expect(innermostCause(exc).slice(0, 2)).toEqual([CancelledError, expected]);
    }
  });

  it("test_cancel_with_message_then_future_exception", async () => {
    for (const [cancelArgs, expected] of cancelCases) {
      const l = newLoop();
      asyncio.setEventLoop(l);
      const task = newTask(l, async () => {
        const inner = newTask(l, () => asyncio.sleep(10));
        await asyncio.sleep(0);
        inner.cancel(...(cancelArgs as [string?]));
        await waitAll([inner]);
        inner.exception();
      });
      const exc = await rejection(l.runUntilComplete(task));
      expectCancelChain(exc, expected);
      expect(innermostCause(exc).slice(0, 2)).toEqual([CancelledError, expected]);
    }
  });

  it("test_cancellation_exception_context", async () => {
    const l = newLoop();
    asyncio.setEventLoop(l);
    const fut = l.createFuture();
    const task = newTask(l, async () => {
      const innerTask = newTask(l, async () => {
        fut.setResult(null);
        await asyncio.sleep(10);
      });
      await fut;
      l.callSoon((msg: string) => innerTask.cancel(msg), "msg");
      try {
        await innerTask;
      } catch (ex) {
        if (ex instanceof CancelledError) throw new ValueError("cancelled", { cause: ex });
        throw ex;
      }
    });
    const exc = await rejection(l.runUntilComplete(task));
    expect(exc).toBeInstanceOf(ValueError);
    expect(exc.message).toBe("cancelled");
    // Python: (CancelledError, ('msg',), 1). Each await of a cancelled task adds a
    // CancelledError link here, so the depth is at least 1.
    const [cls, message, depth] = innermostCause(exc);
    expect([cls, message]).toEqual([CancelledError, "msg"]);
    expect(depth).toBeGreaterThanOrEqual(1);
    expectCancelChain(exc.cause as Error, "msg");
  });

  it("test_cancel_with_message_before_starting_task", async () => {
    const l = newLoop();
    asyncio.setEventLoop(l);
    const task = newTask(l, async () => {
      const inner = newTask(l, () => asyncio.sleep(10));
      // We deliberately leave out the sleep here.
      inner.cancel("my message");
      await waitAll([inner]);
      inner.exception();
    });
    const exc = await rejection(l.runUntilComplete(task));
    expectCancelChain(exc, "my message");
  });

  it("test_cancel_yield", async () => {
    const t = newTask(loop, async () => {
      await asyncio.sleep(0);
      await asyncio.sleep(0);
      return 12;
    });
    await runBriefly(loop); // start coro
    t.cancel();
    await expect(loop.runUntilComplete(t)).rejects.toThrow(CancelledError);
    expect(t.done()).toBe(true);
    expect(t.cancelled()).toBe(true);
    expect(t.cancel()).toBe(false);
  });

  it("test_cancel_inner_future", async () => {
    const f = new Future({ loop });
    const t = newTask(loop, async () => {
      await f;
      return 12;
    });
    await runBriefly(loop); // start task
    f.cancel();
    await expect(loop.runUntilComplete(t)).rejects.toThrow(CancelledError);
    expect(f.cancelled()).toBe(true);
    expect(t.cancelled()).toBe(true);
  });

  it("test_cancel_both_task_and_inner_future", async () => {
    const f = new Future({ loop });
    const t = newTask(loop, async () => {
      await f;
      return 12;
    });
    await runBriefly(loop);
    f.cancel();
    t.cancel();
    await expect(loop.runUntilComplete(t)).rejects.toThrow(CancelledError);
    expect(t.done()).toBe(true);
    expect(f.cancelled()).toBe(true);
    expect(t.cancelled()).toBe(true);
  });

  it("test_cancel_task_catching", async () => {
    const fut1 = new Future({ loop });
    const fut2 = new Future({ loop });
    const t = newTask(loop, async () => {
      await fut1;
      try {
        await fut2;
      } catch (error) {
        if (error instanceof CancelledError) return 42;
        throw error;
      }
      return undefined;
    });
    await runBriefly(loop);
    expect([...(t._waiters ?? [])]).toEqual([fut1]); // White-box test (Python's _fut_waiter).
    fut1.setResult(null);
    await runBriefly(loop);
    expect([...(t._waiters ?? [])]).toEqual([fut2]); // White-box test.
    t.cancel();
    expect(fut2.cancelled()).toBe(true);
    expect(await loop.runUntilComplete(t)).toBe(42);
    expect(t.cancelled()).toBe(false);
  });

  it("test_cancel_task_ignoring", async () => {
    const fut1 = new Future({ loop });
    const fut2 = new Future({ loop });
    const fut3 = new Future<number>({ loop });
    const t = newTask(loop, async () => {
      await fut1;
      try {
        await fut2;
      } catch (error) {
        if (!(error instanceof CancelledError)) throw error;
      }
      const res = await fut3;
      return res;
    });
    await runBriefly(loop);
    expect([...(t._waiters ?? [])]).toEqual([fut1]); // White-box test.
    fut1.setResult(null);
    await runBriefly(loop);
    expect([...(t._waiters ?? [])]).toEqual([fut2]); // White-box test.
    t.cancel();
    expect(fut2.cancelled()).toBe(true);
    await runBriefly(loop);
    expect([...(t._waiters ?? [])]).toEqual([fut3]); // White-box test.
    fut3.setResult(42);
    expect(await loop.runUntilComplete(t)).toBe(42);
    expect(fut3.cancelled()).toBe(false);
    expect(t.cancelled()).toBe(false);
  });

  it("test_cancel_current_task", async () => {
    const l = newLoop();
    asyncio.setEventLoop(l);
    const seen: boolean[] = [];
    const t: Task<number> = newTask(l, async () => {
      t.cancel();
      seen.push(t._mustCancel); // White-box test.
      // The sleep should be cancelled immediately.
      await asyncio.sleep(100);
      return 12;
    });
    expect(t.cancelled()).toBe(false);
    await expect(l.runUntilComplete(t)).rejects.toThrow(CancelledError);
    expect(seen).toEqual([true]);
    expect(t.done()).toBe(true);
    expect(t.cancelled()).toBe(true);
    expect(t._mustCancel).toBe(false); // White-box test.
    expect(t.cancel()).toBe(false);
  });

  it("test_cancel_at_end", async () => {
    // coroutine end right after task is cancelled
    const l = newLoop();
    asyncio.setEventLoop(l);
    const seen: boolean[] = [];
    const t: Task<number> = newTask(l, async () => {
      t.cancel();
      seen.push(t._mustCancel); // White-box test.
      return 12;
    });
    expect(t.cancelled()).toBe(false);
    await expect(l.runUntilComplete(t)).rejects.toThrow(CancelledError);
    expect(seen).toEqual([true]);
    expect(t.done()).toBe(true);
    expect(t.cancelled()).toBe(true);
    expect(t._mustCancel).toBe(false); // White-box test.
    expect(t.cancel()).toBe(false);
  });

  it("test_cancel_awaited_task", async () => {
    // A cancellation requested while the task is not blocked (here: the task cancels
    // itself) must cancel whatever it blocks on next. See also bpo-34872.
    const l = newLoop();
    let nestedTask: Task | null = null;
    const fut = new Future({ loop: l });
    const task: Task = newTask(l, async () => {
      // Create a sub-task and wait for it to run.
      nestedTask = newTask(l, async () => {
        await fut;
      });
      await asyncio.sleep(0);
      // Request the current task to be cancelled.
      task.cancel();
      // Block on the nested task, which should be immediately cancelled.
      await nestedTask;
    });
    await expect(l.runUntilComplete(task)).rejects.toThrow(CancelledError);
    expect(task.cancelled()).toBe(true);
    expect(nestedTask!.cancelled()).toBe(true);
    expect(fut.cancelled()).toBe(true);
  });

  it("test_stop_while_run_in_complete", async () => {
    let x = 0;
    const t = newTask(loop, async () => {
      while (x < 10) {
        await asyncio.sleep(0.1);
        x += 1;
        if (x === 2) void loop.stop();
      }
    });
    const error = await rejection(loop.runUntilComplete(t));
    expect(error).toBeInstanceOf(RuntimeError);
    expect(error.message).toBe("Event loop stopped before Future completed.");
    expect(t.done()).toBe(false);
    expect(x).toBe(2);
    // Python's test loop reports 0.3: its fake selector advances the clock to the next
    // timer while it polls on the way out. Virtual time stops where the loop stopped.
    expect(loop.time()).toBeCloseTo(0.2);
    t.cancel();
    await expect(loop.runUntilComplete(t)).rejects.toThrow(CancelledError);
  });

  it("test_sleep", async () => {
    const sleeper = async (dt: number, arg: string): Promise<string> => {
      await asyncio.sleep(dt / 2);
      const res = await asyncio.sleep(dt / 2, arg);
      return res;
    };
    const t = newTask(loop, () => sleeper(0.1, "yeah"));
    await loop.runUntilComplete(t);
    expect(t.done()).toBe(true);
    expect(t.result()).toBe("yeah");
    expect(loop.time()).toBeCloseTo(0.1);
  });

  it("test_sleep_when_delay_is_nan", async () => {
    const t = newTask(loop, async () => {
      await asyncio.sleep(NaN);
    });
    await expect(loop.runUntilComplete(t)).rejects.toThrow(ValueError);
  });

  it("test_sleep_cancel", async () => {
    const t = newTask(loop, () => asyncio.sleep(10.0, "yeah"));
    let handle: asyncio.TimerHandle | null = null;
    const origCallLater = loop.callLater.bind(loop);
    loop.callLater = ((...args: unknown[]) => {
      handle = (origCallLater as (...a: unknown[]) => asyncio.TimerHandle)(...args);
      return handle;
    });
    await runBriefly(loop);
    expect(handle!._cancelled).toBe(false);
    t.cancel();
    await runBriefly(loop);
    expect(handle!._cancelled).toBe(true);
  });

  it("test_task_cancel_sleeping_task", async () => {
    const doit = async (): Promise<string> => {
      const sleeper = newTask(loop, () => asyncio.sleep(5000));
      loop.callLater(0.1, () => sleeper.cancel());
      try {
        await sleeper;
      } catch (error) {
        if (error instanceof CancelledError) return "cancelled";
        throw error;
      }
      return "slept in";
    };
    expect(await loop.runUntilComplete(doit)).toBe("cancelled");
    expect(loop.time()).toBeCloseTo(0.1);
  });

  it("test_task_cancel_waiter_future", async () => {
    const fut = new Future({ loop });
    const task = newTask(loop, async () => {
      await fut;
    });
    await runBriefly(loop);
    expect([...(task._waiters ?? [])]).toEqual([fut]);
    task.cancel();
    await runBriefly(loop);
    await expect(loop.runUntilComplete(task)).rejects.toThrow(CancelledError);
    expect(task._waiters ?? []).toEqual([]);
    expect(fut.cancelled()).toBe(true);
  });

  it("test_task_set_methods", async () => {
    const task = newTask(loop, async () => "ko");
    expect(() => task.setResult("ok")).toThrow(/not support set_result/);
    expect(() => task.setException(new ValueError())).toThrow(/not support set_exception/);
    expect(await loop.runUntilComplete(task)).toBe("ko");
  });

  it("test_step_result_future", async () => {
    // Adapted: the task waits on the Future it awaits and gets its result. (Python also
    // checks that the Future's add_done_callback was used: awaiting goes through `then`
    // here, so that white-box part does not apply.)
    const fut = new Future<object>({ loop });
    let result: object | null = null;
    const t = newTask(loop, async () => {
      result = await fut;
    });
    await runBriefly(loop);
    const res = {};
    fut.setResult(res);
    await runBriefly(loop);
    expect(result).toBe(res);
    expect(t.done()).toBe(true);
    expect(t.result()).toBeUndefined();
  });

  it("test_baseexception_during_cancel", async () => {
    // Adapted: Python raises SystemExit (a BaseException, which escapes the loop from
    // run_briefly). JavaScript has no BaseException: the error ends the task.
    const sleeper = async (): Promise<void> => {
      await asyncio.sleep(10);
    };
    class SystemExit extends Error {}
    const baseExc = new SystemExit();
    const task = newTask(loop, async () => {
      try {
        await sleeper();
      } catch (error) {
        if (error instanceof CancelledError) throw baseExc;
        throw error;
      }
    });
    await runBriefly(loop);
    task.cancel();
    expect(task.done()).toBe(false);
    await runBriefly(loop);
    expect(task.done()).toBe(true);
    expect(task.cancelled()).toBe(false);
    expect(task.exception()).toBe(baseExc);
  });

  it("test_coroutine_non_gen_function_return_future", async () => {
    // Adapted: an async function that returns a thenable adopts it (JavaScript), so the
    // task's result is the Future's result, where Python's is the Future itself.
    const fut = new Future<string>({ loop });
    const t1 = newTask(loop, async () => fut);
    const t2 = newTask(loop, async () => {
      fut.setResult("test");
    });
    expect(await loop.runUntilComplete(t1)).toBe("test");
    expect(t2.result()).toBeUndefined();
  });

  it("test_current_task", async () => {
    expect(asyncio.currentTask(loop)).toBeNull();
    const seen: unknown[] = [];
    const task: Task = newTask(loop, async () => {
      seen.push(asyncio.currentTask() === task, asyncio.currentTask(undefined) === task, asyncio.currentTask() === task);
    });
    await loop.runUntilComplete(task);
    expect(seen).toEqual([true, true, true]);
    expect(asyncio.currentTask(loop)).toBeNull();
  });

  it("test_current_task_with_interleaving_tasks", async () => {
    expect(asyncio.currentTask(loop)).toBeNull();
    const fut1 = new Future({ loop });
    const fut2 = new Future({ loop });
    const seen: string[] = [];
    const task1: Task = newTask(loop, async () => {
      seen.push(`1: ${asyncio.currentTask() === task1}`);
      await fut1;
      seen.push(`1: ${asyncio.currentTask() === task1}`);
      fut2.setResult(true);
    });
    const task2: Task = newTask(loop, async () => {
      seen.push(`2: ${asyncio.currentTask() === task2}`);
      fut1.setResult(true);
      await fut2;
      seen.push(`2: ${asyncio.currentTask() === task2}`);
    });
    await loop.runUntilComplete(() => waitAll([task1, task2]));
    expect(seen.sort()).toEqual(["1: true", "1: true", "2: true", "2: true"]);
    expect(asyncio.currentTask(loop)).toBeNull();
  });

  it("test_yield_future_passes_cancel", async () => {
    // Cancelling outer() cancels inner() cancels waiter.
    let proof = 0;
    const waiter = new Future({ loop });
    const inner = async (): Promise<void> => {
      try {
        await waiter;
      } catch (error) {
        if (error instanceof CancelledError) proof += 1;
        throw error;
      }
      throw new Error("got past sleep() in inner()");
    };
    const outer = async (): Promise<void> => {
      try {
        await inner();
      } catch (error) {
        if (!(error instanceof CancelledError)) throw error;
        proof += 100; // Expect this path.
        return;
      }
      proof += 10;
    };
    const f = asyncio.ensureFuture(outer, { loop });
    await runBriefly(loop);
    f.cancel();
    await loop.runUntilComplete(f);
    expect(proof).toBe(101);
    expect(waiter.cancelled()).toBe(true);
  });

  it("test_log_destroyed_pending_task", async () => {
    // Only the all_tasks() bookkeeping is ported: a pending task is held by its loop
    // here, so it is never collected and no "Task was destroyed but it is pending!"
    // report exists.
    const task = asyncio.ensureFuture(
      async () => {
        await new Future({ loop });
      },
      { loop },
    );
    expect(asyncio.allTasks(loop)).toEqual(new Set([task]));
    await loop.runUntilComplete(() => asyncio.sleep(0));
    expect(asyncio.allTasks(loop)).toEqual(new Set([task]));
    task.cancel();
    await expect(loop.runUntilComplete(task)).rejects.toThrow(CancelledError);
    expect(asyncio.allTasks(loop)).toEqual(new Set());
  });

  it("test_tb_logger_not_called_after_cancel", async () => {
    const l = newLoop();
    asyncio.setEventLoop(l);
    await withLoggedErrors(async (errors) => {
      let collected: WeakRef<Task> | null = null;
      await l.runUntilComplete(async () => {
        let task: Task | null = newTask<void>(l, async () => {
          throw new TypeError();
        });
        collected = new WeakRef(task);
        await asyncio.sleep(0.05);
        task.cancel();
        task = null;
      });
      await collect();
      // Without this check the test could pass only because the task was never freed.
      expect(collected!.deref() === undefined).toBe(true);
      expect(errors).toEqual([]);
    });
  });

  it("test_exception_traceback", async () => {
    await loop.runUntilComplete(async () => {
      const task = newTask(loop, async () => {
        throw new RangeError("1 / 0");
      });
      await asyncio.sleep(0); // skip one loop iteration
      expect((task.exception() as Error).stack).toBeTypeOf("string");
    });
  });

  it("test_error_in_call_soon", () => {
    // Adapted: Python makes call_soon raise. Scheduling a Task's first step fails here
    // when the loop's ready queue is full (queueLen); the error propagates and the task
    // is not left registered.
    const small = newTestLoop({ queueLen: 1 });
    extraLoops.push(small);
    small.callSoon(() => {});
    expect(() => newTask(small, async () => {})).toThrow(WouldBlock);
    expect(asyncio.allTasks(small).size).toBe(0);
  });

  it("test_create_task_with_noncoroutine", () => {
    expect(() => newTask(loop, 123 as never)).toThrow(/a function was expected, got .*123/);
    // a second time, as Python checks that caching does not break things
    expect(() => newTask(loop, 123 as never)).toThrow(/a function was expected, got .*123/);
  });

  it("test_create_task_with_async_function", async () => {
    const coro = async (): Promise<void> => {};
    let task = newTask(loop, coro);
    expect(task).toBeInstanceOf(Task);
    await loop.runUntilComplete(task);
    task = newTask(loop, coro);
    expect(task).toBeInstanceOf(Task);
    await loop.runUntilComplete(task);
  });

  it("test_create_task_with_asynclike_function", async () => {
    // Python's coroutine-like object: a function returning a non-Promise thenable.
    const coroLike = (): PromiseLike<number> => ({
      then<R1, R2>(onFulfilled?: ((v: number) => R1 | PromiseLike<R1>) | null): PromiseLike<R1 | R2> {
        return Promise.resolve(42).then(onFulfilled);
      },
    });
    let task = newTask(loop, coroLike);
    expect(task).toBeInstanceOf(Task);
    expect(await loop.runUntilComplete(task)).toBe(42);
    task = newTask(loop, coroLike);
    expect(task).toBeInstanceOf(Task);
    expect(await loop.runUntilComplete(task)).toBe(42);
  });

  it("test_bare_create_task", async () => {
    const inner = async (): Promise<number> => 1;
    await loop.runUntilComplete(async () => {
      const task = asyncio.createTask(inner);
      expect(task).toBeInstanceOf(Task);
      const ret = await task;
      expect(ret).toBe(1);
    });
  });

  it("test_bare_create_named_task", async () => {
    await loop.runUntilComplete(async () => {
      const task = asyncio.createTask(async () => {}, { name: "No-op" });
      expect(task.getName()).toBe("No-op");
      await task;
    });
  });

  it("test_context_1", async () => {
    const cvar = new ContextVar<string>("cvar", { default: "nope" });
    const l = newLoop();
    const sub = async (): Promise<void> => {
      await asyncio.sleep(0.01);
      expect(cvar.get()).toBe("nope");
      cvar.set("something else");
    };
    const main = async (): Promise<void> => {
      expect(cvar.get()).toBe("nope");
      const subtask = newTask(l, sub);
      cvar.set("yes");
      expect(cvar.get()).toBe("yes");
      await subtask;
      expect(cvar.get()).toBe("yes");
    };
    await l.runUntilComplete(newTask(l, main));
    l.close();
  });

  it("test_context_2", async () => {
    const cvar = new ContextVar<string>("cvar", { default: "nope" });
    const l = newLoop();
    const main = async (): Promise<void> => {
      const futOnDone = (): void => {
        // This change must not pollute the context of the "main()" task.
        cvar.set("something else");
      };
      expect(cvar.get()).toBe("nope");
      for (let j = 0; j < 2; j++) {
        const fut = new Future({ loop: l });
        fut.addDoneCallback(futOnDone);
        cvar.set(`yes${j}`);
        l.callSoon((v: null) => fut.setResult(v), null);
        await fut;
        expect(cvar.get()).toBe(`yes${j}`);
        for (let i = 0; i < 3; i++) {
          // Test that task passed its context to add_done_callback:
          cvar.set(`yes${i}-${j}`);
          await asyncio.sleep(0.001);
          expect(cvar.get()).toBe(`yes${i}-${j}`);
        }
      }
    };
    await l.runUntilComplete(newTask(l, main));
    l.close();
    expect(cvar.get()).toBe("nope");
  });

  it("test_context_3", async () => {
    // Run 100 Tasks in parallel, each modifying cvar. (A seeded generator replaces
    // `random` to keep the test deterministic.)
    const cvar = new ContextVar<number>("cvar", { default: -1 });
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const l = newLoop();
    const sub = async (num: number): Promise<void> => {
      for (let i = 0; i < 10; i++) {
        cvar.set(num + i);
        await asyncio.sleep(0.001 + random() * 0.049);
        expect(cvar.get()).toBe(num + i);
      }
    };
    const main = async (): Promise<void> => {
      const tasks: Task[] = [];
      for (let i = 0; i < 100; i++) {
        const num = Math.floor(random() * 11);
        tasks.push(l.createTask(() => sub(num)));
      }
      await Promise.all(tasks);
    };
    await l.runUntilComplete(main);
    l.close();
    expect(cvar.get()).toBe(-1);
  });

  it("test_context_4", async () => {
    const cvar = new ContextVar<number>("cvar");
    const l = newLoop();
    const coro = async (val: number): Promise<void> => {
      await asyncio.sleep(0);
      cvar.set(val);
    };
    const main = async (): Promise<unknown[]> => {
      const ret: unknown[] = [];
      const ctx = copyContext();
      ret.push(ctx.get(cvar));
      const t1 = newTask(l, () => coro(1), "TestTask", ctx);
      await t1;
      ret.push(ctx.get(cvar));
      const t2 = newTask(l, () => coro(2), "TestTask", ctx);
      await t2;
      ret.push(ctx.get(cvar));
      return ret;
    };
    const ret = await l.runUntilComplete(newTask(l, main));
    l.close();
    expect(ret).toEqual([undefined, 1, 2]);
  });

  it("test_context_5", async () => {
    const cvar = new ContextVar<number>("cvar");
    const l = newLoop();
    const coro = async (val: number): Promise<void> => {
      await asyncio.sleep(0);
      cvar.set(val);
    };
    const main = async (): Promise<unknown[]> => {
      const ret: unknown[] = [];
      const ctx = copyContext();
      ret.push(ctx.get(cvar));
      const t1 = asyncio.createTask(() => coro(1), { context: ctx });
      await t1;
      ret.push(ctx.get(cvar));
      const t2 = asyncio.createTask(() => coro(2), { context: ctx });
      await t2;
      ret.push(ctx.get(cvar));
      return ret;
    };
    const ret = await l.runUntilComplete(newTask(l, main));
    l.close();
    expect(ret).toEqual([undefined, 1, 2]);
  });

  it("test_context_6", async () => {
    const cvar = new ContextVar<number>("cvar");
    const l = newLoop();
    const coro = async (val: number): Promise<void> => {
      await asyncio.sleep(0);
      cvar.set(val);
    };
    const main = async (): Promise<unknown[]> => {
      const ret: unknown[] = [];
      const ctx = copyContext();
      ret.push(ctx.get(cvar));
      const t1 = l.createTask(() => coro(1), { context: ctx });
      await t1;
      ret.push(ctx.get(cvar));
      const t2 = l.createTask(() => coro(2), { context: ctx });
      await t2;
      ret.push(ctx.get(cvar));
      return ret;
    };
    const ret = await l.runUntilComplete(l.createTask(main));
    l.close();
    expect(ret).toEqual([undefined, 1, 2]);
  });

  it("test_get_coro", async () => {
    const l = newLoop();
    const coro = async (): Promise<void> => {};
    const task = newTask(l, coro);
    await l.runUntilComplete(task);
    expect(task.getCoro()).toBe(coro);
    l.close();
  });

  it("test_get_context", async () => {
    const l = newLoop();
    const context = copyContext();
    const task = newTask(l, async () => {}, "TestTask", context);
    await l.runUntilComplete(task);
    expect(task.getContext()).toBe(context);
    l.close();
  });
});

describe("SetMethodsTest", HANG, () => {
  it("test_set_result_causes_invalid_state", async () => {
    const calls: asyncio.ExceptionContext[] = [];
    loop.callExceptionHandler = (context) => {
      calls.push(context);
    };
    const task = newTask(loop, async () => {
      await asyncio.sleep(0.1);
      return 10;
    });
    Future.prototype.setResult.call(task, "spam");
    expect(await loop.runUntilComplete(task)).toBe("spam");
    expect(calls.length).toBe(1);
    expect(calls[0].exception).toBeInstanceOf(InvalidStateError);
    expect((calls[0].exception as Error).message).toMatch(/already done/);
  });

  it("test_set_exception_causes_invalid_state", async () => {
    class MyExc extends Error {}
    const calls: asyncio.ExceptionContext[] = [];
    loop.callExceptionHandler = (context) => {
      calls.push(context);
    };
    const task = newTask(loop, async () => {
      await asyncio.sleep(0.1);
      return 10;
    });
    Future.prototype.setException.call(task, new MyExc());
    await expect(loop.runUntilComplete(task)).rejects.toThrow(MyExc);
    expect(calls.length).toBe(1);
    expect(calls[0].exception).toBeInstanceOf(InvalidStateError);
    expect((calls[0].exception as Error).message).toMatch(/already done/);
  });
});

describe("BaseCurrentLoopTests", HANG, () => {
  beforeEach(() => {
    asyncio.setEventLoop(loop);
  });

  it("test_current_task_no_running_loop", () => {
    expect(asyncio.currentTask(loop)).toBeNull();
  });

  it("test_current_task_no_running_loop_implicit", () => {
    expect(() => asyncio.currentTask()).toThrow(/no running event loop/);
  });

  it("test_current_task_with_implicit_loop", async () => {
    const seen: boolean[] = [];
    const task: Task = new Task(
      async () => {
        seen.push(asyncio.currentTask(loop) === task, asyncio.currentTask(undefined) === task, asyncio.currentTask() === task);
      },
      { loop },
    );
    await loop.runUntilComplete(task);
    expect(seen).toEqual([true, true, true]);
    expect(asyncio.currentTask(loop)).toBeNull();
  });
});

describe("GenericTaskTests", HANG, () => {
  it("test_future_subclass", () => {
    expect(Task.prototype).toBeInstanceOf(Future);
  });
});

describe("SleepTests", HANG, () => {
  it("test_sleep_zero", async () => {
    let result = 0;
    const incResult = (num: number): void => {
      result += num;
    };
    await loop.runUntilComplete(async () => {
      loop.callSoon(incResult, 1);
      expect(result).toBe(0);
      const num = await asyncio.sleep(0, 10);
      expect(result).toBe(1); // inc'ed by call_soon
      incResult(num); // num should be 11
    });
    expect(result).toBe(11);
  });
});

// Not ported (also listed in test/conformance/README.md):
// - gather/wait/as_completed/shield/wait_for tests, test_cancel_gather_*,
//   test_yield_wait_does_not_shield_cancel, GatherTestsBase and subclasses: ported
//   with those functions by another helper.
// - test_generic_alias: Python typing (`Task[str]`).
// - test_task_del_collect, test_task_not_crash_without_finalization,
//   test_proper_refcounts, test_refleaks_in_task___init__,
//   test_del__log_destroy_pending_segfault: `__del__`/refcount internals.
// - test_get_stack: JavaScript cannot inspect a suspended async function's stack
//   (Task.getStack() throws NotImplementedError by design).
// - test_task_repr_wait_for, and the coro=<...>/cb=[...] parts of test_task_repr: repr
//   details with Python source locations; toString() shows state, name and outcome.
// - test_exception_chaining_after_await(_with_context_cycle): no implicit `__context__`
//   chaining in JavaScript.
// - test_cancel_traceback_for_future_result/_exception, test_task_source_traceback:
//   Python traceback text and `_source_traceback`.
// - test_log_traceback: the `_log_traceback` setter is a Python attribute internal.
// - test_iscoroutinefunction, test_coroutine_non_gen_function: no coroutine objects.
// - test_eager_start_true/false: no eager task start in this release.
// - test_subclasses_ctask_cfuture (add_subclass_tests), test_foobar (CTask_Future_Tests):
//   count add_done_callback calls / patch get_loop; awaiting goes through `then` here.
// - BaseTaskIntrospectionTests (_register_task, _enter_task, _leave_task...): private
//   helpers, not exported.
// - test_asyncio_module_compiled: C module check.
// - RunCoroutineThreadsafeTests: threads; CompatibilityTests: empty.
// - The (5,) case of the cancel-message tests: JavaScript error messages are strings.
