import { describe, expect, it } from "vitest";
import * as asyncio from "../../src/asyncio/index.js";
import { Timeout, timeout, timeoutAt } from "../../src/asyncio/timeouts.js";
import { RuntimeError, ValueError } from "../../src/errors/builtins.js";
import { FlavorError } from "../../src/flavor/flavor-error.js";
import { asyncWith } from "../../src/loop/async-context-manager.js";
import { MockClock } from "../../src/loop/mock-clock.js";
import * as trio from "../../src/trio/index.js";
import { name, now, run } from "./helpers.js";

describe("asyncio.timeout", () => {
  it("returns the body's value and hands it the Timeout", async () => {
    const events: string[] = [];
    const value = await run(async () =>
      timeout(5, async (t) => {
        events.push(`when=${t.when()} expired=${t.expired()}`);
        await asyncio.sleep(1);
        events.push(`slept until ${now()}`);
        return "done";
      }),
    );
    expect(value).toBe("done");
    expect(events).toEqual(["when=5 expired=false", "slept until 1"]);
  });

  it("cancels the body at the deadline and throws TimeoutError caused by the CancelledError", async () => {
    const events: string[] = [];
    await run(async () => {
      let cm: Timeout | undefined;
      try {
        await timeout(2, async (t) => {
          cm = t;
          try {
            await asyncio.sleep(10);
          } catch (error) {
            events.push(`body: ${name(error)} at ${now()}`);
            throw error;
          }
        });
      } catch (error) {
        events.push(`caller: ${name(error)}, cause ${name((error as Error).cause)}`);
      }
      events.push(`expired=${cm!.expired()} cancelling=${asyncio.currentTask()!.cancelling()}`);
    });
    expect(events).toEqual([
      "body: CancelledError at 2",
      "caller: TimeoutError(the timeout expired), cause CancelledError",
      "expired=true cancelling=0",
    ]);
  });

  it("lets a body that swallows the cancellation return its value", async () => {
    const result = await run(() =>
      timeout(1, async (t) => {
        try {
          await asyncio.sleep(10);
        } catch {
          return `swallowed, expired=${t.expired()}`;
        }
        return "not cancelled";
      }),
    );
    expect(result).toBe("swallowed, expired=true");
  });

  it("passes other errors through, even after expiring", async () => {
    class Boom extends Error {}
    const events: string[] = [];
    await run(async () => {
      try {
        await timeout(1, async () => {
          try {
            await asyncio.sleep(10);
          } finally {
             
            throw new Boom("cleanup failed");
          }
        });
      } catch (error) {
        events.push(name(error));
      }
    });
    expect(events).toEqual(["Error(cleanup failed)"]);
  });

  it("never swallows an outer cancel, even when it arrives with the deadline", async () => {
    const events: string[] = [];
    await run(async () => {
      const loop = asyncio.getRunningLoop();
      const worker = asyncio.createTask(async () => {
        try {
          await timeout(1, () => asyncio.sleep(10));
          events.push("worker: no error");
        } catch (error) {
          events.push(`worker: ${name(error)} cancelling=${asyncio.currentTask()!.cancelling()}`);
          throw error;
        }
      });
      // The outer cancel comes in the same iteration as the timeout.
      loop.callAt(1, () => worker.cancel("outer"));
      try {
        await worker;
      } catch (error) {
        events.push(`main: ${name(error)} cancelled=${worker.cancelled()}`);
      }
    });
    expect(events).toEqual(["worker: CancelledError(outer) cancelling=1", "main: CancelledError(outer) cancelled=true"]);
  });

  it("an outer cancel before the deadline propagates as CancelledError", async () => {
    const events: string[] = [];
    await run(async () => {
      const worker = asyncio.createTask(async () => {
        let cm: Timeout | undefined;
        try {
          await timeout(5, async (t) => {
            cm = t;
            await asyncio.sleep(10);
          });
        } catch (error) {
          events.push(`worker: ${name(error)} expired=${cm!.expired()}`);
          throw error;
        }
      });
      await asyncio.sleep(1);
      worker.cancel();
      await worker.catch(() => events.push(`main: cancelled=${worker.cancelled()}`));
    });
    expect(events).toEqual(["worker: CancelledError expired=false", "main: cancelled=true"]);
  });

  it("nested: the inner timeout expiring is caught inside the outer one", async () => {
    const events: string[] = [];
    await run(async () => {
      const result = await timeout(10, async () => {
        try {
          await timeout(1, () => asyncio.sleep(5));
        } catch (error) {
          events.push(`inner: ${name(error)} at ${now()}`);
        }
        await asyncio.sleep(1);
        return `outer body done at ${now()}`;
      });
      events.push(result);
    });
    expect(events).toEqual(["inner: TimeoutError(the timeout expired) at 1", "outer body done at 2"]);
  });

  it("nested: the outer timeout expiring passes through the inner one", async () => {
    const events: string[] = [];
    await run(async () => {
      try {
        await timeout(1, async () => {
          try {
            await timeout(5, () => asyncio.sleep(10));
          } catch (error) {
            events.push(`inner sees ${name(error)}`);
            throw error;
          }
        });
      } catch (error) {
        events.push(`outer: ${name(error)} at ${now()}`);
      }
    });
    expect(events).toEqual(["inner sees CancelledError", "outer: TimeoutError(the timeout expired) at 1"]);
  });

  it("reschedule() moves the deadline; null disables it; a past deadline expires at once", async () => {
    const events: string[] = [];
    await run(async () => {
      await timeout(1, async (t) => {
        t.reschedule(now() + 3);
        await asyncio.sleep(2);
        events.push(`still running at ${now()}, when=${t.when()}`);
        t.reschedule(null);
        await asyncio.sleep(10);
        events.push(`disabled: still running at ${now()}`);
      });
      try {
        await timeout(100, async (t) => {
          t.reschedule(now() - 1);
          await asyncio.sleep(0);
          events.push("not reached");
        });
      } catch (error) {
        events.push(`past deadline: ${name(error)} at ${now()}`);
      }
    });
    expect(events).toEqual(["still running at 2, when=3", "disabled: still running at 12", "past deadline: TimeoutError(the timeout expired) at 12"]);
  });

  it("timeout(null) never expires; timeoutAt uses loop time", async () => {
    const events: string[] = [];
    await run(async () => {
      await timeout(null, async (t) => {
        await asyncio.sleep(1000);
        events.push(`null: when=${t.when()} expired=${t.expired()}`);
      });
      try {
        await timeoutAt(now() + 2, () => asyncio.sleep(5));
      } catch (error) {
        events.push(`timeoutAt: ${name(error)} at ${now()}`);
      }
    });
    expect(events).toEqual(["null: when=null expired=false", "timeoutAt: TimeoutError(the timeout expired) at 1002"]);
  });

  it("a Timeout object works with asyncWith, once", async () => {
    const events: string[] = [];
    await run(async () => {
      const cm = new Timeout(now() + 1);
      expect(String(cm)).toBe("<Timeout [created]>");
      try {
        await asyncWith(cm, async (t) => {
          events.push(`same object: ${t === cm}, ${String(t)}`);
          await asyncio.sleep(2);
        });
      } catch (error) {
        events.push(name(error));
      }
      events.push(String(cm));
      await cm.aenter().catch((error: unknown) => events.push(`again: ${name(error)}`));
    });
    expect(events).toEqual([
      "same object: true, <Timeout [active] when=1.0>",
      "TimeoutError(the timeout expired)",
      "<Timeout [expired]>",
      "again: RuntimeError(Timeout has already been entered)",
    ]);
  });

  it("reports the state in toString and refuses reschedule outside its active state", async () => {
    await run(async () => {
      const cm = new Timeout(null);
      expect(() => cm.reschedule(1)).toThrow(new RuntimeError("Timeout has not been entered"));
      await timeout(3.25, async (t) => {
        expect(String(t)).toBe("<Timeout [active] when=3.25>");
      });
      const finished = await timeout(3, async (t) => t);
      expect(String(finished)).toBe("<Timeout [finished]>");
      expect(() => finished.reschedule(1)).toThrow("Cannot change state of finished Timeout");
      await expect(finished.aexit(undefined, false)).rejects.toThrow(RuntimeError);
      await expect(new Timeout(1).aexit(undefined, false)).rejects.toThrow("Cannot exit a Timeout that is not entered");
    });
  });

  it("must be entered in a task", async () => {
    await run(async () => {
      const loop = asyncio.getRunningLoop();
      const outcome = loop.createFuture<unknown>();
      loop.callSoon(() => {
        new Timeout(null).aenter().then(
          () => outcome.setResult("entered"),
          (error: unknown) => outcome.setResult(error),
        );
      });
      expect(await outcome).toEqual(new RuntimeError("Timeout should be used inside a task"));
    });
  });

  it("rejects bad input with specific errors", async () => {
    await run(async () => {
      await expect(timeout("1" as never, async () => {})).rejects.toThrow(TypeError);
      await expect(timeout(Number.NaN, async () => {})).rejects.toThrow(ValueError);
      await expect(timeout(undefined as never, async () => {})).rejects.toThrow(/null \(no timeout\)/);
      await expect(timeout(1, undefined as never)).rejects.toThrow(/needs a body function/);
      await expect(timeoutAt(1, (async () => {})() as never)).rejects.toThrow(/needs a body function/);
      expect(() => new Timeout("soon" as never)).toThrow(TypeError);
      expect(() => new Timeout(Number.NaN)).toThrow(ValueError);
    });
  });

  it("is asyncio-flavored: FlavorError from Trio code", async () => {
    await trio.run(async () => {
      await expect(timeout(1, async () => {})).rejects.toThrow(FlavorError);
      await expect(timeoutAt(null, async () => {})).rejects.toThrow(FlavorError);
      await expect(new Timeout(null).aenter()).rejects.toThrow(/asyncio\.Timeout\.aenter\(\) is asyncio-flavored/);
    });
  });
});

/** Regression tests: engine and core bugs found while building the timeouts. */
describe("asyncio core regressions seen by timeouts", () => {
  it("MockClock autojump reaches a timer added after the loop parked", async () => {
    // The cause was: the loop parks while a task's continuation (several microtasks)
    // is still pending; the engine becomes idle with no deadline, plans no autojump, and
    // Runner._addDeadline did not re-plan it when the task then added its timer.
    const events: string[] = [];
    const loop = new asyncio.SyncTrioEventLoop({ clock: new MockClock({ autojumpThreshold: 0 }) });
    const main = loop.runUntilComplete(async () => {
      await asyncio.sleep(1);
      events.push(`first sleep done at ${loop.time()}`);
      await asyncio.sleep(1);
      events.push(`second sleep done at ${loop.time()}`);
    });
    await Promise.race([main, new Promise((resolve) => setTimeout(resolve, 200))]);
    const finished = events.length === 2;
    if (!finished) {
      await loop.stop();
      await main.catch(() => undefined);
    }
    loop.close();
    expect(events).toEqual(["first sleep done at 1", "second sleep done at 2"]);
  });

  it("a second cancel() while the first CancelledError is on its way is not delivered twice", async () => {
    // Python consumes the pending cancel when the task resumes; here the second cancel()
    // finds no waiter (the first one was cancelled) and sets _mustCancel, which cancels
    // the task's next await.
    const events: string[] = [];
    await asyncio.run(async () => {
      const task = asyncio.currentTask()!;
      asyncio.getRunningLoop().callSoon(() => {
        task.cancel();
        task.cancel();
      });
      try {
        await asyncio.sleep(10);
      } catch (error) {
        events.push(`first: ${name(error)}`);
      }
      task.uncancel();
      task.uncancel();
      try {
        await asyncio.sleep(0);
        events.push("second await: no error");
      } catch (error) {
        events.push(`second await: ${name(error)}`);
      }
    });
    expect(events).toEqual(["first: CancelledError", "second await: no error"]);
  });

  it("uncancel() down to 0 clears a pending cancel (Python 3.13)", async () => {
    // Python 3.13's Task.uncancel() resets _must_cancel when the count reaches 0
    // (test_tasks.py test_uncancel_resets_must_cancel); TaskGroup and timeout rely on it.
    const result = await asyncio.run(async () => {
      const fut = asyncio.getRunningLoop().createFuture<undefined>();
      const task = asyncio.createTask(async () => {
        await fut;
        await asyncio.sleep(0);
        return 42;
      });
      await asyncio.sleep(0);
      fut.setResult(undefined);
      task.cancel();
      task.uncancel();
      return task.then(
        (value) => `result ${value}`,
        (error: unknown) => name(error),
      );
    });
    expect(result).toBe("result 42");
  });
});
