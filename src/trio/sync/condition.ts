import { RuntimeError } from "../../errors/builtins.js";
import type { AsyncContextManager } from "../../loop/async-context-manager.js";
import { CancelScope } from "../../loop/cancel-scope.js";
import { currentTrioTask } from "../../loop/current.js";
import { ParkingLot } from "../../loop/parking-lot.js";
import { Lock, type LockStatistics } from "./lock.js";

/** Debugging information about a Condition. */
export interface ConditionStatistics {
  /** Tasks blocked in `wait()`. */
  readonly tasksWaiting: number;
  /** The underlying lock's `statistics()`. */
  readonly lockStatistics: LockStatistics;
}

/**
 * A condition variable (`trio.Condition`), like Python's `threading.Condition`: tasks
 * holding the lock `wait()` until another task holding it calls `notify()` or
 * `notifyAll()`. `await asyncWith(cond, async () => ...)` holds the lock around a block.
 * Construct anywhere; `acquire()`, `wait()` and `aenter()` are Trio-flavored; the other
 * members are sync, either flavor (those that check the lock's owner need the current
 * Trio task).
 */
export class Condition implements AsyncContextManager<void> {
  private readonly _lock: Lock;
  /** @internal */
  readonly _lot = new ParkingLot();

  /** @param lock - the Lock to use (a plain `Lock`, not a subclass); default: a new one. */
  constructor(lock?: Lock) {
    const theLock = lock ?? new Lock();
    if (typeof theLock !== "object" || theLock === null || Object.getPrototypeOf(theLock) !== Lock.prototype) {
      throw new TypeError("lock must be a trio.Lock");
    }
    this._lock = theLock;
  }

  /** Whether the underlying lock is held. Sync, either flavor. */
  locked(): boolean {
    return this._lock.locked();
  }

  /** Takes the underlying lock without blocking (see `Lock.acquireNowait`). Sync, either flavor. */
  acquireNowait(): void {
    this._lock.acquireNowait();
  }

  /** Takes the underlying lock, waiting if needed (see `Lock.acquire`). Trio-flavored. */
  acquire(): Promise<void> {
    return this._lock.acquire();
  }

  /** Releases the underlying lock (see `Lock.release`). Sync, either flavor. */
  release(): void {
    this._lock.release();
  }

  /**
   * Releases the lock, waits for `notify()` or `notifyAll()`, and takes the lock back
   * before returning. The caller must hold the lock (else RuntimeError). Even when
   * cancelled, it takes the lock back (shielded from the cancel, so possibly after a
   * delay) before throwing, so that the `asyncWith` block around it can release it.
   * Throws BrokenResourceError if the lock's owner exits without releasing while this
   * waits to take it back. Trio-flavored.
   */
  async wait(): Promise<void> {
    const task = currentTrioTask("trio.Condition.wait()");
    if (task !== this._lock._owner) throw new RuntimeError("must hold the lock to wait");
    this._lock.release();
    try {
      // notify() moves us onto the lock's lot: being unparked there means owning the lock.
      await this._lot._park(task, "trio.Condition.wait()");
    } catch (error) {
      await new CancelScope({ shield: true }).run(() => this._lock.acquire());
      throw error;
    }
  }

  /**
   * Wakes up to `n` (default 1) waiting tasks, longest-waiting first; each returns from
   * `wait()` once it gets the lock. The caller must hold the lock (else RuntimeError).
   * Sync, either flavor (needs the current Trio task).
   */
  notify(n = 1): void {
    this._checkOwner("trio.Condition.notify()");
    this._lot.repark(this._lock._lot, n);
  }

  /** Wakes every waiting task (see `notify`). Sync, either flavor (needs the current Trio task). */
  notifyAll(): void {
    this._checkOwner("trio.Condition.notifyAll()");
    this._lot.reparkAll(this._lock._lot);
  }

  private _checkOwner(call: string): void {
    if (currentTrioTask(call) !== this._lock._owner) throw new RuntimeError("must hold the lock to notify");
  }

  /** Debugging information: `{ tasksWaiting, lockStatistics }`. Sync, either flavor. */
  statistics(): ConditionStatistics {
    return { tasksWaiting: this._lot.size, lockStatistics: this._lock.statistics() };
  }

  /** `async with cond:` entry: takes the lock. Trio-flavored. */
  aenter(): Promise<void> {
    return this._lock.acquire();
  }

  /** `async with cond:` exit: releases the lock; never swallows the body's error. Trio-flavored. */
  async aexit(): Promise<void> {
    this._lock.release();
  }

  /** A short description for debugging (Trio's repr). Sync, either flavor. */
  toString(): string {
    return `<trio.Condition with ${this._lot.size} waiting, lock: ${String(this._lock)}>`;
  }
}
