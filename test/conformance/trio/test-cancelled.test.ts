// Ported from python-trio/trio src/trio/_core/_tests/test_cancelled.py
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import * as trio from "../../../src/trio/index.js";
import { ValueError } from "../../../src/errors/builtins.js";

const { Cancelled, CancelScope, ExceptionGroup } = trio;
const { waitAllTasksBlocked } = trio.testing;
type Task = trio.lowlevel.Task;

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

/** Python's repr quotes with '...', ours with "...": accept both. */
const q = (s: string): string => `["']${s}["']`;

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

const current = (): string => String(trio.lowlevel.currentTask());
const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/**
 * Trio's message for a nursery cancelled by a failing error. Python shows `ValueError()`;
 * the engine may show `ValueError("")`, JSON-escaped inside the quoted reason.
 */
const childRaised = (task: string): RegExp =>
  new RegExp(`^cancelled due to nursery with reason ${q(`child task raised exception ValueError\\((|""|\\\\"\\\\"|'')\\)`)} from task ${esc(task)}$`);
const blockRaised = (task: string): RegExp =>
  new RegExp(
    `^cancelled due to nursery with reason ${q(`Code block inside nursery contextmanager raised exception ValueError\\((|""|\\\\"\\\\"|'')\\)`)} from task ${esc(task)}$`,
  );

describe("test_cancelled.py", () => {
  it("test_Cancelled_init", async () => {
    await raises(TypeError, () => new (Cancelled as any)(), /Cancelled/);
    await raises(TypeError, () => new (Cancelled as any)("explicit"), /Cancelled/);
    // the private constructor works
    expect(Cancelled._create("explicit")).toBeInstanceOf(Cancelled);
  });

  it("test_Cancelled_str", async () => {
    await trio.run(async () => {
      expect(String(Cancelled._create("explicit").message)).toBe("cancelled due to explicit");
      expect(Cancelled._create("deadline", undefined, current()).message).toBe(`cancelled due to deadline from task ${current()}`);
      expect(Cancelled._create("nursery", "pigs flying", current()).message).toMatch(
        new RegExp(`^cancelled due to nursery with reason ${q("pigs flying")} from task ${esc(current())}$`),
      );
    });
  });

  it("test_cancel_reason", async () => {
    await trio.run(async () => {
      let error!: InstanceType<typeof Cancelled>;
      await new CancelScope().run(async (cs) => {
        cs.cancel("hello");
        error = await raises(
          Cancelled,
          () => trio.lowlevel.checkpoint(),
          new RegExp(`^cancelled due to explicit with reason ${q("hello")} from task ${esc(current())}$`),
        );
      });
      expect(error.source).toBe("explicit");
      expect(error.reason).toBe("hello");
      expect(error.sourceTask).toBe(current());

      await new CancelScope({ deadline: -Infinity }).run(async () => {
        await raises(Cancelled, () => trio.lowlevel.checkpoint(), /^cancelled due to deadline/);
      });

      await new CancelScope().run(async (cs) => {
        cs.deadline = -Infinity;
        await raises(Cancelled, () => trio.lowlevel.checkpoint(), /^cancelled due to deadline/);
      });
    });
  });

  /** Trio's module-level `cancelled_task`. */
  async function cancelledTask(taskStatus: trio.TaskStatus, failTask: Task): Promise<void> {
    taskStatus.started();
    await raises(Cancelled, () => trio.sleepForever(), childRaised(String(failTask)));
    throw new TypeError();
  }

  it("test_cancel_reason_nursery", async () => {
    // failing_task raises before cancelled_task is started
    const failingTask = async (taskStatus: trio.TaskStatus<Task>): Promise<void> => {
      taskStatus.started(trio.lowlevel.currentTask());
      throw new ValueError();
    };
    await trio.run(async () => {
      await raisesGroup(
        () =>
          trio.openNursery(async (nursery) => {
            const failTask = await nursery.start(failingTask);
            await raises(Cancelled, () => waitAllTasksBlocked(), childRaised(String(failTask)));
            await nursery.start(cancelledTask, failTask);
          }),
        ValueError,
        TypeError,
      );
    });
  });

  it("test_cancel_reason_nursery2", async () => {
    // both tasks are running before failing_task raises
    const failingTask = async (taskStatus: trio.TaskStatus<Task>): Promise<void> => {
      taskStatus.started(trio.lowlevel.currentTask());
      await waitAllTasksBlocked();
      throw new ValueError();
    };
    await trio.run(async () => {
      await raisesGroup(
        () =>
          trio.openNursery(async (nursery) => {
            const failTask = await nursery.start(failingTask);
            await nursery.start(cancelledTask, failTask);
          }),
        ValueError,
        TypeError,
      );
    });
  });

  it("test_cancel_reason_nursery3", async () => {
    // failing_task raises before calling taskStatus.started()
    const failingTask = async (_taskStatus: trio.TaskStatus): Promise<void> => {
      throw new ValueError();
    };
    await trio.run(async () => {
      const parentTask = current();
      // There is no way to tell that the nursery block failed because start() failed.
      const cancelledTask2 = async (): Promise<void> => {
        await raises(Cancelled, () => trio.sleepForever(), blockRaised(parentTask));
      };
      await raisesGroup(
        () =>
          trio.openNursery(async (nursery) => {
            nursery.startSoon(cancelledTask2);
            await waitAllTasksBlocked();
            await nursery.start(failingTask);
          }),
        ValueError,
      );
    });
  });

  it("test_cancel_reason_not_overwritten", async () => {
    await trio.run(async () => {
      await new CancelScope().run(async (cs) => {
        cs.cancel();
        const expected = new RegExp(`^cancelled due to explicit from task ${esc(current())}$`);
        await raises(Cancelled, () => trio.lowlevel.checkpoint(), expected);
        cs.deadline = -Infinity;
        await raises(Cancelled, () => trio.lowlevel.checkpoint(), expected);
      });
    });
  });

  it("test_cancel_reason_not_overwritten_2", async () => {
    await trio.run(async () => {
      await new CancelScope().run(async (cs) => {
        cs.deadline = -Infinity;
        await raises(Cancelled, () => trio.lowlevel.checkpoint(), /^cancelled due to deadline$/);
        cs.cancel();
        await raises(Cancelled, () => trio.lowlevel.checkpoint(), /^cancelled due to deadline$/);
      });
    });
  });

  it("test_nested_child_source", async () => {
    // Trio waits on a trio.Event set by the child; waitAllTasksBlocked does the same job here.
    await trio.run(async () => {
      const parentTask = current();
      let started = false;
      const child = async (): Promise<void> => {
        started = true;
        await raises(Cancelled, () => trio.sleepForever(), blockRaised(parentTask));
      };
      await raisesGroup(
        () =>
          trio.openNursery(async (nursery) => {
            nursery.startSoon(child);
            await waitAllTasksBlocked();
            expect(started).toBe(true);
            throw new ValueError();
          }),
        ValueError,
      );
    });
  });
});
