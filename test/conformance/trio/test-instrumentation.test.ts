// Ported from python-trio/trio src/trio/_core/_tests/test_instrumentation.py
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import * as trio from "../../../src/trio/index.js";
import { KeyError, ValueError } from "../../../src/errors/builtins.js";

const { ExceptionGroup } = trio;
const { currentTask } = trio.lowlevel;
type Task = trio.lowlevel.Task;
type Instrument = trio.lowlevel.Instrument;

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

/**
 * Trio's check_sequence_matches: `seq` is made of the items of `template` in order, where a
 * Set stands for its members in any order (items compared by their string form).
 */
function checkSequenceMatches(seq: unknown[], template: unknown[]): void {
  const key = (x: unknown): string => JSON.stringify(x);
  let i = 0;
  for (const pattern of template) {
    if (pattern instanceof Set) {
      const got = seq.slice(i, i + pattern.size).map(key).sort();
      expect(got).toEqual([...pattern].map(key).sort());
      i += pattern.size;
    } else {
      expect(key(seq[i])).toBe(key(pattern));
      i++;
    }
  }
  expect(seq.length).toBe(i);
}

function tryCurrentTask(): Task | undefined {
  try {
    return currentTask();
  } catch {
    return undefined;
  }
}

type Entry = [string, Task | null];

/** Trio's TaskRecorder. Its task-step hooks also check that they run in the task's context. */
class TaskRecorder implements Instrument {
  record: Entry[] = [];
  /** Steps whose hook did not run with the stepping task as the current task. */
  outOfContext: string[] = [];

  beforeRun(): void {
    this.record.push(["before_run", null]);
  }

  taskScheduled(task: Task): void {
    this.record.push(["schedule", task]);
  }

  beforeTaskStep(task: Task): void {
    if (tryCurrentTask() !== task) this.outOfContext.push(`before ${task.name}`);
    this.record.push(["before", task]);
  }

  afterTaskStep(task: Task): void {
    if (tryCurrentTask() !== task) this.outOfContext.push(`after ${task.name}`);
    this.record.push(["after", task]);
  }

  afterRun(): void {
    this.record.push(["after_run", null]);
  }

  *filterTasks(tasks: Task[]): Generator<[string, string | null]> {
    for (const [what, task] of this.record) {
      if (["schedule", "before", "after"].includes(what) && tasks.includes(task!)) yield [what, task!.name];
      if (what === "before_run" || what === "after_run") yield [what, null];
    }
  }
}

describe("test_instrumentation.py", () => {
  it("test_instruments", async () => {
    const r1 = new TaskRecorder();
    const r2 = new TaskRecorder();
    const r3 = new TaskRecorder();
    let task: Task | undefined;

    // A child task, because the main task does extra bookkeeping that would show up.
    const taskFn = async (): Promise<void> => {
      task = currentTask();
      for (let i = 0; i < 4; i++) await trio.checkpoint();
      // replace r2 with r3, to check that instruments can change as we go
      trio.lowlevel.removeInstrument(r2);
      await raises(KeyError, () => trio.lowlevel.removeInstrument(r2));
      // adding is idempotent
      trio.lowlevel.addInstrument(r3);
      trio.lowlevel.addInstrument(r3);
      for (let i = 0; i < 1; i++) await trio.checkpoint();
    };
    await trio.run({ instruments: [r1, r2] }, async () => {
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(taskFn);
      });
    });

    // The task sleeps 5 times, so it runs 6 times. checkpoint() reschedules the task
    // as it yields, before after_task_step fires.
    const name = task!.name;
    const expected = [
      ["before_run", null],
      ["schedule", name],
      ...Array.from({ length: 5 }, () => [
        ["before", name],
        ["schedule", name],
        ["after", name],
      ]).flat(),
      ["before", name],
      ["after", name],
      ["after_run", null],
    ];
    // same entries, same task objects
    const both = [...r2.record, ...r3.record];
    expect(r1.record.length).toBe(both.length);
    expect(r1.record.every(([what, t], i) => what === both[i][0] && t === both[i][1])).toBe(true);
    expect([...r1.filterTasks([task!])]).toEqual(expected);
    expect(r1.outOfContext).toEqual([]);
  });

  it("test_instruments_interleave", async () => {
    const tasks: Record<string, Task> = {};
    const twoStep1 = async (): Promise<void> => {
      tasks.t1 = currentTask();
      await trio.checkpoint();
    };
    const twoStep2 = async (): Promise<void> => {
      tasks.t2 = currentTask();
      await trio.checkpoint();
    };
    const r = new TaskRecorder();
    await trio.run({ instruments: [r] }, async () => {
      await trio.openNursery(async (nursery) => {
        nursery.startSoon({ name: "t1" }, twoStep1);
        nursery.startSoon({ name: "t2" }, twoStep2);
      });
    });
    const expected = [
      ["before_run", null],
      ["schedule", "t1"],
      ["schedule", "t2"],
      new Set([
        ["before", "t1"],
        ["schedule", "t1"],
        ["after", "t1"],
        ["before", "t2"],
        ["schedule", "t2"],
        ["after", "t2"],
      ]),
      new Set([
        ["before", "t1"],
        ["after", "t1"],
        ["before", "t2"],
        ["after", "t2"],
      ]),
      ["after_run", null],
    ];
    checkSequenceMatches([...r.filterTasks(Object.values(tasks))], expected);
  });

  it("test_null_instrument", async () => {
    // hooks an instrument does not define are skipped
    class NullInstrument {
      somethingUnrelated(): void {}
    }
    await trio.run({ instruments: [new NullInstrument() as Instrument] }, async () => {
      await trio.checkpoint();
    });
  });

  it("test_instrument_before_after_run", async () => {
    const record: string[] = [];
    const beforeAfterRun: Instrument = {
      beforeRun: () => record.push("before_run"),
      afterRun: () => record.push("after_run"),
    };
    await trio.run({ instruments: [beforeAfterRun] }, async () => {});
    expect(record).toEqual(["before_run", "after_run"]);
  });

  it("test_instrument_task_spawn_exit", async () => {
    const record: [string, Task][] = [];
    const spawnExitRecorder: Instrument = {
      taskSpawned: (task) => record.push(["spawned", task]),
      taskExited: (task) => record.push(["exited", task]),
    };
    const mainTask = await trio.run({ instruments: [spawnExitRecorder] }, async () => currentTask());
    expect(record.some(([what, t]) => what === "spawned" && t === mainTask)).toBe(true);
    expect(record.some(([what, t]) => what === "exited" && t === mainTask)).toBe(true);
  });

  it("test_instruments_crash", async () => {
    // also a crash before the main task is even spawned, the hardest case
    const record: string[] = [];
    class BrokenInstrument implements Instrument {
      taskScheduled(_task: Task): void {
        record.push("scheduled");
        throw new ValueError("oops");
      }
      // must not be called: checks that the disabling logic works
      close(): void {
        record.push("closed");
      }
    }
    const r = new TaskRecorder();
    const mainTask = await trio.run({ instruments: [r, new BrokenInstrument()] }, async () => {
      record.push("main ran");
      return currentTask();
    });
    expect(record).toEqual(["scheduled", "main ran"]);
    // the recorder kept going after the broken instrument was disabled
    expect(r.record.some(([what, t]) => what === "after" && t === mainTask)).toBe(true);
    expect(r.record.some(([what]) => what === "after_run")).toBe(true);
    // and the failure was reported (Trio logs it; we emit a warning)
    expect(warnings.length).toBe(1);
    expect(String(warnings[0])).toContain("oops");
    expect(String(warnings[0])).toContain("Instrument has been disabled");
  });

  it("test_instruments_monkeypatch", async () => {
    // Trio also checks that a hook added to an installed instrument is not called until
    // the instrument is removed and added again; ours looks hooks up at each call.
    const instrument: Instrument = {};
    await trio.run({ instruments: [instrument] }, async () => {
      const record: Task[] = [];
      trio.lowlevel.removeInstrument(instrument);
      instrument.beforeTaskStep = (task) => record.push(task);
      // once removed and added again, the new hooks are picked up
      trio.lowlevel.addInstrument(instrument);
      await trio.checkpoint();
      await trio.checkpoint();
      expect(record.filter((t) => t === currentTask()).length).toBe(2);

      trio.lowlevel.removeInstrument(instrument);
      await trio.checkpoint();
      await trio.checkpoint();
      expect(record.filter((t) => t === currentTask()).length).toBe(2);
    });
  });

  it("test_instrument_that_raises_on_getattr", async () => {
    // Trio reads the hooks when the instrument is added, so a raising property makes
    // add_instrument raise. Ours reads a hook when it is due: the instrument is then
    // disabled with a warning, and none of its hooks runs again.
    const calls: string[] = [];
    const evil: Instrument = {
      get afterTaskStep(): () => void {
        throw new ValueError("oops");
      },
      taskExited: () => {
        calls.push("task_exited");
      },
    };
    await trio.run(async () => {
      trio.lowlevel.addInstrument(evil);
      await trio.checkpoint();
    });
    expect(calls).toEqual([]);
    expect(warnings.length).toBe(1);
    expect(String(warnings[0])).toContain("oops");
  });

  it("test_instrument_call_trio_context", async () => {
    // Trio's in_trio_run() / in_trio_task(): whether run-level and task-level functions work.
    const inTrioRun = (): boolean => {
      try {
        trio.lowlevel.currentStatistics();
        return true;
      } catch {
        return false;
      }
    };
    const inTrioTask = (): boolean => tryCurrentTask() !== undefined;
    const hooks: Record<string, [boolean, boolean | null]> = {
      // not run in a task's context
      afterIoWait: [true, false],
      beforeIoWait: [true, false],
      beforeRun: [true, false],
      afterRun: [true, false],
      // run in the task's context
      beforeTaskStep: [true, true],
      afterTaskStep: [true, true],
      taskExited: [true, true],
      // depends
      taskScheduled: [true, null],
      taskSpawned: [true, null],
    };
    const called = new Set<string>();
    const failures: string[] = [];
    const instrument: Record<string, () => void> = {};
    for (const [hook, [run, task]] of Object.entries(hooks)) {
      instrument[hook] = () => {
        if (inTrioRun() !== run) failures.push(`${hook}: inTrioRun`);
        if (task !== null && inTrioTask() !== task) failures.push(`${hook}: inTrioTask`);
        called.add(hook);
      };
    }
    await trio.run({ instruments: [instrument as Instrument] }, async () => {
      await trio.checkpoint();
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(trio.lowlevel.checkpoint);
      });
    });
    expect(called).toEqual(new Set(Object.keys(hooks)));
    expect([...new Set(failures)]).toEqual([]);
  });
});
