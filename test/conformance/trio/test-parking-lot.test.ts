// Ported from python-trio/trio src/trio/_core/_tests/test_parking_lot.py
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import * as trio from "../../../src/trio/index.js";
import { RuntimeError, ValueError } from "../../../src/errors/builtins.js";

const { BrokenResourceError, Cancelled, CancelScope, ExceptionGroup } = trio;
const { ParkingLot, addParkingLotBreaker, removeParkingLotBreaker, currentTask } = trio.lowlevel;
const { waitAllTasksBlocked } = trio.testing;
type ParkingLot = trio.lowlevel.ParkingLot;
type Task = trio.lowlevel.Task;
type CancelScope = trio.CancelScope;

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
 * Set stands for its members in any order.
 */
function checkSequenceMatches<T>(seq: T[], template: (T | Set<T>)[]): void {
  let i = 0;
  for (const pattern of template) {
    if (pattern instanceof Set) {
      const got = new Set(seq.slice(i, i + pattern.size));
      expect(got).toEqual(pattern);
      i += pattern.size;
    } else {
      expect(seq[i]).toEqual(pattern);
      i++;
    }
  }
  expect(seq.length).toBe(i);
}

async function cancellableWaiter<K>(name: K, lot: ParkingLot, scopes: Map<K, CancelScope>, record: string[]): Promise<void> {
  await new CancelScope().run(async (scope) => {
    scopes.set(name, scope);
    record.push(`sleep ${String(name)}`);
    try {
      await lot.park();
    } catch (e) {
      if (!(e instanceof Cancelled)) throw e;
      record.push(`cancelled ${String(name)}`);
      return;
    }
    record.push(`wake ${String(name)}`);
  });
}

async function dummyTask(taskStatus: trio.TaskStatus<Task>): Promise<void> {
  taskStatus.started(currentTask());
  await trio.sleepForever();
}

describe("test_parking_lot.py", () => {
  it("test_parking_lot_basic", async () => {
    let record: string[] = [];
    const waiter = async (i: number, lot: ParkingLot): Promise<void> => {
      record.push(`sleep ${i}`);
      await lot.park();
      record.push(`wake ${i}`);
    };
    await trio.run(async () => {
      const lot = new ParkingLot();
      await trio.openNursery(async (nursery) => {
        expect(lot.size).toBe(0);
        expect(lot.statistics().tasksWaiting).toBe(0);
        for (let i = 0; i < 3; i++) nursery.startSoon(waiter, i, lot);
        await waitAllTasksBlocked();
        expect(record.length).toBe(3);
        expect(lot.size).toBe(3);
        expect(lot.statistics().tasksWaiting).toBe(3);
        lot.unparkAll();
        expect(lot.statistics().tasksWaiting).toBe(0);
        await waitAllTasksBlocked();
        expect(record.length).toBe(6);
      });
      checkSequenceMatches(record, [new Set(["sleep 0", "sleep 1", "sleep 2"]), new Set(["wake 0", "wake 1", "wake 2"])]);

      await trio.openNursery(async (nursery) => {
        record = [];
        for (let i = 0; i < 3; i++) {
          nursery.startSoon(waiter, i, lot);
          await waitAllTasksBlocked();
        }
        expect(record.length).toBe(3);
        for (let i = 0; i < 3; i++) {
          lot.unpark();
          await waitAllTasksBlocked();
        }
        // one-by-one wakeups are strictly FIFO
        expect(record).toEqual(["sleep 0", "sleep 1", "sleep 2", "wake 0", "wake 1", "wake 2"]);
      });

      // unparking with nothing parked is legal (and does nothing)
      lot.unpark();
      lot.unpark(1);
      lot.unpark(100);

      // unpark with a count
      await trio.openNursery(async (nursery) => {
        record = [];
        for (let i = 0; i < 3; i++) {
          nursery.startSoon(waiter, i, lot);
          await waitAllTasksBlocked();
        }
        lot.unpark(2);
        await waitAllTasksBlocked();
        checkSequenceMatches(record, ["sleep 0", "sleep 1", "sleep 2", new Set(["wake 0", "wake 1"])]);
        lot.unparkAll();
      });

      await raises(ValueError, () => lot.unpark(1.5), /^Cannot pop a non-integer number of tasks\.$/);
    });
  });

  it("test_parking_lot_cancel", async () => {
    const record: string[] = [];
    const scopes = new Map<number, CancelScope>();
    await trio.run(async () => {
      await trio.openNursery(async (nursery) => {
        const lot = new ParkingLot();
        nursery.startSoon(cancellableWaiter, 1, lot, scopes, record);
        await waitAllTasksBlocked();
        nursery.startSoon(cancellableWaiter, 2, lot, scopes, record);
        await waitAllTasksBlocked();
        nursery.startSoon(cancellableWaiter, 3, lot, scopes, record);
        await waitAllTasksBlocked();
        expect(record.length).toBe(3);

        scopes.get(2)!.cancel();
        await waitAllTasksBlocked();
        expect(record.length).toBe(4);
        lot.unparkAll();
        await waitAllTasksBlocked();
        expect(record.length).toBe(6);
      });
    });
    checkSequenceMatches(record, ["sleep 1", "sleep 2", "sleep 3", "cancelled 2", new Set(["wake 1", "wake 3"])]);
  });

  it("test_parking_lot_repark", async () => {
    const record: string[] = [];
    const scopes = new Map<number, CancelScope>();
    const lot1 = new ParkingLot();
    const lot2 = new ParkingLot();
    await raises(TypeError, () => lot1.repark([] as any));
    await trio.run(async () => {
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(cancellableWaiter, 1, lot1, scopes, record);
        await waitAllTasksBlocked();
        nursery.startSoon(cancellableWaiter, 2, lot1, scopes, record);
        await waitAllTasksBlocked();
        nursery.startSoon(cancellableWaiter, 3, lot1, scopes, record);
        await waitAllTasksBlocked();
        expect(record.length).toBe(3);

        expect(lot1.size).toBe(3);
        lot1.repark(lot2);
        expect(lot1.size).toBe(2);
        expect(lot2.size).toBe(1);
        lot2.unparkAll();
        await waitAllTasksBlocked();
        expect(record).toEqual(["sleep 1", "sleep 2", "sleep 3", "wake 1"]);

        lot1.reparkAll(lot2);
        expect(lot1.size).toBe(0);
        expect(lot2.size).toBe(2);

        scopes.get(2)!.cancel();
        await waitAllTasksBlocked();
        expect(lot2.size).toBe(1);
        expect(record).toEqual(["sleep 1", "sleep 2", "sleep 3", "wake 1", "cancelled 2"]);

        lot2.unparkAll();
        await waitAllTasksBlocked();
        expect(record).toEqual(["sleep 1", "sleep 2", "sleep 3", "wake 1", "cancelled 2", "wake 3"]);
      });
    });
  });

  it("test_parking_lot_repark_with_count", async () => {
    const record: string[] = [];
    const scopes = new Map<number, CancelScope>();
    const lot1 = new ParkingLot();
    const lot2 = new ParkingLot();
    await trio.run(async () => {
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(cancellableWaiter, 1, lot1, scopes, record);
        await waitAllTasksBlocked();
        nursery.startSoon(cancellableWaiter, 2, lot1, scopes, record);
        await waitAllTasksBlocked();
        nursery.startSoon(cancellableWaiter, 3, lot1, scopes, record);
        await waitAllTasksBlocked();
        expect(record.length).toBe(3);

        expect(lot1.size).toBe(3);
        expect(lot2.size).toBe(0);
        lot1.repark(lot2, 2);
        expect(lot1.size).toBe(1);
        expect(lot2.size).toBe(2);
        while (lot2.size > 0) {
          lot2.unpark();
          await waitAllTasksBlocked();
        }
        expect(record).toEqual(["sleep 1", "sleep 2", "sleep 3", "wake 1", "wake 2"]);
        lot1.unparkAll();
      });
    });
  });

  it("test_parking_lot_breaker_basic", async () => {
    await trio.run(async () => {
      const lot = new ParkingLot();
      const task = currentTask();
      // defaults to the current task
      lot.breakLot();
      expect(lot.brokenBy).toEqual([task]);
      // breaking again with the same task appends another copy
      lot.breakLot();
      expect(lot.brokenBy).toEqual([task, task]);
      // parking in a broken lot is an error
      const error = await raises(BrokenResourceError, () => lot.park(), /^Attempted to park in parking lot broken by /);
      expect(error.message.split(String(task)).length - 1).toBe(2);
    });
  });

  it("test_parking_lot_break_parking_tasks", async () => {
    // tasks parked in the lot get an error when the breaker exits
    const badParker = async (lot: ParkingLot, scope: CancelScope): Promise<void> => {
      addParkingLotBreaker(currentTask(), lot);
      await scope.run(() => trio.sleepForever());
    };
    await trio.run(async () => {
      const lot = new ParkingLot();
      const cs = new CancelScope();
      const eg = await raisesGroup(
        () =>
          trio.openNursery(async (nursery) => {
            nursery.startSoon(badParker, lot, cs);
            await waitAllTasksBlocked();
            nursery.startSoon(() => lot.park());
            await waitAllTasksBlocked();
            cs.cancel();
          }),
        BrokenResourceError,
      );
      expect((eg.exceptions[0] as Error).message).toMatch(/^Parking lot broken by/);
    });
  });

  it("test_parking_lot_breaker_registration", async () => {
    await trio.run(async () => {
      let lot = new ParkingLot();
      const task = currentTask();
      const notRegistered = /Attempted to remove task as breaker for a lot it is not registered for/;
      await raises(RuntimeError, () => removeParkingLotBreaker(task, lot), notRegistered);

      // a task can be registered several times for the same lot
      addParkingLotBreaker(task, lot);
      addParkingLotBreaker(task, lot);
      removeParkingLotBreaker(task, lot);
      removeParkingLotBreaker(task, lot);
      await raises(RuntimeError, () => removeParkingLotBreaker(task, lot), notRegistered);

      // registering a breaker on an already broken lot is fine
      lot.breakLot();
      let childTask: Task | undefined;
      await trio.openNursery(async (nursery) => {
        childTask = await nursery.start(dummyTask);
        expect(childTask).toBeInstanceOf(trio.lowlevel.Task);
        addParkingLotBreaker(childTask, lot);
        nursery.cancelScope.cancel();
      });
      expect(lot.brokenBy).toEqual([task, childTask]);

      // breaking a lot by hand with an exited task is fine
      lot = new ParkingLot();
      lot.breakLot(childTask);
      expect(lot.brokenBy).toEqual([childTask]);
    });
  });

  it("test_parking_lot_breaker_rebreak", async () => {
    await trio.run(async () => {
      const lot = new ParkingLot();
      const task = currentTask();
      lot.breakLot();
      // breaking a broken lot again with another task is allowed
      let childTask: Task | undefined;
      await trio.openNursery(async (nursery) => {
        childTask = await nursery.start(dummyTask);
        lot.breakLot(childTask);
        nursery.cancelScope.cancel();
      });
      expect(lot.brokenBy).toEqual([task, childTask]);
    });
  });

  it("test_parking_lot_multiple_breakers_exit", async () => {
    // several breakers registered, then they all exit
    await trio.run(async () => {
      const lot = new ParkingLot();
      const children: Task[] = [];
      await trio.openNursery(async (nursery) => {
        for (let i = 0; i < 3; i++) children.push(await nursery.start(dummyTask));
        for (const child of children) addParkingLotBreaker(child, lot);
        nursery.cancelScope.cancel();
      });
      expect(new Set(lot.brokenBy)).toEqual(new Set(children));
    });
  });

  it("test_parking_lot_breaker_register_exited_task", async () => {
    await trio.run(async () => {
      const lot = new ParkingLot();
      let childTask: Task | undefined;
      await trio.openNursery(async (nursery) => {
        childTask = await nursery.start(dummyTask);
        nursery.cancelScope.cancel();
      });
      // registering an exited task as a breaker is an error
      await raises(BrokenResourceError, () => addParkingLotBreaker(childTask!, lot), /^Attempted to add already exited task as lot breaker.$/);
    });
  });

  it("test_parking_lot_break_itself", async () => {
    // Breaking a lot in which the breaker itself is parked: weird, but supported.
    const returnMeAndPark = async (taskStatus: trio.TaskStatus<Task>, lot: ParkingLot): Promise<void> => {
      taskStatus.started(currentTask());
      await lot.park();
    };
    await trio.run(async () => {
      const lot = new ParkingLot();
      const eg = await raisesGroup(
        () =>
          trio.openNursery(async (nursery) => {
            const childTask = await nursery.start(returnMeAndPark, lot);
            lot.breakLot(childTask);
          }),
        BrokenResourceError,
      );
      expect((eg.exceptions[0] as Error).message).toMatch(/^Parking lot broken by/);
    });
  });
});
