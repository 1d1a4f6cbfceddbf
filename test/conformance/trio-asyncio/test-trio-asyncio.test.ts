// Ported from trio-asyncio tests/test_trio_asyncio.py (python-trio/trio-asyncio).
// pytest-trio's `@pytest.mark.trio` becomes `trio.run(...)`, `async with open_loop()`
// becomes `openLoop(async (loop) => ...)`, the fixtures become functions that run the
// test body inside them, and `autojump_clock` is a MockClock with autojump. Not ported:
// see the list at the end of the file.
import { describe, expect, it } from "vitest";
import * as asyncio from "../../../src/asyncio/index.js";
import { aioAsTrio, openLoop, runAioFuture, trioAsAio, TrioExecutor, type TrioEventLoop } from "../../../src/decorators/index.js";
import { ValueError } from "../../../src/errors/builtins.js";
import * as trio from "../../../src/trio/index.js";
import { autojumpClock, captureAsyncioLog, caught, expectGroupOf } from "./helpers.js";

async function useAsyncio(): Promise<void> {
  await aioAsTrio(asyncio.sleep)(0);
}

/** The fixture `asyncio_fixture_with_fixtured_loop`: uses asyncio on conftest's `loop`. */
async function asyncioFixtureWithFixturedLoop(body: () => Promise<void>): Promise<void> {
  await openLoop(async () => {
    await useAsyncio();
    await body();
  });
}

/** The fixture `asyncio_fixture_own_loop`: opens its own loop and uses asyncio in it. */
async function asyncioFixtureOwnLoop(body: () => Promise<void>): Promise<void> {
  await openLoop(async () => {
    await useAsyncio();
    await body();
  });
}

describe("test_trio_asyncio", () => {
  it("test_no_fixture", async () => {
    await trio.run(async () => {
      await openLoop(async () => {
        await useAsyncio();
      });
    });
  });

  it("test_half_fixtured_asyncpg_conn", async () => {
    // The fixture's loop stays open while the test body runs (pytest-trio runs the test
    // inside the fixture's context), so the body can use asyncio without its own loop.
    await trio.run(async () => {
      await asyncioFixtureOwnLoop(async () => {
        await useAsyncio();
      });
    });
  });

  it("test_fixtured_asyncpg_conn", async () => {
    await trio.run(async () => {
      await asyncioFixtureWithFixturedLoop(async () => {
        await useAsyncio();
      });
    });
  });

  it("test_get_running_loop", async () => {
    await trio.run(async () => {
      await openLoop(async (loop) => {
        expect(asyncio.getRunningLoop()).toBe(loop);
      });
    });
  });

  it("test_exception_after_closed", async () => {
    // caplog becomes a temporary replacement of asyncio.logger's methods.
    let loop!: TrioEventLoop;
    const records = await captureAsyncioLog(async () => {
      await trio.run(async () => {
        await openLoop(async (l) => {
          loop = l;
        });
      });
      loop.callExceptionHandler({ message: "Test exception after loop closed" });
    });
    expect(records).toHaveLength(1);
    expect(records[0].message).toBe("Test exception after loop closed");
  });

  it("test_tasks_get_cancelled", async () => {
    const record: string[] = [];
    const tasks: asyncio.Future<void>[] = [];

    async function aioSleeper(key: string): Promise<void> {
      try {
        await asyncio.sleep(10);
        record.push("expired");
      } finally {
        try {
          // Prove that we're still running in the asyncio loop (Python's bare `yield` to
          // the Task is `asyncio.sleep(0)`).
          await asyncio.sleep(0);
        } finally {
          record.push(key);
          if (key.includes("early")) {
            tasks.push(asyncio.ensureFuture(() => aioSleeper("aio late")));
            asyncio.getEventLoop().runTrioTask(trioSleeper, "trio late");
          }
        }
      }
    }

    async function trioSleeper(key: string): Promise<void> {
      try {
        await trio.sleepForever();
      } finally {
        await trio.lowlevel.cancelShieldedCheckpoint();
        record.push(key);
      }
    }

    // Real clock: with autojump, the "aio late" task's 10 s sleep could expire while the
    // loop shuts down, which it never does in the original. Nothing here sleeps for real.
    await trio.run(async () => {
      await openLoop(async (loop) => {
        tasks.push(asyncio.ensureFuture(() => aioSleeper("aio early")));
        loop.runTrioTask(trioSleeper, "trio early");
      });
    });

    expect(new Set(record)).toEqual(new Set(["aio early", "trio early", "trio late"]));
    expect(tasks).toHaveLength(2);
    expect(tasks[0].done()).toBe(true);
    expect(tasks[1].done()).toBe(false);
    // Python then silences the abandoned task's "destroyed but pending" report and
    // GeneratorExit: nothing reports an abandoned Task here.
  });

  it("test_cancel_loop", async () => {
    const clock = autojumpClock();
    let scope!: trio.CancelScope;
    let now = -1;
    await trio.run({ clock }, async () => {
      await trio.moveOnAfter(1, async (s) => {
        scope = s;
        await openLoop(async () => {
          await trio.sleepForever();
        });
      });
      now = trio.currentTime();
    });
    expect(now).toBe(1);
    expect(scope.cancelledCaught).toBe(true);
  });

  for (const bodyRaises of [false, true]) {
    for (const shield of [false, true]) {
      it(`test_cancel_loop_with_tasks[body_raises=${bodyRaises}-shield=${shield}]`, async () => {
        const clock = autojumpClock();
        const record: unknown[] = [];
        let scope!: trio.CancelScope;
        let now = -1;
        let escaped: unknown = undefined;

        await trio.run({ clock }, async () => {
          try {
            await trio.moveOnAfter(1.25, async (s) => {
              scope = s;
              await openLoop(async () => {
                async function trioTask(): Promise<void> {
                  try {
                    await new trio.CancelScope({ shield }).run(() => trio.sleep(1));
                  } finally {
                    record.push("trio_task done at");
                    record.push(trio.currentTime());
                  }
                }

                async function aioTask(): Promise<void> {
                  await asyncio.sleep(1);
                  try {
                    await trioAsAio(trioTask)();
                    expect(shield).toBe(true);
                  } catch (error) {
                    expect(error).not.toBeInstanceOf(trio.Cancelled);
                    if (error instanceof asyncio.CancelledError) expect(shield).toBe(false);
                    throw error;
                  } finally {
                    record.push("aio_task done");
                  }
                }

                try {
                  await trio.openNursery(async (nursery) => {
                    nursery.cancelScope.shield = true;
                    nursery.startSoon(async function unshieldLater() {
                      await trio.sleep(1.5);
                      nursery.cancelScope.shield = false;
                    });
                    nursery.startSoon(aioAsTrio(aioTask));
                    if (bodyRaises) {
                      try {
                        await trio.sleepForever();
                      } catch {
                        // Python raises from `finally`: the ValueError replaces the Cancelled.
                      }
                      throw new ValueError("hi");
                    }
                  });
                } finally {
                  record.push("toplevel done");
                }
              });
            });
          } catch (error) {
            escaped = error;
          }
          now = trio.currentTime();
        });

        if (bodyRaises) expectGroupOf(escaped, [ValueError], /hi/);
        else expect(escaped).toBeUndefined();
        expect(record).toEqual(["trio_task done at", now, "aio_task done", "toplevel done"]);
        expect(now).toBe(1.5 + (shield ? 0.5 : 0));
        expect(scope.cancelledCaught).toBe(!shield);
      });
    }
  }

  it("test_executor_limiter_deadlock", async () => {
    // A capacity of 1 catches a double acquire: the job must take one token, not two.
    const limiter = new trio.CapacityLimiter(1);
    const executor = new TrioExecutor({ limiter });
    let cancelledCaught = true;
    await trio.run(() =>
      openLoop(async (loop) => {
        const scope = new trio.CancelScope({ relativeDeadline: 1 });
        await scope.run(() => aioAsTrio(() => loop.runInExecutor(executor, () => undefined))());
        cancelledCaught = scope.cancelledCaught;
      }),
    );
    expect(cancelledCaught).toBe(false);
  });

  it("test_system_exit", async () => {
    // Adapted: JavaScript has no SystemExit (a BaseException). A plain error class with
    // an exit code stands in for it: asyncio.run() must let it out unchanged.
    class SystemExit extends Error {
      constructor(readonly code: number) {
        super(`SystemExit(${code})`);
        this.name = "SystemExit";
      }
    }
    async function main(): Promise<void> {
      throw new SystemExit(42);
    }
    const error = await caught(() => asyncio.run(() => main()));
    expect(error).toBeInstanceOf(SystemExit);
    expect((error as SystemExit).code).toBe(42);
  });

  it(
    "test_async_handle_cancelled_before_dequeue",
    async () => {
      // Regression test: an AsyncHandle queued by trioAsFuture and cancelled before the
      // loop dequeues it must still settle its Future. Python runs trio.run in a thread
      // with a 5 s join timeout to catch the wedge; here the test's own timeout does.
      await trio.run(async () => {
        await openLoop(async (loop) => {
          async function trioProc(): Promise<number> {
            return 42;
          }
          // trioAsFuture is sync: the handle is queued and the Future returned before
          // the loop has had a chance to run.
          const f = loop.trioAsFuture(trioProc);
          expect(f.done()).toBe(false);
          // Cancel before yielding: the Future stays pending until the handle is reached.
          expect(f.cancel()).toBe(true);
          expect(f.done()).toBe(false);
          try {
            await runAioFuture(f);
          } catch (error) {
            if (!(error instanceof asyncio.CancelledError)) throw error;
          }
          expect(f.done()).toBe(true);
          expect(f.cancelled()).toBe(true);
        });
      });
    },
    5_000,
  );
});

// Not ported (also listed in test/conformance/README.md):
// - test_asyncgens (12 parametrized cases): async generator finalization through
//   sys.set_asyncgen_hooks and the garbage collector; JavaScript has no async generator
//   hooks, and an abandoned generator is never finalized.
