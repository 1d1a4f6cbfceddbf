// trio.fromThread: ports of python-trio/trio src/trio/_tests/test_threads.py (the
// from_thread cases), adapted to worker threads: the functions a job sends back are
// shipped by source too, so instead of closures they reach the test's objects through
// `globalThis.__fromThreadTest` (the Trio thread's globals), and the injected `trio`.
import { existsSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as trioModule from "../../src/trio/index.js";
import { RuntimeError } from "../../src/errors/builtins.js";

// Local names: vitest rewrites references to imported bindings, including inside the
// source of the functions these tests ship to other threads, where `trio` and
// `fromThread` are provided by the thread that evaluates them.
const trio = trioModule;
const { fromThread } = trio;
const { runSync } = trio.toThread;
const { waitAllTasksBlocked } = trio.testing;

const root = path.resolve(import.meta.dirname, "../..");
const FIXTURE = path.join(import.meta.dirname, "fixtures/thread-jobs.mjs");
const USES_PACKAGE = path.join(import.meta.dirname, "fixtures/uses-package.mjs");

/** What functions run in the Trio thread find on globalThis. */
interface Shared {
  events: string[];
  scope?: trioModule.CancelScope;
  task?: trioModule.lowlevel.Task;
  thrown?: unknown;
  event?: trioModule.Event;
}
let shared: Shared;
beforeEach(() => {
  shared = { events: [] };
  (globalThis as any).__fromThreadTest = shared;
});
afterEach(() => {
  delete (globalThis as any).__fromThreadTest;
});

function newShared(slots = 4): Int32Array {
  return new Int32Array(new SharedArrayBuffer(slots * 4));
}

function openGate(cells: Int32Array, index = 0): void {
  Atomics.store(cells, index, 1);
  Atomics.notify(cells, index);
}

async function until(done: () => boolean): Promise<void> {
  for (let i = 0; !done(); i++) {
    if (i > 2500) throw new Error("until(): gave up waiting");
    await trio.sleep(0.002);
  }
}

async function untilOutside(done: () => boolean): Promise<void> {
  for (let i = 0; !done(); i++) {
    if (i > 2500) throw new Error("untilOutside(): gave up waiting");
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

async function caught(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("trio.fromThread: round trips", () => {
  it("runSync calls a sync function in the run and returns its result (test_trio_from_thread_run_sync)", async () => {
    await trio.run(async () => {
      const time = await runSync(() => fromThread.runSync(() => trio.currentTime()));
      expect(typeof time).toBe("number");
      expect(await runSync((a: number) => fromThread.runSync((x: number, y: number) => x * y, a, 7), 6)).toBe(42);
      // The same run (test_trio_to_thread_run_sync_token).
      (shared as any).token = trio.lowlevel.currentTrioToken();
      expect(await runSync(() => fromThread.runSync(() => trio.lowlevel.currentTrioToken() === (globalThis as any).__fromThreadTest.token))).toBe(
        true,
      );
      // An async function is refused.
      const error = await caught(runSync(() => fromThread.runSync(async () => 1)));
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toMatch(/^trio\.fromThread\.runSync\(\) expected a synchronous function, but an anonymous function appears to be asynchronous/);
    });
  });

  it("run runs an async function in the run and returns its result (test_trio_from_thread_run)", async () => {
    await trio.run(async () => {
      await runSync(() => {
        fromThread.runSync((event: string) => (globalThis as any).__fromThreadTest.events.push(event), "in thread");
        fromThread.run(async () => {
          await trio.sleep(0);
          trio.currentTime(); // checks that this is Trio-flavored code in the run
          (globalThis as any).__fromThreadTest.events.push("back in trio");
        });
      });
      expect(shared.events).toEqual(["in thread", "back in trio"]);
      // A sync function is refused.
      const error = await caught(runSync(() => fromThread.run((() => 1) as any)));
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toMatch(/^trio\.fromThread\.run\(\) expected an async function, but an anonymous function appears to be synchronous \(it returned number 1\)/);
    });
  });

  it("runs in the task waiting for the job; for a job that may be abandoned, in system tasks (test_from_thread_reuses_task)", async () => {
    await trio.run(async () => {
      shared.task = trio.lowlevel.currentTask();
      const isWaiter = await runSync(() => [
        fromThread.runSync(() => trio.lowlevel.currentTask() === (globalThis as any).__fromThreadTest.task),
        fromThread.run(async () => trio.lowlevel.currentTask() === (globalThis as any).__fromThreadTest.task),
      ]);
      expect(isWaiter).toEqual([true, true]);
      const names = await runSync({ abandonOnCancel: true }, () => [
        fromThread.runSync(() => trio.lowlevel.currentTask().name),
        fromThread.run(async () => trio.lowlevel.currentTask().name),
      ]);
      expect(names).toEqual(["<TrioToken.runSyncSoon task>", "trio.fromThread.run(): an anonymous function"]);
    });
  });

  it("calls exported functions given as { module, export }", async () => {
    await trio.run(async () => {
      const results = await runSync(
        (fixture: string) => [
          fromThread.runSync({ module: fixture, export: "add" }, 2, 3),
          fromThread.run({ module: fixture, export: "later" }, "x"),
          fromThread.runSync({ module: fixture, export: "threadId" }),
        ],
        FIXTURE,
      );
      expect(results).toEqual([5, "later x", 0]);
      const missing = await caught(runSync((fixture: string) => fromThread.runSync({ module: fixture, export: "nope" }), FIXTURE));
      expect(missing).toBeInstanceOf(TypeError);
      expect(missing.message).toMatch(/export "nope" of .* is missing/);
    });
  });

  it.runIf(existsSync(path.join(root, "dist/index.js")))(
    "the package's own trio.fromThread works in a module job that imports it (built package)",
    async () => {
      await trio.run(async () => {
        expect(await runSync({ module: USES_PACKAGE, export: "callBack" }, 4)).toEqual([5, 40]);
        // sniffio finds no async library in a worker thread.
        expect(await runSync({ module: USES_PACKAGE, export: "sniff" })).toBe("AsyncLibraryNotFoundError");
      });
    },
  );

  it("a job calls back into Trio again and again without deadlock (test_reentry_doesnt_deadlock)", async () => {
    await trio.run(async () => {
      let calls = 0;
      await trio.openNursery(async (nursery) => {
        for (let t = 0; t < 4; t++) {
          nursery.startSoon(async () => {
            for (let i = 0; i < 10; i++) {
              const n = await runSync(() => fromThread.run(async () => (await trio.sleep(0), 1)) + fromThread.runSync(() => 1));
              calls += n;
            }
          });
        }
      });
      expect(calls).toBe(80);
    });
  });

  it("a function run from a thread can itself start a job, in another thread (test_recursive_to_thread)", async () => {
    await trio.run(async () => {
      const [outer, inner] = await runSync(() => {
        const g = globalThis as any;
        g.__workerTag ??= Math.random();
        return [
          g.__workerTag,
          fromThread.run(async () => trio.toThread.runSync(() => ((globalThis as any).__workerTag ??= Math.random()))),
        ];
      });
      expect(typeof outer).toBe("number");
      expect(typeof inner).toBe("number");
      expect(inner).not.toBe(outer);
    });
  });
});

describe("trio.fromThread: errors", () => {
  it("errors cross back: the job sees them, and one the job throws on is the original object", async () => {
    await trio.run(async () => {
      const seen = await runSync(() => {
        try {
          fromThread.runSync(() => {
            throw new trio.TooSlowError("slow");
          });
          return "no error";
        } catch (error) {
          return [(error as Error).name, (error as Error).message, error instanceof Error];
        }
      });
      expect(seen).toEqual(["TooSlowError", "slow", true]);
      const thrown = await caught(
        runSync(() =>
          fromThread.run(async () => {
            const error = new trio.BusyResourceError("from the Trio thread");
            (globalThis as any).__fromThreadTest.thrown = error;
            throw error;
          }),
        ),
      );
      expect(thrown).toBe(shared.thrown);
      expect(thrown).toBeInstanceOf(trio.BusyResourceError);
    });
  });

  it("arguments and results must be structured-cloneable", async () => {
    await trio.run(async () => {
      const badResult = await caught(runSync(() => fromThread.runSync(() => () => 1)));
      expect(badResult).toBeInstanceOf(TypeError);
      expect(badResult.message).toMatch(/^trio\.fromThread\.runSync\(\): the result could not be sent to the worker thread \(it must be structured-cloneable\)/);
      const badArgs = await caught(runSync(() => fromThread.runSync((f: unknown) => f, () => 1)));
      expect(badArgs).toBeInstanceOf(TypeError);
      expect(badArgs.message).toMatch(/^trio\.fromThread\.runSync\(\): the arguments could not be sent to the Trio thread/);
    });
  });

  it("refuses functions that cannot be shipped, and explains closures", async () => {
    await trio.run(async () => {
      const native = await caught(runSync(() => fromThread.runSync(Math.max)));
      expect(native).toBeInstanceOf(TypeError);
      expect(native.message).toMatch(/^trio\.fromThread\.runSync\(\): function max is a native or bound function/);
      const promise = await caught(runSync(() => fromThread.run(Promise.resolve(1) as any)));
      expect(promise.message).toMatch(/^trio\.fromThread\.run\(\) got a Promise/);
      const closure = await caught(
        runSync(() => {
          const local = 5;
          return fromThread.runSync(() => local);
        }),
      );
      expect(closure).toBeInstanceOf(ReferenceError);
      expect(closure.message).toMatch(/^local is not defined in the Trio thread: trio\.fromThread\.runSync\(\) ships an anonymous function by source/);
    });
  });

  it("in a worker, trio offers only fromThread", async () => {
    await trio.run(async () => {
      const error = await caught(runSync(() => trio.currentTime()));
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toMatch(/^trio\.currentTime is not available in a worker thread: a job reaches its Trio run only through trio\.fromThread/);
      expect(await runSync(() => trio.fromThread.runSync(() => 1 + 1))).toBe(2);
    });
  });

  it("throws RuntimeError outside a job's worker thread (test_do_in_trio_thread_from_trio_thread)", async () => {
    const outside = /only works inside a job started by trio\.toThread\.runSync\(\), in its worker thread while the job runs: this thread is not one of its workers/;
    expect(() => fromThread.runSync(() => null)).toThrow(RuntimeError);
    expect(() => fromThread.runSync(() => null)).toThrow(outside);
    await trio.run(async () => {
      expect(() => fromThread.run(async () => null)).toThrow(outside);
      expect(() => fromThread.checkCancelled()).toThrow(/^trio\.fromThread\.checkCancelled\(\) only works inside a job/);
    });
  });

  it("throws RuntimeError in a worker once the job has finished", async () => {
    await trio.run(async () => {
      const cells = newShared();
      await runSync((c: Int32Array) => {
        setTimeout(() => {
          try {
            fromThread.runSync(() => 1);
            Atomics.store(c, 0, 1);
          } catch (error) {
            Atomics.store(c, 0, (error as Error).name === "RuntimeError" && /no job is running/.test((error as Error).message) ? 2 : 3);
          }
        }, 0);
      }, cells);
      await until(() => Atomics.load(cells, 0) !== 0);
      expect(Atomics.load(cells, 0)).toBe(2);
    });
  });
});

describe("trio.fromThread: cancellation", () => {
  it("from the waiting task, sync calls never see the cancel; async ones do (test_from_thread_host_cancelled)", async () => {
    await trio.run(async () => {
      // [0]: 1 if the job saw Cancelled, 2 if not
      const cells = newShared();
      const syncCheck = (c: Int32Array): void => {
        fromThread.runSync(() => (globalThis as any).__fromThreadTest.scope.cancel());
        try {
          fromThread.runSync(() => true);
          Atomics.store(c, 0, 2);
        } catch {
          Atomics.store(c, 0, 1);
        }
      };
      shared.scope = new trio.CancelScope();
      await shared.scope.run(() => runSync(syncCheck, cells));
      expect(shared.scope.cancelledCaught).toBe(false);
      expect(Atomics.exchange(cells, 0, 0)).toBe(2);

      shared.scope = new trio.CancelScope();
      await shared.scope.run(() => runSync({ abandonOnCancel: true }, syncCheck, cells));
      expect(shared.scope.cancelledCaught).toBe(true);
      await until(() => Atomics.load(cells, 0) !== 0);
      expect(Atomics.exchange(cells, 0, 0)).toBe(2);

      const asyncCheck = (c: Int32Array): void => {
        fromThread.runSync(() => (globalThis as any).__fromThreadTest.scope.cancel());
        try {
          fromThread.run(async () => true); // no checkpoint: no Cancelled
          Atomics.store(c, 0, 2);
        } catch {
          Atomics.store(c, 0, 1);
        }
      };
      shared.scope = new trio.CancelScope();
      await shared.scope.run(() => runSync(asyncCheck, cells));
      expect(shared.scope.cancelledCaught).toBe(false);
      expect(Atomics.exchange(cells, 0, 0)).toBe(2);

      shared.scope = new trio.CancelScope();
      await shared.scope.run(() => runSync({ abandonOnCancel: true }, asyncCheck, cells));
      expect(shared.scope.cancelledCaught).toBe(true);
      await until(() => Atomics.load(cells, 0) !== 0);
      expect(Atomics.exchange(cells, 0, 0)).toBe(2);

      // A Cancelled raised in the waiting task crosses to the job and, thrown on, back
      // out of runSync as the very same object, which its scope catches.
      shared.scope = new trio.CancelScope();
      await shared.scope.run(() =>
        runSync(() =>
          fromThread.run(async () => {
            (globalThis as any).__fromThreadTest.scope.cancel();
            await trio.failAfter(10, () => trio.sleepForever());
          }),
        ),
      );
      expect(shared.scope.cancelledCaught).toBe(true);
    });
  });

  for (const cancelTheScope of [false, true]) {
    it(`checkCancelled without abandonOnCancel (test_from_thread_check_cancelled_no_abandon, cancel=${cancelTheScope})`, async () => {
      const record: string[] = [];
      // [0] gate, [1]: 1 once the first check passed
      const cells = newShared();
      const f = (c: Int32Array): void => {
        fromThread.checkCancelled();
        Atomics.store(c, 1, 1);
        Atomics.wait(c, 0, 0);
        fromThread.checkCancelled();
      };
      await trio.run(async () => {
        const scope = new trio.CancelScope();
        await trio.openNursery(async (nursery) => {
          nursery.startSoon(async () => {
            await scope.run(async () => {
              record.push("start");
              try {
                await runSync(f, cells);
              } catch (error) {
                record.push(String((error as Error).message));
                throw error;
              } finally {
                record.push("exit");
              }
            });
          });
          await waitAllTasksBlocked();
          expect(record).toEqual(["start"]);
          await until(() => Atomics.load(cells, 1) === 1);
          if (cancelTheScope) scope.cancel();
          openGate(cells);
        });
        if (!cancelTheScope) {
          expect(record).toEqual(["start", "exit"]);
        } else {
          expect(scope.cancelledCaught).toBe(true);
          expect(record).toHaveLength(3);
          expect(record[1]).toMatch(/^cancelled due to explicit from task <Task "[^"]*">$/);
          expect(record[2]).toBe("exit");
        }
      });
    });
  }

  it("checkCancelled with abandonOnCancel (test_from_thread_check_cancelled_abandon_on_cancel)", async () => {
    const record: string[] = [];
    // [0] gate, [1]: 1 if checkCancelled threw a Cancelled with Trio's message, 2 otherwise
    const cells = newShared();
    const f = (c: Int32Array): void => {
      Atomics.wait(c, 0, 0);
      try {
        fromThread.checkCancelled();
        Atomics.store(c, 1, 2);
      } catch (error) {
        const ok = (error as Error).name === "Cancelled" && /^cancelled due to explicit from task/.test((error as Error).message);
        Atomics.store(c, 1, ok ? 1 : 2);
      }
    };
    await trio.run(async () => {
      const scope = new trio.CancelScope();
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          await scope.run(async () => {
            record.push("start");
            try {
              await runSync({ abandonOnCancel: true }, f, cells);
            } catch (error) {
              record.push(String((error as Error).message));
              throw error;
            } finally {
              record.push("exit");
            }
          });
        });
        await waitAllTasksBlocked();
        expect(record).toEqual(["start"]);
        scope.cancel();
      });
      // The worst case: the nursery exited before the job checked for cancellation.
      openGate(cells);
      expect(scope.cancelledCaught).toBe(true);
      expect(record).toHaveLength(3);
      expect(record[1]).toMatch(/^cancelled due to explicit from task <Task "[^"]*">$/);
      expect(record[2]).toBe("exit");
      await until(() => Atomics.load(cells, 1) !== 0);
      expect(Atomics.load(cells, 1)).toBe(1);
    });
  });

  it("an abandoned job's call waiting in a system task gets Cancelled when the run shuts down (test_await_in_trio_thread_while_main_exits)", async () => {
    // [1]: 1 if the job got a Cancelled, 2 otherwise
    const cells = newShared();
    await trio.run(async () => {
      shared.event = new trio.Event();
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          await runSync(
            { abandonOnCancel: true },
            (c: Int32Array) => {
              try {
                fromThread.run(async () => {
                  (globalThis as any).__fromThreadTest.events.push("sleeping");
                  (globalThis as any).__fromThreadTest.event.set();
                  await trio.sleepForever();
                });
                Atomics.store(c, 1, 2);
              } catch (error) {
                Atomics.store(c, 1, (error as Error).name === "Cancelled" ? 1 : 2);
              }
            },
            cells,
          );
        });
        await shared.event!.wait();
        expect(shared.events).toEqual(["sleeping"]);
        nursery.cancelScope.cancel();
      });
    });
    await untilOutside(() => Atomics.load(cells, 1) !== 0);
    expect(Atomics.load(cells, 1)).toBe(1);
  });

  it("after the run has finished, an abandoned job's calls fail with RunFinishedError (test_from_thread_run_during_shutdown)", async () => {
    // [0] gate, [1] 1 = blocking, [2] the outcome: 1 RunFinishedError (both calls), 2 anything else
    const cells = newShared();
    await trio.run(async () => {
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          await runSync(
            { abandonOnCancel: true },
            (c: Int32Array) => {
              Atomics.store(c, 1, 1);
              Atomics.wait(c, 0, 0);
              const names: string[] = [];
              for (const call of [() => fromThread.runSync(() => 1), () => fromThread.run(async () => 1)]) {
                try {
                  call();
                } catch (error) {
                  names.push((error as Error).name);
                }
              }
              Atomics.store(c, 2, names.join() === "RunFinishedError,RunFinishedError" ? 1 : 2);
            },
            cells,
          );
        });
        await until(() => Atomics.load(cells, 1) === 1);
        nursery.cancelScope.cancel();
      });
    });
    openGate(cells);
    await untilOutside(() => Atomics.load(cells, 2) !== 0);
    expect(Atomics.load(cells, 2)).toBe(1);
  });
});
