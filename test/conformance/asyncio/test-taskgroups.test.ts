// Ported from CPython Lib/test/test_asyncio/test_taskgroups.py (3.13). `async with
// TaskGroup() as g:` becomes `await new TaskGroup().run(async (g) => ...)`, coroutines
// become functions; the loop runs on a MockClock. Python's BaseException subclasses have no
// JavaScript counterpart: their tests run with plain errors (noted next to them).
import { describe, expect, it } from "vitest";
import * as asyncio from "../../../src/asyncio/index.js";
import { TaskGroup } from "../../../src/asyncio/taskgroup.js";
import { timeout } from "../../../src/asyncio/timeouts.js";
import { ContextVar, copyContext } from "../../../src/contextvars/index.js";
import { RuntimeError } from "../../../src/errors/builtins.js";
import { ExceptionGroup } from "../../../src/errors/exception-group.js";
import { MockClock } from "../../../src/loop/mock-clock.js";

class MyExc extends Error {}
/** Python's `class MyBaseExc(BaseException)`: JavaScript has one kind of error. */
class MyBaseExc extends Error {}
class ZeroDivisionError extends Error {}
class ValueError extends Error {}

/** IsolatedAsyncioTestCase on a virtual clock: the body is the main task of a fresh loop. */
function run<T>(fn: () => Promise<T>): Promise<T> {
  return asyncio.run(fn, { loopFactory: () => new asyncio.SyncTrioEventLoop({ clock: new MockClock({ autojumpThreshold: 0 }) }) });
}

function errorTypes(eg: ExceptionGroup): Set<unknown> {
  return new Set(eg.exceptions.map((e) => (e as object).constructor));
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

async function assertRaisesRegex(cls: abstract new (...args: never[]) => unknown, pattern: RegExp, body: () => unknown): Promise<void> {
  const error = await assertRaises(cls, body);
  expect((error as Error).message).toMatch(pattern);
}

/** `except* cls`: runs body; an ExceptionGroup whose errors all match is returned. */
async function exceptStar(cls: abstract new (...args: never[]) => unknown, body: () => Promise<unknown>): Promise<ExceptionGroup | undefined> {
  try {
    await body();
  } catch (error) {
    if (error instanceof ExceptionGroup) {
      const [match, rest] = error.split(cls);
      if (rest !== undefined) throw rest;
      return match;
    }
    throw error;
  }
  return undefined;
}

const sleep = asyncio.sleep;

describe("test_taskgroups.py TestTaskGroup", () => {
  it("test_taskgroup_01", () =>
    run(async () => {
      const foo1 = async (): Promise<number> => (await sleep(0.1), 42);
      const foo2 = async (): Promise<number> => (await sleep(0.2), 11);
      let t1!: asyncio.Task<number>;
      let t2!: asyncio.Task<number>;
      await new TaskGroup().run(async (g) => {
        t1 = g.createTask(foo1);
        t2 = g.createTask(foo2);
      });
      expect(t1.result()).toBe(42);
      expect(t2.result()).toBe(11);
    }));

  it("test_taskgroup_02", () =>
    run(async () => {
      const foo1 = async (): Promise<number> => (await sleep(0.1), 42);
      const foo2 = async (): Promise<number> => (await sleep(0.2), 11);
      let t1!: asyncio.Task<number>;
      let t2!: asyncio.Task<number>;
      await new TaskGroup().run(async (g) => {
        t1 = g.createTask(foo1);
        await sleep(0.15);
        t2 = g.createTask(foo2);
      });
      expect(t1.result()).toBe(42);
      expect(t2.result()).toBe(11);
    }));

  it("test_taskgroup_03", () =>
    run(async () => {
      const foo1 = async (): Promise<number> => (await sleep(1), 42);
      const foo2 = async (): Promise<number> => (await sleep(0.2), 11);
      let t1!: asyncio.Task<number>;
      let t2!: asyncio.Task<number>;
      await new TaskGroup().run(async (g) => {
        t1 = g.createTask(foo1);
        await sleep(0.15);
        // cancel t1 explicitly, i.e. everything should continue working as expected.
        t1.cancel();
        t2 = g.createTask(foo2);
      });
      expect(t1.cancelled()).toBe(true);
      expect(t2.result()).toBe(11);
    }));

  it("test_taskgroup_04", () =>
    run(async () => {
      let NUM = 0;
      let t2Cancel = false;
      let t2!: asyncio.Task<void>;
      async function foo1(): Promise<void> {
        await sleep(0.1);
        throw new ZeroDivisionError();
      }
      async function foo2(): Promise<void> {
        try {
          await sleep(1);
        } catch (error) {
          if (error instanceof asyncio.CancelledError) t2Cancel = true;
          throw error;
        }
        NUM += 1;
      }
      async function runner(): Promise<void> {
        await new TaskGroup().run(async (g) => {
          g.createTask(foo1);
          t2 = g.createTask(foo2);
        });
        NUM += 10;
      }
      const cm = await assertRaises(ExceptionGroup, () => asyncio.createTask(runner));
      expect(errorTypes(cm)).toEqual(new Set([ZeroDivisionError]));
      expect(NUM).toBe(0);
      expect(t2Cancel).toBe(true);
      expect(t2.cancelled()).toBe(true);
    }));

  it("test_cancel_children_on_child_error", () =>
    run(async () => {
      let NUM = 0;
      let t2Cancel = false;
      let runnerCancel = false;
      async function foo1(): Promise<void> {
        await sleep(0.1);
        throw new ZeroDivisionError();
      }
      async function foo2(): Promise<void> {
        try {
          await sleep(5);
        } catch (error) {
          if (error instanceof asyncio.CancelledError) t2Cancel = true;
          throw error;
        }
        NUM += 1;
      }
      async function runner(): Promise<void> {
        await new TaskGroup().run(async (g) => {
          g.createTask(foo1);
          g.createTask(foo1);
          g.createTask(foo1);
          g.createTask(foo2);
          try {
            await sleep(10);
          } catch (error) {
            if (error instanceof asyncio.CancelledError) runnerCancel = true;
            throw error;
          }
        });
        NUM += 10;
      }
      const cm = await assertRaises(ExceptionGroup, () => asyncio.createTask(runner));
      expect(errorTypes(cm)).toEqual(new Set([ZeroDivisionError]));
      // On a virtual clock the three foo1 fail in the same iteration: all three are reported.
      expect(cm.exceptions.length).toBe(3);
      expect(NUM).toBe(0);
      expect(t2Cancel).toBe(true);
      expect(runnerCancel).toBe(true);
    }));

  it("test_cancellation", () =>
    run(async () => {
      let NUM = 0;
      async function foo(): Promise<void> {
        try {
          await sleep(5);
        } catch (error) {
          if (error instanceof asyncio.CancelledError) NUM += 1;
          throw error;
        }
      }
      async function runner(): Promise<void> {
        await new TaskGroup().run(async (g) => {
          for (let i = 0; i < 5; i++) g.createTask(foo);
        });
      }
      const r = asyncio.createTask(runner);
      await sleep(0.1);
      expect(r.done()).toBe(false);
      r.cancel();
      await assertRaises(asyncio.CancelledError, () => r);
      expect(NUM).toBe(5);
    }));

  it("test_taskgroup_07", () =>
    run(async () => {
      let NUM = 0;
      async function foo(): Promise<void> {
        try {
          await sleep(5);
        } catch (error) {
          if (error instanceof asyncio.CancelledError) NUM += 1;
          throw error;
        }
      }
      async function runner(): Promise<void> {
        await new TaskGroup().run(async (g) => {
          for (let i = 0; i < 5; i++) g.createTask(foo);
          try {
            await sleep(10);
          } catch (error) {
            if (error instanceof asyncio.CancelledError) NUM += 10;
            throw error;
          }
        });
      }
      const r = asyncio.createTask(runner);
      await sleep(0.1);
      expect(r.done()).toBe(false);
      r.cancel();
      await assertRaises(asyncio.CancelledError, () => r);
      expect(NUM).toBe(15);
    }));

  it("test_taskgroup_08", () =>
    run(async () => {
      async function foo(): Promise<void> {
        try {
          await sleep(10);
        } finally {
           
          throw new ZeroDivisionError();
        }
      }
      async function runner(): Promise<void> {
        await new TaskGroup().run(async (g) => {
          for (let i = 0; i < 5; i++) g.createTask(foo);
          await sleep(10);
        });
      }
      const r = asyncio.createTask(runner);
      await sleep(0.1);
      expect(r.done()).toBe(false);
      r.cancel();
      const cm = await assertRaises(ExceptionGroup, () => r);
      expect(errorTypes(cm)).toEqual(new Set([ZeroDivisionError]));
    }));

  it("test_taskgroup_09", () =>
    run(async () => {
      let t1!: asyncio.Task<number>;
      let t2!: asyncio.Task<number>;
      const foo1 = async (): Promise<number> => (await sleep(1), 42);
      const foo2 = async (): Promise<number> => (await sleep(2), 11);
      async function runner(): Promise<void> {
        await new TaskGroup().run(async (g) => {
          t1 = g.createTask(foo1);
          t2 = g.createTask(foo2);
          await sleep(0.1);
          throw new ZeroDivisionError();
        });
      }
      const t = await assertRaises(ExceptionGroup, runner);
      expect(errorTypes(t)).toEqual(new Set([ZeroDivisionError]));
      expect(t1.cancelled()).toBe(true);
      expect(t2.cancelled()).toBe(true);
    }));

  it("test_taskgroup_10", () =>
    run(async () => {
      let t1!: asyncio.Task<number>;
      let t2!: asyncio.Task<number>;
      const foo1 = async (): Promise<number> => (await sleep(1), 42);
      const foo2 = async (): Promise<number> => (await sleep(2), 11);
      async function runner(): Promise<void> {
        await new TaskGroup().run(async (g) => {
          t1 = g.createTask(foo1);
          t2 = g.createTask(foo2);
          throw new ZeroDivisionError();
        });
      }
      const t = await assertRaises(ExceptionGroup, runner);
      expect(errorTypes(t)).toEqual(new Set([ZeroDivisionError]));
      expect(t1.cancelled()).toBe(true);
      expect(t2.cancelled()).toBe(true);
    }));

  it("test_taskgroup_11", () =>
    run(async () => {
      async function foo(): Promise<void> {
        try {
          await sleep(10);
        } finally {
           
          throw new ZeroDivisionError();
        }
      }
      async function runner(): Promise<void> {
        await new TaskGroup().run(async () => {
          await new TaskGroup().run(async (g2) => {
            for (let i = 0; i < 5; i++) g2.createTask(foo);
            await sleep(10);
          });
        });
      }
      const r = asyncio.createTask(runner);
      await sleep(0.1);
      expect(r.done()).toBe(false);
      r.cancel();
      const cm = await assertRaises(ExceptionGroup, () => r);
      expect(errorTypes(cm)).toEqual(new Set([ExceptionGroup]));
      expect(errorTypes(cm.exceptions[0] as ExceptionGroup)).toEqual(new Set([ZeroDivisionError]));
    }));

  it("test_taskgroup_12", () =>
    run(async () => {
      async function foo(): Promise<void> {
        try {
          await sleep(10);
        } finally {
           
          throw new ZeroDivisionError();
        }
      }
      async function runner(): Promise<void> {
        await new TaskGroup().run(async (g1) => {
          g1.createTask(() => sleep(10));
          await new TaskGroup().run(async (g2) => {
            for (let i = 0; i < 5; i++) g2.createTask(foo);
            await sleep(10);
          });
        });
      }
      const r = asyncio.createTask(runner);
      await sleep(0.1);
      expect(r.done()).toBe(false);
      r.cancel();
      const cm = await assertRaises(ExceptionGroup, () => r);
      expect(errorTypes(cm)).toEqual(new Set([ExceptionGroup]));
      expect(errorTypes(cm.exceptions[0] as ExceptionGroup)).toEqual(new Set([ZeroDivisionError]));
    }));

  it("test_taskgroup_13", () =>
    run(async () => {
      async function crashAfter(t: number): Promise<void> {
        await sleep(t);
        throw new ValueError(String(t));
      }
      async function runner(): Promise<void> {
        await new TaskGroup().run(async (g1) => {
          g1.createTask(() => crashAfter(0.1));
          await new TaskGroup().run(async (g2) => {
            g2.createTask(() => crashAfter(10));
          });
        });
      }
      const r = asyncio.createTask(runner);
      const cm = await assertRaises(ExceptionGroup, () => r);
      expect(errorTypes(cm)).toEqual(new Set([ValueError]));
    }));

  it("test_taskgroup_14", () =>
    run(async () => {
      async function crashAfter(t: number): Promise<void> {
        await sleep(t);
        throw new ValueError(String(t));
      }
      async function runner(): Promise<void> {
        await new TaskGroup().run(async (g1) => {
          g1.createTask(() => crashAfter(10));
          await new TaskGroup().run(async (g2) => {
            g2.createTask(() => crashAfter(0.1));
          });
        });
      }
      const r = asyncio.createTask(runner);
      const cm = await assertRaises(ExceptionGroup, () => r);
      expect(errorTypes(cm)).toEqual(new Set([ExceptionGroup]));
      expect(errorTypes(cm.exceptions[0] as ExceptionGroup)).toEqual(new Set([ValueError]));
    }));

  it("test_taskgroup_15", () =>
    run(async () => {
      async function crashSoon(): Promise<void> {
        await sleep(0.3);
        throw new ZeroDivisionError();
      }
      async function runner(): Promise<void> {
        await new TaskGroup().run(async (g1) => {
          g1.createTask(crashSoon);
          try {
            await sleep(10);
          } catch (error) {
            if (error instanceof asyncio.CancelledError) await sleep(0.5);
            throw error;
          }
        });
      }
      const r = asyncio.createTask(runner);
      await sleep(0.1);
      expect(r.done()).toBe(false);
      r.cancel();
      const cm = await assertRaises(ExceptionGroup, () => r);
      expect(errorTypes(cm)).toEqual(new Set([ZeroDivisionError]));
    }));

  it("test_taskgroup_16", () =>
    run(async () => {
      async function crashSoon(): Promise<void> {
        await sleep(0.3);
        throw new ZeroDivisionError();
      }
      async function nestedRunner(): Promise<void> {
        await new TaskGroup().run(async (g1) => {
          g1.createTask(crashSoon);
          try {
            await sleep(10);
          } catch (error) {
            if (error instanceof asyncio.CancelledError) await sleep(0.5);
            throw error;
          }
        });
      }
      async function runner(): Promise<void> {
        const t = asyncio.createTask(nestedRunner);
        await t;
      }
      const r = asyncio.createTask(runner);
      await sleep(0.1);
      expect(r.done()).toBe(false);
      r.cancel();
      const cm = await assertRaises(ExceptionGroup, () => r);
      expect(errorTypes(cm)).toEqual(new Set([ZeroDivisionError]));
    }));

  it("test_taskgroup_17", () =>
    run(async () => {
      let NUM = 0;
      async function runner(): Promise<void> {
        await new TaskGroup().run(async () => {
          try {
            await sleep(10);
          } catch (error) {
            if (error instanceof asyncio.CancelledError) NUM += 10;
            throw error;
          }
        });
      }
      const r = asyncio.createTask(runner);
      await sleep(0.1);
      expect(r.done()).toBe(false);
      r.cancel();
      await assertRaises(asyncio.CancelledError, () => r);
      expect(NUM).toBe(10);
    }));

  it("test_taskgroup_18", () =>
    run(async () => {
      let NUM = 0;
      async function runner(): Promise<void> {
        await new TaskGroup().run(async () => {
          try {
            await sleep(10);
          } catch (error) {
            if (!(error instanceof asyncio.CancelledError)) throw error;
            NUM += 10;
            // This isn't a good idea, but we have to support this weird case.
            throw new MyExc();
          }
        });
      }
      const r = asyncio.createTask(runner);
      await sleep(0.1);
      expect(r.done()).toBe(false);
      r.cancel();
      const t = await assertRaises(ExceptionGroup, () => r);
      expect(errorTypes(t)).toEqual(new Set([MyExc]));
      expect(NUM).toBe(10);
    }));

  it("test_taskgroup_19", () =>
    run(async () => {
      async function crashSoon(): Promise<void> {
        await sleep(0.1);
        throw new ZeroDivisionError();
      }
      async function nested(): Promise<void> {
        try {
          await sleep(10);
        } finally {
           
          throw new MyExc();
        }
      }
      async function runner(): Promise<void> {
        await new TaskGroup().run(async (g) => {
          g.createTask(crashSoon);
          await nested();
        });
      }
      const r = asyncio.createTask(runner);
      const t = await assertRaises(ExceptionGroup, () => r);
      expect(errorTypes(t)).toEqual(new Set([MyExc, ZeroDivisionError]));
    }));

  it("test_taskgroup_20a", () =>
    run(async () => {
      // MyBaseExc is a BaseException in Python (the group is a BaseExceptionGroup there).
      async function crashSoon(): Promise<void> {
        await sleep(0.1);
        throw new ZeroDivisionError();
      }
      async function nested(): Promise<void> {
        try {
          await sleep(10);
        } finally {
           
          throw new MyBaseExc();
        }
      }
      async function runner(): Promise<void> {
        await new TaskGroup().run(async (g) => {
          g.createTask(crashSoon);
          await nested();
        });
      }
      const cm = await assertRaises(ExceptionGroup, runner);
      expect(errorTypes(cm)).toEqual(new Set([MyBaseExc, ZeroDivisionError]));
    }));

  it("test_taskgroup_21a", () =>
    run(async () => {
      // MyBaseExc is a BaseException in Python (the group is a BaseExceptionGroup there).
      async function crashSoon(): Promise<void> {
        await sleep(0.1);
        throw new MyBaseExc();
      }
      async function nested(): Promise<void> {
        try {
          await sleep(10);
        } finally {
           
          throw new TypeError();
        }
      }
      async function runner(): Promise<void> {
        await new TaskGroup().run(async (g) => {
          g.createTask(crashSoon);
          await nested();
        });
      }
      const cm = await assertRaises(ExceptionGroup, runner);
      expect(errorTypes(cm)).toEqual(new Set([MyBaseExc, TypeError]));
    }));

  it("test_taskgroup_22", () =>
    run(async () => {
      const foo1 = async (): Promise<number> => (await sleep(1), 42);
      const foo2 = async (): Promise<number> => (await sleep(2), 11);
      async function runner(): Promise<void> {
        await new TaskGroup().run(async (g) => {
          g.createTask(foo1);
          g.createTask(foo2);
        });
      }
      const r = asyncio.createTask(runner);
      await sleep(0.05);
      r.cancel();
      await assertRaises(asyncio.CancelledError, () => r);
    }));

  it("test_taskgroup_23", () =>
    run(async () => {
      const doJob = (delay: number): Promise<undefined> => sleep(delay);
      await new TaskGroup().run(async (g) => {
        for (let count = 0; count < 10; count++) {
          await sleep(0.1);
          g.createTask(() => doJob(0.3));
          if (count === 5) expect(g._tasks.size).toBeLessThan(5);
        }
        await sleep(1.35);
        expect(g._tasks.size).toBe(0);
      });
    }));

  it("test_taskgroup_24", () =>
    run(async () => {
      async function root(g: TaskGroup): Promise<void> {
        await sleep(0.1);
        g.createTask(() => coro1(0.1));
        g.createTask(() => coro1(0.2));
      }
      async function coro1(delay: number): Promise<void> {
        await sleep(delay);
      }
      await new TaskGroup().run(async (g) => {
        g.createTask(() => root(g));
      });
    }));

  it("test_taskgroup_25", () =>
    run(async () => {
      let nhydras = 0;
      async function hydra(g: TaskGroup): Promise<void> {
        nhydras += 1;
        await sleep(0.01);
        g.createTask(() => hydra(g));
        g.createTask(() => hydra(g));
      }
      async function hercules(): Promise<void> {
        while (nhydras < 10) await sleep(0.015);
        throw new ZeroDivisionError();
      }
      const cm = await assertRaises(ExceptionGroup, () =>
        new TaskGroup().run(async (g) => {
          g.createTask(() => hydra(g));
          g.createTask(hercules);
        }),
      );
      expect(errorTypes(cm)).toEqual(new Set([ZeroDivisionError]));
      expect(nhydras).toBeGreaterThanOrEqual(10);
    }));

  it("test_taskgroup_task_name", () =>
    run(async () => {
      await new TaskGroup().run(async (g) => {
        const t = g.createTask(() => sleep(0), { name: "yolo" });
        expect(t.getName()).toBe("yolo");
      });
    }));

  it("test_taskgroup_task_context", () =>
    run(async () => {
      const cvar = new ContextVar<number>("cvar");
      async function coro(val: number): Promise<void> {
        await sleep(0);
        cvar.set(val);
      }
      await new TaskGroup().run(async (g) => {
        const ctx = copyContext();
        expect(ctx.get(cvar)).toBeUndefined();
        const t1 = g.createTask(() => coro(1), { context: ctx });
        await t1;
        expect(ctx.get(cvar)).toBe(1);
        const t2 = g.createTask(() => coro(2), { context: ctx });
        await t2;
        expect(ctx.get(cvar)).toBe(2);
      });
    }));

  it("test_taskgroup_no_create_task_after_failure", () =>
    run(async () => {
      async function coro1(): Promise<void> {
        await sleep(0.001);
        throw new ZeroDivisionError();
      }
      async function coro2(g: TaskGroup): Promise<void> {
        try {
          await sleep(1);
        } catch (error) {
          if (!(error instanceof asyncio.CancelledError)) throw error;
          await assertRaises(RuntimeError, () => g.createTask(coro1));
        }
      }
      const cm = await assertRaises(ExceptionGroup, () =>
        new TaskGroup().run(async (g) => {
          g.createTask(coro1);
          g.createTask(() => coro2(g));
        }),
      );
      expect(errorTypes(cm)).toEqual(new Set([ZeroDivisionError]));
    }));

  it("test_taskgroup_context_manager_exit_raises", () =>
    run(async () => {
      // See https://github.com/python/cpython/issues/95289; the async context manager
      // `database()` whose exit raises becomes a try/finally.
      class CustomException extends Error {}
      async function raiseExc(): Promise<void> {
        throw new CustomException();
      }
      async function main(): Promise<void> {
        const task = asyncio.currentTask()!;
        const err = await exceptStar(CustomException, () =>
          new TaskGroup().run(async (tg) => {
            try {
              tg.createTask(raiseExc);
              await sleep(1);
            } finally {
               
              throw new CustomException();
            }
          }),
        );
        if (err === undefined) throw new Error("CustomException not raised");
        expect(task.cancelling()).toBe(0);
        expect(err.exceptions.length).toBe(2);
      }
      await asyncio.createTask(main);
    }));

  it("test_taskgroup_already_entered", () =>
    run(async () => {
      const tg = new TaskGroup();
      await tg.run(async () => {
        await assertRaisesRegex(RuntimeError, /has already been entered/, () => tg.run(async () => {}));
      });
    }));

  it("test_taskgroup_double_enter", () =>
    run(async () => {
      const tg = new TaskGroup();
      await tg.run(async () => {});
      await assertRaisesRegex(RuntimeError, /has already been entered/, () => tg.run(async () => {}));
    }));

  it("test_taskgroup_finished", () =>
    run(async () => {
      // Python also checks that the refused coroutine was closed; a function is never called.
      let called = false;
      const tg = new TaskGroup();
      await tg.run(async () => {});
      await assertRaisesRegex(RuntimeError, /is finished/, () => tg.createTask(async () => void (called = true)));
      await sleep(0);
      expect(called).toBe(false);
    }));

  it("test_taskgroup_not_entered", () =>
    run(async () => {
      const tg = new TaskGroup();
      await assertRaisesRegex(RuntimeError, /has not been entered/, () => tg.createTask(() => sleep(0)));
    }));

  it("test_taskgroup_without_parent_task", () =>
    run(async () => {
      const tg = new TaskGroup();
      // await_without_task: aenter() from a plain loop callback.
      const loop = asyncio.getRunningLoop();
      const outcome = loop.createFuture<unknown>();
      loop.callSoon(() => {
        tg.aenter().then(
          () => outcome.setResult(null),
          (error: unknown) => outcome.setResult(error),
        );
      });
      const error = await outcome;
      expect(error).toBeInstanceOf(RuntimeError);
      expect((error as Error).message).toMatch(/parent task/);
      await assertRaisesRegex(RuntimeError, /has not been entered/, () => tg.createTask(() => sleep(0)));
    }));

  it("test_coro_closed_when_tg_closed", () =>
    run(async () => {
      const tg = new TaskGroup();
      await tg.run(async () => {});
      await assertRaisesRegex(RuntimeError, /is finished/, () => tg.createTask(() => sleep(0)));
    }));

  it("test_cancelling_level_preserved", () =>
    run(async () => {
      async function raiseAfter(t: number, e: new () => Error): Promise<void> {
        await sleep(t);
        throw new e();
      }
      await exceptStar(RuntimeError, () =>
        new TaskGroup().run(async (tg) => {
          tg.createTask(() => raiseAfter(0.0, RuntimeError));
        }),
      );
      expect(asyncio.currentTask()!.cancelling()).toBe(0);
    }));

  it("test_nested_groups_both_cancelled", () =>
    run(async () => {
      async function raiseAfter(t: number, e: new () => Error): Promise<void> {
        await sleep(t);
        throw new e();
      }
      const outer = await exceptStar(ValueError, () =>
        new TaskGroup().run(async (outerTg) => {
          const inner = await exceptStar(RuntimeError, () =>
            new TaskGroup().run(async (innerTg) => {
              innerTg.createTask(() => raiseAfter(0, RuntimeError));
              outerTg.createTask(() => raiseAfter(0, ValueError));
            }),
          );
          if (inner === undefined) throw new Error("RuntimeError not raised");
          expect(asyncio.currentTask()!.cancelling()).toBe(1);
        }),
      );
      if (outer === undefined) throw new Error("ValueError not raised");
      expect(asyncio.currentTask()!.cancelling()).toBe(0);
    }));

  it("test_error_and_cancel", () =>
    run(async () => {
      // asyncio.Event is replaced by a Future set once (same wake-up).
      const event = asyncio.getRunningLoop().createFuture<undefined>();
      async function raiseError(): Promise<void> {
        event.setResult(undefined);
        await sleep(0);
        throw new RuntimeError();
      }
      async function inner(): Promise<void> {
        const caught = await exceptStar(RuntimeError, () =>
          new TaskGroup().run(async (tg) => {
            tg.createTask(raiseError);
            await sleep(1);
            throw new Error("Sleep in group should have been cancelled");
          }),
        );
        if (caught !== undefined) expect(asyncio.currentTask()!.cancelling()).toBe(1);
        expect(asyncio.currentTask()!.cancelling()).toBe(1);
        await sleep(1);
        throw new Error("Sleep after group should have been cancelled");
      }
      async function outer(): Promise<void> {
        const t = asyncio.createTask(inner);
        await event;
        expect(t.cancelling()).toBe(0);
        t.cancel();
        expect(t.cancelling()).toBe(1);
        await assertRaises(asyncio.CancelledError, () => t);
        expect(t.cancelled()).toBe(true);
      }
      await outer();
    }));

  it("test_exception_refcycles_propagate_cancellation_error", () =>
    run(async () => {
      // Only the observable part: the TimeoutError's cause is the CancelledError (the
      // reference-cycle checks need Python's gc).
      const tg = new TaskGroup();
      const e = await assertRaises(asyncio.TimeoutError, () => timeout(-1, () => tg.run(() => sleep(0))));
      expect(e.cause).toBeInstanceOf(asyncio.CancelledError);
    }));

  it("test_name", () =>
    run(async () => {
      let name: string | undefined;
      await new TaskGroup().run(async (tg) => {
        tg.createTask(
          async () => {
            name = asyncio.currentTask()!.getName();
          },
          { name: "example name" },
        );
      });
      expect(name).toBe("example name");
    }));

  it("test_cancels_task_if_created_during_creation", () =>
    run(async () => {
      // regression test for gh-128550
      let ran = false;
      class MyError extends Error {}
      let exc: unknown;
      const excs = await exceptStar(MyError, () =>
        new TaskGroup().run(async (tg) => {
          async function thirdTask(): Promise<void> {
            throw new MyError("third task failed");
          }
          async function secondTask(): Promise<void> {
            tg.createTask(thirdTask);
            await assertRaises(asyncio.CancelledError, async () => {
              await sleep(0); // eager tasks cancel here
              await sleep(0); // lazy tasks cancel here
            });
            ran = true;
          }
          tg.createTask(secondTask);
        }),
      );
      if (excs !== undefined) exc = excs.exceptions[0];
      expect(ran).toBe(true);
      expect(exc).toBeInstanceOf(MyError);
    }));

  it("test_cancellation_does_not_leak_out_of_tg", () =>
    run(async () => {
      class MyError extends Error {}
      async function throwError(): Promise<void> {
        throw new MyError();
      }
      const caught = await exceptStar(MyError, () =>
        new TaskGroup().run(async (tg) => {
          tg.createTask(throwError);
        }),
      );
      if (caught === undefined) throw new Error("should have raised one MyError in group");
      // If this test fails, the current task is cancelled here.
      await sleep(0);
    }));
});
