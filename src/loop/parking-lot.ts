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
  (task.customSleepData as ParkingLot)._remove(task);
  return Abort.SUCCEEDED;
}

const NO_TASKS: readonly Task[] = Object.freeze([]);

/**
 * A fair (FIFO) wait queue of tasks, the building block of locks, events and channels
 * (`trio.lowlevel.ParkingLot`). `park()` is Trio-flavored; the rest is sync, either
 * flavor.
 *
 * The queue is a linked list threaded through the parked tasks themselves (a task waits
 * in at most one lot): parking, waking and leaving on cancel allocate nothing, and an
 * empty lot is one small object, which matters for one-shot primitives like Event.
 */
export class ParkingLot {
  /** @internal Oldest parked task. */
  _head: Task | null = null;
  /** @internal Newest parked task. */
  _tail: Task | null = null;
  private _size = 0;
  private _brokenBy: Task[] | null = null;

  /** The number of parked tasks. */
  get size(): number {
    return this._size;
  }

  /** The tasks that broke this lot (see `breakLot`). */
  get brokenBy(): readonly Task[] {
    return this._brokenBy ?? NO_TASKS;
  }

  /** Parks the caller until `unpark`, `unparkAll` or `breakLot` (then BrokenResourceError). Trio-flavored. */
  park(): Promise<void> {
    return this._park(currentTrioTask("ParkingLot.park()"), "ParkingLot.park()");
  }

  /** @internal `park` for a known task, with a description for the task tree. */
  _park(task: Task, what: string): Promise<void> {
    if (this._brokenBy !== null) {
      throw new BrokenResourceError(`Attempted to park in parking lot broken by ${this._brokenBy.map(String).join(", ")}`);
    }
    // A task already waiting elsewhere: let _park throw its error before touching the lot.
    if (task._state !== TaskState.Running) return task.runner._park(task, leaveLot, what) as Promise<void>;
    // Join first: if the task is already cancelled, _park aborts (leaves the lot) at once.
    this._append(task);
    task.customSleepData = this;
    return task.runner._park(task, leaveLot, what) as Promise<void>;
  }

  private _append(task: Task): void {
    task._lotPrev = this._tail;
    task._lotNext = null;
    if (this._tail === null) this._head = task;
    else this._tail._lotNext = task;
    this._tail = task;
    this._size++;
  }

  /** @internal Takes `task` out of the queue. */
  _remove(task: Task): void {
    const prev = task._lotPrev;
    const next = task._lotNext;
    if (prev === null) this._head = next;
    else prev._lotNext = next;
    if (next === null) this._tail = prev;
    else next._lotPrev = prev;
    task._lotPrev = task._lotNext = null;
    this._size--;
  }

  /** Removes and returns up to `count` parked tasks, oldest first. */
  private popSeveral(count: number): Task[] {
    let n = Math.min(checkCount(count), this._size);
    const tasks: Task[] = [];
    while (n-- > 0) {
      const task = this._head!;
      this._remove(task);
      tasks.push(task);
    }
    return tasks;
  }

  /** Wakes up to `count` parked tasks (default 1), oldest first; returns them. */
  unpark(count = 1): Task[] {
    const tasks = this.popSeveral(count);
    for (const task of tasks) task.runner._reschedule(task);
    return tasks;
  }

  /** Wakes every parked task; returns them. */
  unparkAll(): Task[] {
    return this.unpark(this._size);
  }

  /** @internal Wakes every parked task, oldest first, without building a list. */
  _wakeAll(): void {
    let task = this._head;
    this._head = this._tail = null;
    this._size = 0;
    while (task !== null) {
      const next = task._lotNext;
      task._lotPrev = task._lotNext = null;
      task.runner._reschedule(task);
      task = next;
    }
  }

  /** Moves up to `count` parked tasks (oldest first) to `newLot`, keeping their order. */
  repark(newLot: ParkingLot, count = 1): void {
    if (!(newLot instanceof ParkingLot)) throw new TypeError("newLot must be a ParkingLot");
    for (const task of this.popSeveral(count)) {
      newLot._append(task);
      task.customSleepData = newLot;
    }
  }

  /** Moves every parked task to `newLot`. */
  reparkAll(newLot: ParkingLot): void {
    this.repark(newLot, this._size);
  }

  /**
   * Breaks the lot: every parked task, and every later `park()`, gets a
   * BrokenResourceError naming `task` (default: the current task).
   */
  breakLot(task?: Task): void {
    const breaker = task ?? currentTrioTask("ParkingLot.breakLot()");
    if (this._brokenBy !== null) {
      this._brokenBy.push(breaker);
      return;
    }
    this._brokenBy = [breaker];
    for (const t of this.popSeveral(this._size)) {
      t.runner._rescheduleError(t, new BrokenResourceError(`Parking lot broken by ${String(breaker)}`));
    }
  }

  statistics(): ParkingLotStatistics {
    return { tasksWaiting: this._size };
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
