// Ported from python-trio/trio src/trio/_core/_tests/test_run.py (run, tasks, nurseries,
// start, errors, strict and non-strict exception groups). Cases that need Python-only
// machinery are listed as not ported in test/conformance/README.md.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import * as trio from "../../../src/trio/index.js";
import { KeyError, RuntimeError, ValueError } from "../../../src/errors/builtins.js";
import * as sniffio from "../../../src/flavor/index.js";
const { currentAsyncLibrary, AsyncLibraryNotFoundError } = sniffio;

const { Cancelled, CancelScope, ExceptionGroup, Nursery, TrioInternalError, TASK_STATUS_IGNORED } = trio;
const { MockClock, waitAllTasksBlocked } = trio.testing;
type Nursery = trio.Nursery;
type TaskStatus<T = undefined> = trio.TaskStatus<T>;

type ErrorClass = abstract new (...args: never[]) => unknown;
type Matcher = ErrorClass | ((e: unknown) => boolean);
const NOTHING = Symbol("nothing thrown");

function show(e: unknown): string {
  if (e instanceof ExceptionGroup) return `ExceptionGroup[${e.exceptions.map(show).join(", ")}]`;
  if (e instanceof Error) return `${e.name}(${JSON.stringify(e.message)})`;
  return String(e);
}

/** pytest.raises: `fn` must throw an instance of `cls` (message matching `match`); returns it. */
async function raises<E>(cls: abstract new (...args: never[]) => E, fn: () => unknown, match?: RegExp): Promise<E> {
  let error: unknown = NOTHING;
  try {
    await fn();
  } catch (e) {
    error = e;
  }
  if (error === NOTHING) throw new Error(`DID NOT RAISE ${cls.name}`);
  if (!(error instanceof cls)) throw new Error(`expected ${cls.name}, got ${show(error)}`, { cause: error });
  if (match !== undefined) expect((error as Error).message).toMatch(match);
  return error;
}

function isClass(m: Matcher): m is ErrorClass {
  return typeof m === "function" && (m === Error || (m as { prototype?: unknown }).prototype instanceof Error);
}

/** pytest.RaisesGroup as a predicate: an ExceptionGroup whose members match `matchers`, in any order. */
function group(...matchers: Matcher[]): (e: unknown) => boolean {
  return (e) => {
    if (!(e instanceof ExceptionGroup) || e.exceptions.length !== matchers.length) return false;
    const used = matchers.map(() => false);
    const assign = (i: number): boolean => {
      if (i === e.exceptions.length) return true;
      for (let j = 0; j < matchers.length; j++) {
        const m = matchers[j];
        if (!used[j] && (isClass(m) ? e.exceptions[i] instanceof m : m(e.exceptions[i]))) {
          used[j] = true;
          if (assign(i + 1)) return true;
          used[j] = false;
        }
      }
      return false;
    };
    return assign(0);
  };
}

/** pytest.RaisesGroup: `fn` must throw an ExceptionGroup matching `matchers`; returns it. */
async function raisesGroup(fn: () => unknown, ...matchers: Matcher[]): Promise<trio.ExceptionGroup> {
  let error: unknown = NOTHING;
  try {
    await fn();
  } catch (e) {
    error = e;
  }
  if (error === NOTHING) throw new Error("DID NOT RAISE ExceptionGroup");
  if (!group(...matchers)(error)) throw new Error(`unexpected error ${show(error)}`, { cause: error });
  return error as trio.ExceptionGroup;
}

/** Trio's test helper: sleeps until rescheduled, and returns the value it was rescheduled with. */
function sleepForever(): Promise<unknown> {
  return trio.lowlevel.waitTaskRescheduled(() => trio.lowlevel.Abort.SUCCEEDED);
}

let warnings: unknown[] = [];
beforeEach(() => {
  warnings = [];
  // The engine reports swallowed Cancelled as a warning; Trio's tests swallow them on purpose.
  vi.spyOn(process, "emitWarning").mockImplementation((w: unknown) => {
    warnings.push(w);
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** `trio.run(...)` as a Promise, also when it throws synchronously (bad arguments). */
function runAsync(...args: unknown[]): Promise<unknown> {
  return (async () => (trio.run as (...a: unknown[]) => Promise<unknown>)(...args))();
}

function runMock<R>(fn: () => Promise<R>): Promise<R> {
  return trio.run({ clock: new MockClock({ autojumpThreshold: 0 }) }, fn);
}

describe("test_run.py: run, tasks and nurseries", () => {
  it("test_basic", async () => {
    const trivial = async <T>(x: T): Promise<T> => x;
    expect(await trio.run(trivial, 8)).toBe(8);
    // not an async function
    await raises(TypeError, () => runAsync(() => undefined));
    const trivial2 = async <T>(x: T): Promise<T> => {
      await trio.checkpoint();
      return x;
    };
    expect(await trio.run(trivial2, 1)).toBe(1);
  });

  it("test_initial_task_error", async () => {
    const main = async (x: number): Promise<never> => {
      throw new ValueError(String(x));
    };
    await raises(ValueError, () => trio.run(main, 17), /^17$/);
  });

  it("test_run_nesting", async () => {
    const inception = async (): Promise<unknown> => trio.run(async () => {});
    const error = await raises(RuntimeError, () => trio.run(inception));
    expect(error.message).toContain("from inside");
  });

  it("test_nursery_main_block_error_basic", async () => {
    const exc = new ValueError("whoops");
    await trio.run(async () => {
      await raisesGroup(
        () =>
          trio.openNursery(async () => {
            throw exc;
          }),
        (e) => e === exc,
      );
    });
  });

  it("test_child_crash_basic", async () => {
    const myExc = new ValueError("uh oh");
    const erroring = async (): Promise<never> => {
      throw myExc;
    };
    await trio.run(async () => {
      // the nursery's exit propagates the child's error to the parent
      await raisesGroup(
        () =>
          trio.openNursery(async (nursery) => {
            nursery.startSoon(erroring);
          }),
        (e) => e === myExc,
      );
    });
  });

  it("test_basic_interleave", async () => {
    const record: [string, number][] = [];
    const looper = async (whoami: string): Promise<void> => {
      for (let i = 0; i < 3; i++) {
        record.push([whoami, i]);
        await trio.checkpoint();
      }
    };
    await trio.run(async () => {
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(looper, "a");
        nursery.startSoon(looper, "b");
      });
    });
    // Trio only promises {a0, b0}, {a1, b1}, {a2, b2}; our scheduling is FIFO.
    expect(record).toEqual([
      ["a", 0],
      ["b", 0],
      ["a", 1],
      ["b", 1],
      ["a", 2],
      ["b", 2],
    ]);
  });

  it("test_task_crash_propagation", async () => {
    const looperRecord: string[] = [];
    const looper = async (): Promise<void> => {
      try {
        for (;;) await trio.checkpoint();
      } catch (e) {
        if (!(e instanceof Cancelled)) throw e;
        looperRecord.push("cancelled");
      }
    };
    const crasher = async (): Promise<never> => {
      throw new ValueError("argh");
    };
    const main = async (): Promise<void> => {
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(looper);
        nursery.startSoon(crasher);
      });
    };
    const eg = await raisesGroup(() => trio.run(main), ValueError);
    expect((eg.exceptions[0] as Error).message).toBe("argh");
    expect(looperRecord).toEqual(["cancelled"]);
  });

  it("test_main_and_task_both_crash", async () => {
    // main and a task both crash: both errors come out in the group
    const crasher = async (): Promise<never> => {
      throw new ValueError();
    };
    const main = async (): Promise<never> =>
      (await trio.openNursery(async (nursery) => {
        nursery.startSoon(crasher);
        throw new KeyError();
      })) as never;
    await raisesGroup(() => trio.run(main), ValueError, KeyError);
  });

  it("test_two_child_crashes", async () => {
    const crasher = async (etype: new () => Error): Promise<never> => {
      throw new etype();
    };
    const main = async (): Promise<void> => {
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(crasher, KeyError);
        nursery.startSoon(crasher, ValueError);
      });
    };
    await raisesGroup(() => trio.run(main), ValueError, KeyError);
  });

  it("test_child_crash_wakes_parent", async () => {
    const crasher = async (): Promise<never> => {
      throw new ValueError("this is a crash");
    };
    await trio.run(async () => {
      const eg = await raisesGroup(
        () =>
          trio.openNursery(async (nursery) => {
            nursery.startSoon(crasher);
            await sleepForever();
          }),
        ValueError,
      );
      expect((eg.exceptions[0] as Error).message).toBe("this is a crash");
    });
    // The nursery's scope absorbed the body's Cancelled and no code swallowed one: Trio
    // reports nothing, so the engine's "Cancelled caught and not re-thrown" warning must not fire.
    expect(warnings).toEqual([]);
  });

  it("test_nursery_closure", async () => {
    const child2 = async (): Promise<void> => {};
    const child1 = async (nursery: Nursery): Promise<void> => {
      // tasks can be added while the nursery waits in its exit, as long as some still run
      nursery.startSoon(child2);
    };
    await trio.run(async () => {
      let saved!: Nursery;
      await trio.openNursery(async (nursery) => {
        saved = nursery;
        nursery.startSoon(child1, nursery);
      });
      // once the exit is done, the nursery is closed
      await raises(RuntimeError, () => saved.startSoon(child2));
    });
  });

  it("test_spawn_name", async () => {
    const func1 = async (expected: string): Promise<void> => {
      expect(trio.lowlevel.currentTask().name).toContain(expected);
    };
    async function func2(): Promise<void> {}
    // Trio also accepts a function or any object as the name; ours takes strings only.
    const check = async (spawn: (...args: any[]) => unknown): Promise<void> => {
      spawn(func1, "func1");
      spawn({ name: func2.name }, func1, "func2");
      spawn({ name: "func3" }, func1, "func3");
      // functools.partial -> bind
      spawn(func1.bind(null, "func1"));
      await raises(TypeError, () => spawn({ name: {} }, func1, "object"));
    };
    await trio.run(async () => {
      await trio.openNursery(async (nursery) => {
        await check((...a: any[]) => (nursery.startSoon as (...b: any[]) => void)(...a));
      });
      await check((...a: any[]) => (trio.lowlevel.spawnSystemTask as (...b: any[]) => unknown)(...a));
      await waitAllTasksBlocked();
    });
  });

  it("test_nice_error_on_bad_calls_to_run_or_spawn", async () => {
    const badCallSpawn = (fn: unknown, ...args: unknown[]): Promise<unknown> =>
      trio.run(async () => {
        await trio.openNursery(async (nursery) => {
          (nursery.startSoon as (...a: unknown[]) => void)(fn, ...args);
        });
      });
    const f = async (): Promise<void> => {};
    async function* asyncGen<T>(arg: T): AsyncGenerator<T> {
      yield arg;
    }
    await raises(TypeError, () => runAsync(f()), /async function/);
    await raises(TypeError, () => runAsync(asyncGen, 0), /async function/);
    // inside a nursery, the error comes wrapped in the nursery's group
    const eg1 = await raisesGroup(() => badCallSpawn(f()), TypeError);
    expect((eg1.exceptions[0] as Error).message).toMatch(/async function/);
    const eg2 = await raisesGroup(() => badCallSpawn(asyncGen, 0), TypeError);
    expect((eg2.exceptions[0] as Error).message).toMatch(/async function/);
  });

  it("test_nursery_start", async () => {
    await runMock(async () => {
      const sleepThenStart = async (taskStatus: TaskStatus<number>, seconds: number): Promise<void> => {
        // repr smoke test; the TaskStatus interface does not declare its toString
        // eslint-disable-next-line @typescript-eslint/no-base-to-string
        expect(String(taskStatus)).toBeTypeOf("string");
        await trio.sleep(seconds);
        taskStatus.started(seconds);
        await trio.sleep(seconds);
      };

      // The happy path: start() waits for started(), returns its value, and the nursery then
      // waits for the task to exit.
      for (const seconds of [1, 2]) {
        let t0 = 0;
        await trio.openNursery(async (nursery) => {
          expect(nursery.childTasks.size).toBe(0);
          t0 = trio.currentTime();
          expect(await nursery.start(sleepThenStart, seconds)).toBe(seconds);
          expect(trio.currentTime() - t0).toBe(seconds);
          expect(nursery.childTasks.size).toBe(1);
        });
        expect(trio.currentTime() - t0).toBe(2 * seconds);
      }

      // TASK_STATUS_IGNORED lets the task function be called directly
      let t0 = trio.currentTime();
      await sleepThenStart(TASK_STATUS_IGNORED, 3);
      expect(trio.currentTime() - t0).toBe(2 * 3);

      // calling started twice
      const doubleStarted = async (taskStatus: TaskStatus): Promise<void> => {
        taskStatus.started();
        await raises(RuntimeError, () => taskStatus.started());
      };
      await trio.openNursery(async (nursery) => {
        await nursery.start(doubleStarted);
      });

      // the child crashes before started(): the error comes out of start()
      const raiseKeyError = async (_taskStatus: TaskStatus): Promise<void> => {
        throw new KeyError("oops");
      };
      await trio.openNursery(async (nursery) => {
        await raises(KeyError, () => nursery.start(raiseKeyError));
      });

      // the child exits cleanly before started(): RuntimeError
      const nothing = async (_taskStatus: TaskStatus): Promise<void> => {};
      await trio.openNursery(async (nursery) => {
        const error = await raises(RuntimeError, () => nursery.start(nothing));
        expect(error.message).toContain("exited without calling");
      });

      // If the start() call is cancelled, started() does nothing: the child keeps running
      // under start(), its value is ignored, and start() throws Cancelled.
      const justStarted = async (taskStatus: TaskStatus<string>): Promise<void> => {
        taskStatus.started("hi");
        await trio.checkpoint();
      };
      await trio.openNursery(async (nursery) => {
        await new CancelScope().run(async (cs) => {
          cs.cancel();
          await raises(Cancelled, () => nursery.start(justStarted));
        });
      });

      // but if the task reaches no checkpoint and exits, start() does not throw Cancelled
      const startedWithNoCheckpoint = async (taskStatus: TaskStatus): Promise<void> => {
        taskStatus.started(undefined);
      };
      await trio.openNursery(async (nursery) => {
        const cs = new CancelScope();
        await cs.run(async () => {
          cs.cancel();
          await nursery.start(startedWithNoCheckpoint);
        });
        expect(cs.cancelledCaught).toBe(false);
      });

      // started() is a no-op in a cancelled start(), so an error after it still comes out of start()
      const raiseKeyErrorAfterStarted = async (taskStatus: TaskStatus): Promise<void> => {
        taskStatus.started();
        throw new KeyError("whoopsiedaisy");
      };
      await trio.openNursery(async (nursery) => {
        await new CancelScope().run(async (cs) => {
          cs.cancel();
          await raises(KeyError, () => nursery.start(raiseKeyErrorAfterStarted));
        });
      });

      // starting in a closed nursery fails at once
      let closedNursery!: Nursery;
      await trio.openNursery(async (nursery) => {
        closedNursery = nursery;
      });
      t0 = trio.currentTime();
      await raises(RuntimeError, () => closedNursery.start(sleepThenStart, 7));
      expect(trio.currentTime()).toBe(t0);
    });
  });

  it("test_nursery_start_with_cancelled_nursery", async () => {
    // taskStatus here is just a way to get hold of a nursery to start things in
    const setupNursery = async (taskStatus: TaskStatus<Nursery>): Promise<void> => {
      await trio.openNursery(async (nursery) => {
        taskStatus.started(nursery);
        await sleepForever();
      });
    };
    // Calls started() while its children sleep, to check that tasks moved into a
    // cancelled scope while asleep get their sleep aborted.
    const sleepingChildren = async (taskStatus: TaskStatus, fn: () => void): Promise<void> => {
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(sleepForever);
        nursery.startSoon(sleepForever);
        await waitAllTasksBlocked();
        fn();
        taskStatus.started();
      });
    };
    await trio.run(async () => {
      // the setup nursery is cancelled just before started()
      await trio.openNursery(async (nursery) => {
        const target = await nursery.start(setupNursery);
        expect(target).toBeInstanceOf(Nursery);
        await target.start(sleepingChildren, () => target.cancelScope.cancel());
      });
      // just after started()
      await trio.openNursery(async (nursery) => {
        const target = await nursery.start(setupNursery);
        await target.start(sleepingChildren, () => {});
        target.cancelScope.cancel();
      });
    });
  });

  it("test_nursery_start_keeps_nursery_open", async () => {
    const sleepABit = async (taskStatus: TaskStatus): Promise<void> => {
      await trio.sleep(2);
      taskStatus.started();
      await trio.sleep(3);
    };
    // the task the nursery waits for crashes and never enters it
    const sleepThenCrash = async (_taskStatus: TaskStatus): Promise<void> => {
      await trio.sleep(7);
      throw new KeyError();
    };
    const startSleepThenCrash = async (nursery: Nursery): Promise<void> => {
      await raises(KeyError, () => nursery.start(sleepThenCrash));
    };
    await runMock(async () => {
      let t0 = 0;
      await trio.openNursery(async (nursery1) => {
        t0 = trio.currentTime();
        await trio.openNursery(async (nursery2) => {
          // start() running in the background
          nursery1.startSoon(() => nursery2.start(sleepABit));
          await trio.sleep(1);
          nursery1.startSoon(() => nursery2.start(sleepABit));
          // Exiting now: nursery2 holds no task; only the pending start() calls keep it open.
        });
        expect(trio.currentTime() - t0).toBe(6);
      });

      await trio.openNursery(async (nursery1) => {
        t0 = trio.currentTime();
        await trio.openNursery(async (nursery2) => {
          nursery1.startSoon(startSleepThenCrash, nursery2);
          await waitAllTasksBlocked();
        });
        expect(trio.currentTime() - t0).toBe(7);
      });
    });
  });

  it("test_nursery_explicit_exception", async () => {
    await trio.run(async () => {
      await raisesGroup(
        () =>
          trio.openNursery(async () => {
            throw new KeyError();
          }),
        KeyError,
      );
    });
  });

  it("test_nursery_stop_async_iteration", async () => {
    // Trio checks that StopAsyncIteration raised in a nursery inside __anext__ can be
    // unwrapped and re-raised. JavaScript ends iteration with `{ done: true }`, so the
    // counterpart is an async iterator whose next() runs a nursery and stops when a
    // source is exhausted.
    class It implements AsyncIterator<number> {
      val = 0;
      constructor(readonly count: number) {}
      async next(): Promise<IteratorResult<number>> {
        await trio.sleep(0);
        const val = this.val;
        if (val >= this.count) return { done: true, value: undefined };
        this.val++;
        return { done: false, value: val };
      }
    }
    class AsyncZip implements AsyncIterableIterator<number[]> {
      constructor(readonly its: It[]) {}
      [Symbol.asyncIterator](): this {
        return this;
      }
      async next(): Promise<IteratorResult<number[]>> {
        const items: number[] = this.its.map(() => -1);
        let done = false;
        await trio.openNursery(async (nursery) => {
          this.its.forEach((it, i) =>
            nursery.startSoon(async () => {
              const r = await it.next();
              if (r.done === true) done = true;
              else items[i] = r.value;
            }),
          );
        });
        return done ? { done: true, value: undefined } : { done: false, value: items };
      }
    }
    const result = await trio.run(async () => {
      const out: number[][] = [];
      for await (const vals of new AsyncZip([new It(4), new It(2)])) out.push(vals);
      return out;
    });
    expect(result).toEqual([
      [0, 0],
      [1, 1],
    ]);
  });

  it("test_nursery_exception_chaining_doesnt_make_context_loops", async () => {
    // Python checks __context__; the JavaScript counterpart is `cause`.
    const crasher = async (): Promise<never> => {
      throw new KeyError();
    };
    await trio.run(async () => {
      const eg = await raisesGroup(
        () =>
          trio.openNursery(async (nursery) => {
            nursery.startSoon(crasher);
            throw new ValueError();
          }),
        ValueError,
        KeyError,
      );
      expect(eg.cause).toBeUndefined();
    });
  });

  it("test_Nursery_init", async () => {
    // nurseries cannot be constructed directly
    await trio.run(async () => {
      const task = trio.lowlevel.currentTask();
      const scope = new CancelScope();
      await raises(TypeError, () => new (Nursery as any)(task, scope, true));
    });
  });

  it("test_Nursery_private_init", async () => {
    await trio.run(async () => {
      await trio.openNursery(async (nursery) => {
        expect(nursery._closed).toBe(false);
      });
    });
  });

  it("test_sniffio_integration", async () => {
    await raises(AsyncLibraryNotFoundError, () => currentAsyncLibrary());
    const checkInsideTrio = async (): Promise<void> => {
      expect(currentAsyncLibrary()).toBe("trio");
    };
    await trio.run(checkInsideTrio);
    await raises(AsyncLibraryNotFoundError, () => currentAsyncLibrary());

    // Python sets sniffio's thread-local name and context variable; so do we.
    const alternateSniffioLibrary = (fn: () => void): void => {
      const token = sniffio.currentAsyncLibraryVar.set("nullio");
      const previous = sniffio.threadLocal.name;
      sniffio.threadLocal.name = "nullio";
      try {
        fn();
        expect(currentAsyncLibrary()).toBe("nullio");
      } finally {
        sniffio.threadLocal.name = previous;
        sniffio.currentAsyncLibraryVar.reset(token);
      }
    };
    const checkFunctionReturningPromise = (): Promise<void> => {
      expect(currentAsyncLibrary()).toBe("trio");
      return checkInsideTrio();
    };
    await trio.run(async () => {
      alternateSniffioLibrary(() => {
        trio.lowlevel.spawnSystemTask(checkInsideTrio);
      });
      await trio.openNursery(async (nursery) => {
        alternateSniffioLibrary(() => {
          nursery.startSoon(checkInsideTrio);
          nursery.startSoon(checkFunctionReturningPromise);
        });
      });
    });
  });

  for (const runStrict of [true, false, undefined]) {
    for (const openNurseryStrict of [true, false, undefined]) {
      for (const multipleExceptions of [true, false]) {
        it(`test_setting_strict_exception_groups[${runStrict}-${openNurseryStrict}-${multipleExceptions}]`, async () => {
          // Defaults, and nurseries inheriting or overriding the run's setting.
          const raiseError = async (): Promise<never> => {
            throw new RuntimeError("test error");
          };
          const main = async (): Promise<void> => {
            await trio.openNursery(openNurseryStrict === undefined ? {} : { strictExceptionGroups: openNurseryStrict }, async (nursery) => {
              nursery.startSoon(raiseError);
              if (multipleExceptions) nursery.startSoon(raiseError);
            });
          };
          const runMain = (): Promise<void> => (runStrict === undefined ? trio.run(main) : trio.run({ strictExceptionGroups: runStrict }, main));
          const isTestError = (e: unknown): boolean => e instanceof RuntimeError && e.message === "test error";
          if (multipleExceptions) {
            await raisesGroup(runMain, isTestError, isTestError);
          } else if (openNurseryStrict === true || (openNurseryStrict === undefined && runStrict !== false)) {
            await raisesGroup(runMain, isTestError);
          } else {
            await raises(RuntimeError, runMain, /^test error$/);
          }
        });
      }
    }
  }

  for (const strict of [true, false, undefined]) {
    it(`test_nursery_collapse[${strict}]`, async () => {
      // A single error from a nested nursery is collapsed, depending on
      // strictExceptionGroups, once the Cancelled are stripped from its group.
      const raiseError = async (): Promise<never> => {
        throw new RuntimeError("test error");
      };
      const maybeWrapped: Matcher = strict === false ? RuntimeError : group(RuntimeError);
      await trio.run(async () => {
        await raisesGroup(
          () =>
            trio.openNursery(async (nursery) => {
              nursery.startSoon(sleepForever);
              nursery.startSoon(raiseError);
              await trio.openNursery(strict === undefined ? {} : { strictExceptionGroups: strict }, async (nursery2) => {
                nursery2.startSoon(sleepForever);
                nursery2.startSoon(raiseError);
                nursery.cancelScope.cancel();
              });
            }),
          RuntimeError,
          maybeWrapped,
        );
      });
    });
  }

  for (const runStrict of [false, true]) {
    for (const startRaiserStrict of [false, true, undefined]) {
      for (const raiseAfterStarted of [false, true]) {
        for (const raiseCustomExcGrp of [false, true]) {
          it(`test_trio_run_strict_before_started[${runStrict}-${startRaiserStrict}-${raiseAfterStarted}-${raiseCustomExcGrp}]`, async () => {
            // Regression tests for python-trio/trio#2611 and #2844: errors raised before
            // taskStatus.started() must not be wrapped by start() itself.
            const raiserExc: Error = raiseCustomExcGrp ? new ExceptionGroup("my group", [new ValueError()]) : new ValueError();
            const raiser = async (taskStatus: TaskStatus): Promise<void> => {
              if (raiseAfterStarted) taskStatus.started();
              throw raiserExc;
            };
            const startRaiser = async (): Promise<void> => {
              try {
                await trio.openNursery(startRaiserStrict === undefined ? {} : { strictExceptionGroups: startRaiserStrict }, async (nursery) => {
                  await nursery.start(raiser);
                });
              } catch (e) {
                // Only when the nursery's user *forced* strict mode may it replace Trio's
                // plain group with its own.
                if (e instanceof ExceptionGroup && startRaiserStrict === true) {
                  throw new ExceptionGroup("start_raiser nursery custom message", e.exceptions);
                }
                throw e;
              }
            };
            let error: unknown = NOTHING;
            try {
              await trio.run({ strictExceptionGroups: runStrict }, startRaiser);
            } catch (e) {
              error = e;
            }
            expect(error).not.toBe(NOTHING);
            let shouldBeRaiserExc: unknown;
            if (startRaiserStrict === true || (runStrict && startRaiserStrict === undefined)) {
              // start_raiser's nursery was strict
              expect(error).toBeInstanceOf(ExceptionGroup);
              const eg = error as trio.ExceptionGroup;
              if (startRaiserStrict === true) expect(eg.message).toBe("start_raiser nursery custom message");
              expect(eg.exceptions.length).toBe(1);
              shouldBeRaiserExc = eg.exceptions[0];
            } else {
              shouldBeRaiserExc = error;
            }
            if (!(raiserExc instanceof ExceptionGroup)) {
              expect(shouldBeRaiserExc).toBe(raiserExc);
            } else {
              // may be a copy of raiserExc
              expect(shouldBeRaiserExc).toBeInstanceOf(ExceptionGroup);
              expect((shouldBeRaiserExc as trio.ExceptionGroup).message).toBe(raiserExc.message);
              expect((shouldBeRaiserExc as trio.ExceptionGroup).exceptions).toEqual(raiserExc.exceptions);
            }
          });
        }
      }
    }
  }

  it("test_start_exception_preserves_cause_and_context", async () => {
    // python-trio/trio#3261; JavaScript has `cause` only.
    const task = async (_taskStatus: TaskStatus): Promise<void> => {
      throw new ValueError("foo", { cause: new TypeError("baz") });
    };
    await trio.run(async () => {
      await raisesGroup(
        () =>
          trio.openNursery(async (nursery) => {
            await nursery.start(task);
          }),
        (e) => e instanceof ValueError && e.cause instanceof TypeError,
      );
    });
  });

  it("test_internal_error_old_nursery_multiple_tasks", async () => {
    const errorFunc = async (): Promise<never> => {
      throw new ValueError();
    };
    const spawnTasksInOldNursery = async (_taskStatus: TaskStatus): Promise<void> => {
      const oldNursery = trio.lowlevel.currentTask().parentNursery;
      expect(oldNursery).not.toBeNull();
      oldNursery!.startSoon(errorFunc);
      oldNursery!.startSoon(errorFunc);
    };
    await trio.run(async () => {
      let error: unknown;
      await trio.openNursery(async (nursery) => {
        error = await raises(TrioInternalError, () => nursery.start(spawnTasksInOldNursery));
      });
      expect(group(ValueError, ValueError)((error as Error).cause)).toBe(true);
    });
  });
});
