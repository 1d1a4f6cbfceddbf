// Ported from CPython Lib/test/test_asyncio/test_timeouts.py (3.13). `async with
// asyncio.timeout(d) as cm:` becomes `await timeout(d, async (cm) => ...)`; the loop runs
// on a MockClock, and the original's `time.sleep()` (a busy loop) is `clock.jump()`.
// Python's implicit exception chaining (`__context__`) has no JavaScript counterpart:
// those assertions are left out (see the notes next to the tests); `__cause__` is `cause`.
import { describe, expect, it } from "vitest";
import * as asyncio from "../../../src/asyncio/index.js";
import { TimeoutError } from "../../../src/asyncio/errors.js";
import { TaskGroup } from "../../../src/asyncio/taskgroup.js";
import { Timeout, timeout, timeoutAt } from "../../../src/asyncio/timeouts.js";
import { KeyError, RuntimeError } from "../../../src/errors/builtins.js";
import { ExceptionGroup } from "../../../src/errors/exception-group.js";
import { MockClock } from "../../../src/loop/mock-clock.js";

class ZeroDivisionError extends Error {}

type ErrorClass = abstract new (...args: never[]) => unknown;

/** unittest's `assertRaises`: the expected error is returned, any other one propagates. */
async function assertRaises<E>(cls: abstract new (...args: never[]) => E, body: () => Promise<unknown>): Promise<E> {
  try {
    await body();
  } catch (error) {
    if (error instanceof cls) return error;
    throw error;
  }
  throw new Error(`${cls.name} was not raised`);
}

async function assertRaisesRegex(cls: ErrorClass, pattern: RegExp, body: () => unknown): Promise<void> {
  const error = await assertRaises(cls, async () => body());
  expect(String((error as Error).message)).toMatch(pattern);
}

/** IsolatedAsyncioTestCase on a virtual clock: the body is the main task of a fresh loop. */
function run<T>(fn: (clock: MockClock) => Promise<T>): Promise<T> {
  const clock = new MockClock({ autojumpThreshold: 0 });
  return asyncio.run(() => fn(clock), { loopFactory: () => new asyncio.SyncTrioEventLoop({ clock }) });
}

function loopTime(): number {
  return asyncio.getRunningLoop().time();
}

describe("test_timeouts.py TimeoutTests", () => {
  it("test_timeout_basic", () =>
    run(async () => {
      let cm: Timeout | undefined;
      await assertRaises(TimeoutError, () =>
        timeout(0.01, async (t) => {
          cm = t;
          await asyncio.sleep(10);
        }),
      );
      expect(cm!.expired()).toBe(true);
    }));

  it("test_timeout_at_basic", () =>
    run(async () => {
      let cm: Timeout | undefined;
      const deadline = loopTime() + 0.01;
      await assertRaises(TimeoutError, () =>
        timeoutAt(deadline, async (t) => {
          cm = t;
          await asyncio.sleep(10);
        }),
      );
      expect(cm!.expired()).toBe(true);
      expect(cm!.when()).toBe(deadline);
    }));

  it("test_nested_timeouts", () =>
    run(async () => {
      let cancelled = false;
      let cm1: Timeout | undefined;
      let cm2: Timeout | undefined;
      await assertRaises(TimeoutError, async () => {
        const deadline = loopTime() + 0.01;
        await timeoutAt(deadline, async (t1) => {
          cm1 = t1;
          // Only the topmost context manager should raise TimeoutError.
          try {
            await timeoutAt(deadline, async (t2) => {
              cm2 = t2;
              await asyncio.sleep(10);
            });
          } catch (error) {
            if (error instanceof asyncio.CancelledError) cancelled = true;
            throw error;
          }
        });
      });
      expect(cancelled).toBe(true);
      expect(cm1!.expired()).toBe(true);
      expect(cm2!.expired()).toBe(true);
    }));

  it("test_waiter_cancelled", () =>
    run(async () => {
      let cancelled = false;
      await assertRaises(TimeoutError, () =>
        timeout(0.01, async () => {
          try {
            await asyncio.sleep(10);
          } catch (error) {
            if (error instanceof asyncio.CancelledError) cancelled = true;
            throw error;
          }
        }),
      );
      expect(cancelled).toBe(true);
    }));

  it("test_timeout_not_called", () =>
    run(async () => {
      const cm = await timeout(10, async (t) => {
        await asyncio.sleep(0.01);
        return t;
      });
      const t1 = loopTime();
      expect(cm.expired()).toBe(false);
      expect(cm.when()!).toBeGreaterThan(t1);
    }));

  it("test_timeout_disabled", () =>
    run(async () => {
      const cm = await timeout(null, async (t) => {
        await asyncio.sleep(0.01);
        return t;
      });
      expect(cm.expired()).toBe(false);
      expect(cm.when()).toBeNull();
    }));

  it("test_timeout_at_disabled", () =>
    run(async () => {
      const cm = await timeoutAt(null, async (t) => {
        await asyncio.sleep(0.01);
        return t;
      });
      expect(cm.expired()).toBe(false);
      expect(cm.when()).toBeNull();
    }));

  it("test_timeout_zero", () =>
    run(async () => {
      const t0 = loopTime();
      let cm: Timeout | undefined;
      await assertRaises(TimeoutError, () =>
        timeout(0, async (t) => {
          cm = t;
          await asyncio.sleep(10);
        }),
      );
      const t1 = loopTime();
      expect(cm!.expired()).toBe(true);
      expect(t0 <= cm!.when()! && cm!.when()! <= t1).toBe(true);
    }));

  it("test_timeout_zero_sleep_zero", () =>
    run(async () => {
      const t0 = loopTime();
      let cm: Timeout | undefined;
      await assertRaises(TimeoutError, () =>
        timeout(0, async (t) => {
          cm = t;
          await asyncio.sleep(0);
        }),
      );
      const t1 = loopTime();
      expect(cm!.expired()).toBe(true);
      expect(t0 <= cm!.when()! && cm!.when()! <= t1).toBe(true);
    }));

  it("test_timeout_in_the_past_sleep_zero", () =>
    run(async () => {
      const t0 = loopTime();
      let cm: Timeout | undefined;
      await assertRaises(TimeoutError, () =>
        timeout(-11, async (t) => {
          cm = t;
          await asyncio.sleep(0);
        }),
      );
      const t1 = loopTime();
      expect(cm!.expired()).toBe(true);
      expect(t0 >= cm!.when()! && cm!.when()! <= t1).toBe(true);
    }));

  it("test_foreign_exception_passed", () =>
    run(async () => {
      let cm: Timeout | undefined;
      await assertRaises(KeyError, () =>
        timeout(0.01, async (t) => {
          cm = t;
          throw new KeyError();
        }),
      );
      expect(cm!.expired()).toBe(false);
    }));

  it("test_timeout_exception_context", () =>
    run(async () => {
      const e = await assertRaises(TimeoutError, () =>
        timeout(0.01, async () => {
          try {
            throw new ZeroDivisionError();
          } finally {
            await asyncio.sleep(1);
          }
        }),
      );
      // TimeoutError caused by CancelledError (the __context__ checks are not portable).
      expect(e.cause).toBeInstanceOf(asyncio.CancelledError);
    }));

  it("test_foreign_exception_on_timeout", () =>
    run(async () => {
      async function crash(): Promise<void> {
        try {
          await asyncio.sleep(1);
        } finally {
           
          throw new ZeroDivisionError();
        }
      }
      const e = await assertRaises(ZeroDivisionError, () => timeout(0.01, () => crash()));
      // Python links a TimeoutError into e.__context__; JavaScript has no implicit context.
      expect(e.cause).toBeUndefined();
    }));

  it("test_foreign_exception_on_timeout_2", () =>
    run(async () => {
      await assertRaises(ZeroDivisionError, () =>
        timeout(0.01, async () => {
          try {
            try {
              throw new RangeError("ValueError");
            } finally {
              await asyncio.sleep(1);
            }
          } finally {
            try {
               
              throw new KeyError();
            } finally {
               
              throw new ZeroDivisionError();
            }
          }
        }),
      );
    }));

  it("test_foreign_cancel_doesnt_timeout_if_not_expired", () =>
    run(async () => {
      let cm: Timeout | undefined;
      await assertRaises(asyncio.CancelledError, () =>
        timeout(10, async (t) => {
          cm = t;
          asyncio.currentTask()!.cancel();
          await asyncio.sleep(10);
        }),
      );
      expect(cm!.expired()).toBe(false);
    }));

  it("test_outer_task_is_not_cancelled", () =>
    run(async () => {
      async function outer(): Promise<void> {
        await assertRaises(TimeoutError, () => timeout(0.001, () => asyncio.sleep(10)));
      }
      const task = asyncio.createTask(() => outer());
      await task;
      expect(task.cancelled()).toBe(false);
      expect(task.done()).toBe(true);
    }));

  it("test_nested_timeouts_concurrent", () =>
    run(async (clock) => {
      await assertRaises(TimeoutError, () =>
        timeout(0.002, () =>
          assertRaises(TimeoutError, () =>
            timeout(0.1, async () => {
              // Pretend we crunch some numbers.
              clock.jump(0.01);
              await asyncio.sleep(1);
            }),
          ),
        ),
      );
    }));

  it("test_nested_timeouts_loop_busy", () =>
    run(async (clock) => {
      // After the inner timeout is an expensive operation which should be stopped by the outer timeout.
      const t0 = loopTime();
      await assertRaises(TimeoutError, () =>
        timeout(0.1, async () => {
          await assertRaises(TimeoutError, () =>
            timeout(0.01, async () => {
              // Pretend the loop is busy for a while.
              clock.jump(0.1);
              await asyncio.sleep(1);
            }),
          );
          // TimeoutError was caught by (2).
          await asyncio.sleep(10); // This sleep should be interrupted by (1).
        }),
      );
      const t1 = loopTime();
      expect(t0 <= t1 && t1 <= t0 + 1).toBe(true);
    }));

  it("test_reschedule", () =>
    run(async () => {
      const loop = asyncio.getRunningLoop();
      const fut = loop.createFuture<Timeout>();
      const deadline1 = loop.time() + 10;
      const deadline2 = deadline1 + 20;
      const task = asyncio.createTask(() =>
        timeoutAt(deadline1, async (cm) => {
          fut.setResult(cm);
          await asyncio.sleep(50);
        }),
      );
      const cm = await fut;
      expect(cm.when()).toBe(deadline1);
      cm.reschedule(deadline2);
      expect(cm.when()).toBe(deadline2);
      cm.reschedule(null);
      expect(cm.when()).toBeNull();
      task.cancel();
      await assertRaises(asyncio.CancelledError, async () => task);
      expect(cm.expired()).toBe(false);
    }));

  it("test_repr_active", () =>
    run(async () => {
      await timeout(10, async (cm) => {
        expect(String(cm)).toMatch(/^<Timeout \[active\] when=\d+\.\d*>$/);
      });
    }));

  it("test_repr_expired", () =>
    run(async () => {
      let cm: Timeout | undefined;
      await assertRaises(TimeoutError, () =>
        timeout(0.01, async (t) => {
          cm = t;
          await asyncio.sleep(10);
        }),
      );
      expect(String(cm)).toBe("<Timeout [expired]>");
    }));

  it("test_repr_finished", () =>
    run(async () => {
      const cm = await timeout(10, async (t) => {
        await asyncio.sleep(0);
        return t;
      });
      expect(String(cm)).toBe("<Timeout [finished]>");
    }));

  it("test_repr_disabled", () =>
    run(async () => {
      await timeout(null, async (cm) => {
        expect(String(cm)).toBe("<Timeout [active] when=None>");
      });
    }));

  it("test_nested_timeout_in_finally", () =>
    run(async () => {
      let e2: TimeoutError | undefined;
      const e1 = await assertRaises(TimeoutError, () =>
        timeout(0.01, async () => {
          try {
            await asyncio.sleep(1);
          } finally {
            e2 = await assertRaises(TimeoutError, () => timeout(0.01, () => asyncio.sleep(10)));
          }
        }),
      );
      // TimeoutError caused by CancelledError, for both (the __context__ links are not portable).
      expect(e1.cause).toBeInstanceOf(asyncio.CancelledError);
      expect(e2!.cause).toBeInstanceOf(asyncio.CancelledError);
      expect(e2!.cause).not.toBe(e1.cause);
    }));

  it("test_timeout_after_cancellation", () =>
    run(async () => {
      try {
        asyncio.currentTask()!.cancel();
        await asyncio.sleep(1); // work which will be cancelled
      } catch (error) {
        if (!(error instanceof asyncio.CancelledError)) throw error;
      } finally {
        await assertRaises(TimeoutError, () => timeout(0.0, () => asyncio.sleep(1))); // some cleanup
      }
    }));

  it("test_cancel_in_timeout_after_cancellation", () =>
    run(async () => {
      try {
        asyncio.currentTask()!.cancel();
        await asyncio.sleep(1); // work which will be cancelled
      } catch (error) {
        if (!(error instanceof asyncio.CancelledError)) throw error;
      } finally {
        await assertRaises(asyncio.CancelledError, () =>
          timeout(1.0, async () => {
            asyncio.currentTask()!.cancel();
            await asyncio.sleep(2); // some cleanup
          }),
        );
      }
    }));

  it("test_timeout_already_entered", () =>
    run(async () => {
      await timeout(0.01, async (cm) => {
        await assertRaisesRegex(RuntimeError, /has already been entered/, () => cm.aenter());
      });
    }));

  it("test_timeout_double_enter", () =>
    run(async () => {
      const cm = await timeout(0.01, async (t) => t);
      await assertRaisesRegex(RuntimeError, /has already been entered/, () => cm.aenter());
    }));

  it("test_timeout_finished", () =>
    run(async () => {
      const cm = await timeout(0.01, async (t) => t);
      await assertRaisesRegex(RuntimeError, /finished/, () => cm.reschedule(0.02));
    }));

  it("test_timeout_expired", () =>
    run(async () => {
      let cm: Timeout | undefined;
      await assertRaises(TimeoutError, () =>
        timeout(0.01, async (t) => {
          cm = t;
          await asyncio.sleep(1);
        }),
      );
      await assertRaisesRegex(RuntimeError, /expired/, () => cm!.reschedule(0.02));
    }));

  it("test_timeout_expiring", () =>
    run(async () => {
      await timeout(0.01, async (cm) => {
        await assertRaises(asyncio.CancelledError, () => asyncio.sleep(1));
        await assertRaisesRegex(RuntimeError, /expiring/, () => cm.reschedule(0.02));
      });
    }));

  it("test_timeout_not_entered", () =>
    run(async () => {
      const cm = new Timeout(loopTime() + 0.01);
      await assertRaisesRegex(RuntimeError, /has not been entered/, () => cm.reschedule(0.02));
    }));

  it("test_timeout_without_task", () =>
    run(async () => {
      const cm = new Timeout(loopTime() + 0.01);
      // await_without_task: run aenter() from a plain loop callback.
      const loop = asyncio.getRunningLoop();
      const outcome = loop.createFuture<unknown>();
      loop.callSoon(() => {
        cm.aenter().then(
          () => outcome.setResult(null),
          (error: unknown) => outcome.setResult(error),
        );
      });
      const error = await outcome;
      expect(error).toBeInstanceOf(RuntimeError);
      expect((error as Error).message).toMatch(/task/);
      await assertRaisesRegex(RuntimeError, /has not been entered/, () => cm.reschedule(0.02));
    }));

  it("test_timeout_taskgroup", () =>
    run(async () => {
      async function task(): Promise<void> {
        try {
          await asyncio.sleep(2); // Will be interrupted after 0.01 second
        } finally {
           
          throw new ZeroDivisionError(); // Crash in cleanup
        }
      }
      const eg = await assertRaises(ExceptionGroup, () =>
        timeout(0.01, () =>
          new TaskGroup().run(async (tg) => {
            tg.createTask(() => task());
            try {
              throw new RangeError("ValueError");
            } finally {
              await asyncio.sleep(1);
            }
          }),
        ),
      );
      // The __context__ chains of the original are not portable; the group's content is.
      expect(eg.exceptions.length).toBe(1);
      expect(eg.exceptions[0]).toBeInstanceOf(ZeroDivisionError);
    }));

  it("test_timeout_exception_cause", () =>
    run(async () => {
      const exc = await assertRaises(TimeoutError, () => timeout(0, () => asyncio.sleep(1)));
      expect(exc.cause).toBeInstanceOf(asyncio.CancelledError);
    }));
});
