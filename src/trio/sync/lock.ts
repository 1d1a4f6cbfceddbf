import { RuntimeError } from "../../errors/builtins.js";
import type { AsyncContextManager } from "../../loop/async-context-manager.js";
import { currentTrioTask } from "../../loop/current.js";
import { BrokenResourceError, WouldBlock } from "../../loop/errors.js";
import { ParkingLot, addParkingLotBreaker, removeParkingLotBreaker } from "../../loop/parking-lot.js";
import type { Task } from "../../loop/task.js";
import { cancelShieldedCheckpoint } from "../../loop/traps.js";
import { cancelledCheckpoint } from "./checkpoints.js";

/** Debugging information about a Lock. */
export interface LockStatistics {
  /** Whether the lock is held. */
  readonly locked: boolean;
  /** The task holding the lock, or `null`. */
  readonly owner: Task | null;
  /** Tasks blocked in `acquire()`. */
  readonly tasksWaiting: number;
}

/**
 * A mutex (`trio.Lock`): not reentrant, one owner at a time, and only the owner may
 * release it. It is fair: `release()` hands the lock straight to the task that has
 * waited longest. If the owner exits without releasing, every waiter (and every later
 * `acquire()`) gets BrokenResourceError instead of waiting forever.
 * `await asyncWith(lock, async () => ...)` holds it around a block.
 * Construct anywhere; `acquire()` and `aenter()` are Trio-flavored; the other members
 * are sync, either flavor, and those that record or check the owner need the current
 * Trio task.
 */
export class Lock implements AsyncContextManager<void> {
  /** @internal */
  readonly _lot = new ParkingLot();
  /** @internal */
  _owner: Task | null = null;

  /** @internal The class name, for messages (survives bundlers renaming classes). */
  protected get _kind(): string {
    return "Lock";
  }

  /** Whether the lock is held. Sync, either flavor. */
  locked(): boolean {
    return this._owner !== null;
  }

  /**
   * Takes the lock without blocking. Throws WouldBlock if it is held (or tasks are
   * queued for it), RuntimeError if the caller already holds it. Sync, either flavor
   * (needs the current Trio task, which becomes the owner).
   */
  acquireNowait(): void {
    const task = currentTrioTask(`trio.${this._kind}.acquireNowait()`);
    if (!this._tryAcquire(task)) throw new WouldBlock();
  }

  /** Takes the lock for `task` if it is free and nobody is queued; throws if `task` holds it. */
  private _tryAcquire(task: Task): boolean {
    const owner = this._owner;
    if (owner === task) throw new RuntimeError("attempt to re-acquire an already held Lock");
    if (owner !== null || this._lot.size > 0) return false;
    this._owner = task;
    addParkingLotBreaker(task, this._lot);
    return true;
  }

  /**
   * Takes the lock, waiting for it if needed; always a checkpoint. Throws RuntimeError
   * if the caller already holds it, BrokenResourceError if the owner exits without
   * releasing. Trio-flavored.
   */
  async acquire(): Promise<void> {
    const task = currentTrioTask(`trio.${this._kind}.acquire()`);
    const cancelled = cancelledCheckpoint(task);
    if (cancelled !== null) await cancelled;
    if (this._tryAcquire(task)) {
      await cancelShieldedCheckpoint();
      return;
    }
    try {
      // Condition.wait() relies on this: being unparked from `_lot` is what acquiring is.
      await this._lot._park(task, `trio.${this._kind}.acquire()`);
    } catch (error) {
      if (error instanceof BrokenResourceError) {
        throw new BrokenResourceError(`Owner of this lock exited without releasing: ${String(this._owner)}`);
      }
      throw error;
    }
  }

  /**
   * Releases the lock, handing it to the longest waiter if any. Throws RuntimeError if
   * the caller does not hold it. Sync, either flavor (needs the current Trio task).
   */
  release(): void {
    const task = currentTrioTask(`trio.${this._kind}.release()`);
    if (task !== this._owner) throw new RuntimeError("can't release a Lock you don't own");
    removeParkingLotBreaker(task, this._lot);
    if (this._lot.size > 0) {
      const next = this._lot.unpark(1)[0];
      this._owner = next;
      addParkingLotBreaker(next, this._lot);
    } else {
      this._owner = null;
    }
  }

  /** Debugging information: `{ locked, owner, tasksWaiting }`. Sync, either flavor. */
  statistics(): LockStatistics {
    return { locked: this._owner !== null, owner: this._owner, tasksWaiting: this._lot.size };
  }

  /** `async with lock:` entry: `acquire()`. Trio-flavored. */
  aenter(): Promise<void> {
    return this.acquire();
  }

  /** `async with lock:` exit: `release()`; never swallows the body's error. Trio-flavored. */
  async aexit(): Promise<void> {
    this.release();
  }

  /** A short description for debugging (Trio's repr). Sync, either flavor. */
  toString(): string {
    if (this._owner === null) return `<unlocked ${this._kind} object>`;
    return `<locked ${this._kind} object with ${this._lot.size} waiters>`;
  }
}

/**
 * A Lock that guarantees strict first-come, first-served acquisition (`trio.StrictFIFOLock`).
 * Today every Lock behaves this way; use this class when your code relies on the order
 * (for example: tasks that fetch chunks from a shared state machine and must send them
 * in the order they were produced), so that the reliance is written down. It cannot be
 * the lock of a Condition. Construct anywhere; members as for Lock.
 */
export class StrictFIFOLock extends Lock {
  /** @internal */
  protected override get _kind(): string {
    return "StrictFIFOLock";
  }
}
