import { RuntimeError, ValueError } from "../../errors/builtins.js";
import type { AsyncContextManager } from "../../loop/async-context-manager.js";
import { currentTrioTask } from "../../loop/current.js";
import { WouldBlock } from "../../loop/errors.js";
import { ParkingLot } from "../../loop/parking-lot.js";
import type { Task } from "../../loop/task.js";
import { cancelShieldedCheckpoint } from "../../loop/traps.js";
import { cancelledCheckpoint } from "./checkpoints.js";

/** Debugging information about a CapacityLimiter. */
export interface CapacityLimiterStatistics {
  /** Tokens currently borrowed. */
  readonly borrowedTokens: number;
  /** Tokens in the sack; may be below `borrowedTokens` just after `totalTokens` was lowered. */
  readonly totalTokens: number;
  /** Who holds the tokens (tasks, or whatever was passed to the `*OnBehalfOf` calls). */
  readonly borrowers: unknown[];
  /** Tasks blocked in `acquire()` or `acquireOnBehalfOf()`. */
  readonly tasksWaiting: number;
}

/**
 * Limits how many tasks (or other borrowers) use a resource at once
 * (`trio.CapacityLimiter`): a sack of `totalTokens` tokens; each borrower takes at most
 * one, waiting while the sack is empty, and puts it back with `release()`. Waiters are
 * served first come, first served. `await asyncWith(limiter, async () => ...)` holds a
 * token around a block. Construct anywhere; `acquire()`, `acquireOnBehalfOf()` and
 * `aenter()` are Trio-flavored; the other members are sync, either flavor
 * (`acquireNowait()` and `release()` need the current Trio task: it is the borrower).
 */
export class CapacityLimiter implements AsyncContextManager<void> {
  /** @internal */
  readonly _lot = new ParkingLot();
  private readonly _borrowers = new Set<unknown>();
  /** @internal For each waiting task, the borrower it acquires for; emptied as they wake or leave. */
  readonly _pendingBorrowers = new Map<Task, unknown>();
  private _totalTokens = 0;

  /** @param totalTokens - the capacity: a non-negative integer, or `Infinity`. */
  constructor(totalTokens: number) {
    this.totalTokens = totalTokens;
  }

  /**
   * The capacity: a non-negative integer, or `Infinity`. Raising it wakes as many waiters
   * as the new tokens allow; lowering it below `borrowedTokens` lets current borrowers
   * finish, and admits nobody until enough tokens come back. Sync, either flavor.
   */
  get totalTokens(): number {
    return this._totalTokens;
  }

  set totalTokens(value: number) {
    if (!Number.isInteger(value) && value !== Infinity) throw new TypeError("totalTokens must be an integer or Infinity");
    if (value < 0) throw new ValueError("totalTokens must be >= 0");
    this._totalTokens = value;
    this._wakeWaiters();
  }

  private _wakeWaiters(): void {
    // Negative after totalTokens was lowered below borrowedTokens: nobody is admitted.
    const available = Math.max(0, this._totalTokens - this._borrowers.size);
    if (available === 0 || this._lot.size === 0) return;
    for (const woken of this._lot.unpark(available)) {
      this._borrowers.add(this._pendingBorrowers.get(woken));
      this._pendingBorrowers.delete(woken);
    }
  }

  /** Tokens currently borrowed. Sync, either flavor. */
  get borrowedTokens(): number {
    return this._borrowers.size;
  }

  /** Tokens that could be borrowed now (`totalTokens - borrowedTokens`; negative just after lowering `totalTokens`). Sync, either flavor. */
  get availableTokens(): number {
    return this._totalTokens - this._borrowers.size;
  }

  /**
   * Borrows a token for the current task without blocking. Throws WouldBlock if none is
   * free (or tasks are queued), RuntimeError if the task already holds one.
   * Sync, either flavor (needs the current Trio task).
   */
  acquireNowait(): void {
    this.acquireOnBehalfOfNowait(currentTrioTask("trio.CapacityLimiter.acquireNowait()"));
  }

  /**
   * Borrows a token for `borrower` (a task, or any value that identifies who holds the
   * token) without blocking. Throws WouldBlock if none is free (or tasks are queued),
   * RuntimeError if `borrower` already holds one. Sync, either flavor.
   */
  acquireOnBehalfOfNowait(borrower: unknown): void {
    if (!this._tryAcquire(borrower)) throw new WouldBlock();
  }

  private _tryAcquire(borrower: unknown): boolean {
    if (this._borrowers.has(borrower)) {
      throw new RuntimeError("this borrower is already holding one of this CapacityLimiter's tokens");
    }
    if (this._borrowers.size >= this._totalTokens || this._lot.size > 0) return false;
    this._borrowers.add(borrower);
    return true;
  }

  /**
   * Borrows a token for the current task, waiting if none is free; always a checkpoint.
   * Throws RuntimeError if the task already holds one. Trio-flavored.
   */
  async acquire(): Promise<void> {
    const task = currentTrioTask("trio.CapacityLimiter.acquire()");
    await this._acquire(task, task, "trio.CapacityLimiter.acquire()");
  }

  /**
   * Borrows a token for `borrower` (see `acquireOnBehalfOfNowait`), waiting if none is
   * free; always a checkpoint. Throws RuntimeError if `borrower` already holds one.
   * Trio-flavored.
   */
  async acquireOnBehalfOf(borrower: unknown): Promise<void> {
    const task = currentTrioTask("trio.CapacityLimiter.acquireOnBehalfOf()");
    await this._acquire(task, borrower, "trio.CapacityLimiter.acquireOnBehalfOf()");
  }

  private async _acquire(task: Task, borrower: unknown, what: string): Promise<void> {
    const cancelled = cancelledCheckpoint(task);
    if (cancelled !== null) await cancelled;
    if (this._tryAcquire(borrower)) {
      await cancelShieldedCheckpoint();
      return;
    }
    this._pendingBorrowers.set(task, borrower);
    try {
      await this._lot._park(task, what);
    } catch (error) {
      // A waiter that leaves without a token (cancelled) must not stay registered.
      this._pendingBorrowers.delete(task);
      throw error;
    }
  }

  /**
   * Puts the current task's token back, waking the next waiter if capacity allows.
   * Throws RuntimeError if the task holds none. Sync, either flavor (needs the current Trio task).
   */
  release(): void {
    this.releaseOnBehalfOf(currentTrioTask("trio.CapacityLimiter.release()"));
  }

  /** Puts `borrower`'s token back; throws RuntimeError if it holds none. Sync, either flavor. */
  releaseOnBehalfOf(borrower: unknown): void {
    if (!this._borrowers.has(borrower)) {
      throw new RuntimeError("this borrower isn't holding any of this CapacityLimiter's tokens");
    }
    this._borrowers.delete(borrower);
    this._wakeWaiters();
  }

  /** Debugging information: `{ borrowedTokens, totalTokens, borrowers, tasksWaiting }`. Sync, either flavor. */
  statistics(): CapacityLimiterStatistics {
    return {
      borrowedTokens: this._borrowers.size,
      totalTokens: this._totalTokens,
      borrowers: [...this._borrowers],
      tasksWaiting: this._lot.size,
    };
  }

  /** `async with limiter:` entry: `acquire()`. Trio-flavored. */
  aenter(): Promise<void> {
    return this.acquire();
  }

  /** `async with limiter:` exit: `release()`; never swallows the body's error. Trio-flavored. */
  async aexit(): Promise<void> {
    this.release();
  }

  /** A short description for debugging (Trio's repr). Sync, either flavor. */
  toString(): string {
    return `<trio.CapacityLimiter, ${this._borrowers.size}/${this._totalTokens} with ${this._lot.size} waiting>`;
  }
}
