import { RuntimeError, ValueError } from "../errors/builtins.js";
import { currentTrioTask } from "./current.js";
import { BrokenResourceError } from "./errors.js";
import { Abort, TaskState, type Task } from "./task.js";

/** Debugging information about a ParkingLot. */
export interface ParkingLotStatistics {
  /** Tasks blocked in `park()`. */
  tasksWaiting: number;
}

function checkCount(count: number): number {
  if (count === Infinity) return Infinity;
  if (!Number.isInteger(count)) throw new ValueError("Cannot pop a non-integer number of tasks.");
  if (count < 0) throw new ValueError("count must be non-negative");
  return count;
}

/** Shared abort function of every parked task: leave whichever lot it is in now. */
function leaveLot(_raiseCancel: unknown, task: Task): Abort {
  (task.customSleepData as ParkingLot)._parked.delete(task);
  return Abort.SUCCEEDED;
}

/**
 * A fair (FIFO) wait queue of tasks, the building block of locks, events and channels
 * (`trio.lowlevel.ParkingLot`). `park()` is Trio-flavored; the rest is sync, either
 * flavor.
 */
export class ParkingLot {
  /** @internal Parked tasks, in arrival order. */
  readonly _parked = new Map<Task, true>();
  /** The tasks that broke this lot (see `breakLot`). */
  readonly brokenBy: Task[] = [];

  /** The number of parked tasks. */
  get size(): number {
    return this._parked.size;
  }

  /** Parks the caller until `unpark`, `unparkAll` or `breakLot` (then BrokenResourceError). Trio-flavored. */
  park(): Promise<void> {
    return this._park(currentTrioTask("ParkingLot.park()"), "ParkingLot.park()");
  }

  /** @internal `park` for a known task, with a description for the task tree. */
  _park(task: Task, what: string): Promise<void> {
    if (this.brokenBy.length > 0) {
      throw new BrokenResourceError(`Attempted to park in parking lot broken by ${this.brokenBy.map(String).join(", ")}`);
    }
    this._parked.set(task, true);
    task.customSleepData = this;
    return task.runner._park(task, leaveLot, what) as Promise<void>;
  }

  private *popSeveral(count: number): Generator<Task> {
    let n = Math.min(checkCount(count), this._parked.size);
    for (const task of this._parked.keys()) {
      if (n-- <= 0) break;
      this._parked.delete(task);
      yield task;
    }
  }

  /** Wakes up to `count` parked tasks (default 1), oldest first; returns them. */
  unpark(count = 1): Task[] {
    const tasks = [...this.popSeveral(count)];
    for (const task of tasks) task.runner._reschedule(task);
    return tasks;
  }

  /** Wakes every parked task; returns them. */
  unparkAll(): Task[] {
    return this.unpark(this._parked.size);
  }

  /** Moves up to `count` parked tasks (oldest first) to `newLot`, keeping their order. */
  repark(newLot: ParkingLot, count = 1): void {
    if (!(newLot instanceof ParkingLot)) throw new TypeError("newLot must be a ParkingLot");
    for (const task of [...this.popSeveral(count)]) {
      newLot._parked.set(task, true);
      task.customSleepData = newLot;
    }
  }

  /** Moves every parked task to `newLot`. */
  reparkAll(newLot: ParkingLot): void {
    this.repark(newLot, this._parked.size);
  }

  /**
   * Breaks the lot: every parked task, and every later `park()`, gets a
   * BrokenResourceError naming `task` (default: the current task).
   */
  breakLot(task?: Task): void {
    const breaker = task ?? currentTrioTask("ParkingLot.breakLot()");
    this.brokenBy.push(breaker);
    if (this.brokenBy.length > 1) return;
    const parked = [...this._parked.keys()];
    this._parked.clear();
    for (const t of parked) t.runner._rescheduleError(t, new BrokenResourceError(`Parking lot broken by ${String(breaker)}`));
  }

  statistics(): ParkingLotStatistics {
    return { tasksWaiting: this._parked.size };
  }
}

const breakers = new WeakMap<Task, ParkingLot[]>();

/**
 * Registers `task` as a breaker of `lot`: if the task exits while registered, the lot
 * breaks (so that waiters on a lock whose owner died do not wait forever). Sync, either flavor.
 */
export function addParkingLotBreaker(task: Task, lot: ParkingLot): void {
  if (task._state === TaskState.Exited) throw new BrokenResourceError("Attempted to add already exited task as lot breaker.");
  const lots = breakers.get(task);
  if (lots === undefined) breakers.set(task, [lot]);
  else lots.push(lot);
}

/** Undoes `addParkingLotBreaker`. Sync, either flavor. */
export function removeParkingLotBreaker(task: Task, lot: ParkingLot): void {
  const lots = breakers.get(task);
  const i = lots === undefined ? -1 : lots.indexOf(lot);
  if (i < 0) throw new RuntimeError("Attempted to remove task as breaker for a lot it is not registered for");
  lots!.splice(i, 1);
  if (lots!.length === 0) breakers.delete(task);
}

/** @internal Called when a task exits: breaks the lots it was registered for. */
export function breakLotsOf(task: Task): void {
  const lots = breakers.get(task);
  if (lots === undefined) return;
  breakers.delete(task);
  for (const lot of lots) lot.breakLot(task);
}
