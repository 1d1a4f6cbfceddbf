import { RuntimeError } from "../../errors/builtins.js";
import { describeValue } from "../../errors/describe.js";
import type { AsyncContextManager } from "../../loop/async-context-manager.js";
import { currentAioLoop } from "../current.js";
import { CancelledError } from "../errors.js";
import type { Future } from "../futures.js";
import { Lock } from "./lock.js";
import { LoopBound, primitiveRepr, rejectExtraArguments, removeWaiter } from "./loop-bound.js";

function isThenable(value: unknown): boolean {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as { then?: unknown }).then === "function";
}

/**
 * asyncio's condition variable (`asyncio.Condition`): tasks holding its lock `wait()`
 * until another task `notify()`s them; `wait()` releases the lock while waiting and
 * takes it back before returning, even when the waiting task is cancelled (a wake-up
 * that a cancelled task cannot use is passed on to another waiter). As asyncio allows,
 * `wait()` may return spuriously: re-check the state, or use `waitFor(predicate)`.
 * `await asyncWith(cond, async () => ...)` holds the lock around a block.
 * Construct anywhere; `acquire()`, `wait()`, `waitFor()` and `aenter()` are
 * asyncio-flavored; the other members are sync, either flavor.
 */
export class Condition extends LoopBound implements AsyncContextManager<void> {
  /** @internal The underlying lock. */
  readonly _lock: Lock;
  /** @internal The Futures of the tasks waiting in `wait()`, oldest first. */
  readonly _waiters: Future<boolean>[] = [];

  /** @param lock - the asyncio `Lock` to use (default: a new one). */
  constructor(lock?: Lock, ...noMoreArguments: never[]) {
    super();
    rejectExtraArguments("Condition(lock?)", noMoreArguments);
    if (lock === undefined) lock = new Lock();
    else if (!(lock instanceof Lock)) throw new TypeError(`Condition(lock) needs an asyncio Lock, got ${describeValue(lock)}`);
    this._lock = lock;
  }

  /** Whether the underlying lock is held. Sync, either flavor. */
  locked(): boolean {
    return this._lock.locked();
  }

  /** Takes the underlying lock (see `Lock.acquire`); resolves to `true`. asyncio-flavored. */
  acquire(): Promise<true> {
    return this._lock._acquire("asyncio.Condition.acquire()");
  }

  /** Releases the underlying lock. Throws RuntimeError if it is not held. Sync, either flavor. */
  release(): void {
    this._lock.release();
  }

  /**
   * Releases the lock, waits until notified, takes the lock back, and resolves to
   * `true`. Throws RuntimeError if the lock is not held. If the task is cancelled, the
   * CancelledError comes out only once the lock is held again. asyncio-flavored.
   */
  async wait(): Promise<true> {
    const running = currentAioLoop("asyncio.Condition.wait()");
    if (!this.locked()) throw new RuntimeError("cannot wait on un-acquired lock");
    const waiter = this._getLoop(running).createFuture<boolean>();
    this.release();
    try {
      try {
        this._waiters.push(waiter);
        try {
          await waiter;
          return true;
        } finally {
          removeWaiter(this._waiters, waiter);
        }
      } finally {
        // The lock must be held again whatever happened; a cancel while re-acquiring is
        // remembered and raised once the lock is back (any other error is raised at once).
        let cancel: CancelledError | undefined;
        while (!this._lock._tryAcquire()) {
          try {
            await this._lock._acquire("asyncio.Condition.wait()");
            break;
          } catch (error) {
            if (!(error instanceof CancelledError)) throw error;
            cancel = error;
          }
        }
        if (cancel !== undefined) throw cancel;
      }
    } catch (error) {
      // We may have been notified before the error hit us: hand the wake-up to another
      // waiter (a spurious wake-up at worst, which conditions allow).
      this._notify(1);
      throw error;
    }
  }

  /**
   * Waits until `predicate()` is truthy, calling it first and after each wake-up with
   * the lock held; resolves to its last result. `predicate` must be a plain function
   * (a Promise would always count as true). asyncio-flavored.
   */
  async waitFor<T>(predicate: () => T): Promise<T> {
    currentAioLoop("asyncio.Condition.waitFor()");
    if (typeof predicate !== "function") throw new TypeError(`waitFor() needs a predicate function, got ${describeValue(predicate)}`);
    let result = this._check(predicate);
    while (!result) {
      await this.wait();
      result = this._check(predicate);
    }
    return result;
  }

  private _check<T>(predicate: () => T): T {
    const result = predicate();
    if (isThenable(result)) {
      throw new TypeError("waitFor() needs a synchronous predicate: it returned a Promise, which would always count as true");
    }
    return result;
  }

  /**
   * Wakes up to `n` waiting tasks (default 1). A woken task returns from `wait()` only
   * once it holds the lock again, so release the lock after notifying. Throws
   * RuntimeError if the lock is not held. Sync, either flavor.
   */
  notify(n = 1): void {
    if (typeof n !== "number" || Number.isNaN(n)) throw new TypeError(`notify(n) needs a number of tasks to wake, got ${describeValue(n)}`);
    if (!this.locked()) throw new RuntimeError("cannot notify on un-acquired lock");
    this._notify(n);
  }

  private _notify(n: number): void {
    let woken = 0;
    for (const waiter of this._waiters) {
      if (woken >= n) break;
      if (!waiter.done()) {
        woken++;
        waiter.setResult(false);
      }
    }
  }

  /** Wakes every waiting task. Throws RuntimeError if the lock is not held. Sync, either flavor. */
  notifyAll(): void {
    this.notify(this._waiters.length);
  }

  /** `async with cond:` entry: `acquire()`. asyncio-flavored. */
  async aenter(): Promise<void> {
    await this._lock._acquire("asyncio.Condition.aenter()");
  }

  /** `async with cond:` exit: `release()`; never swallows the block's error. Sync work, either flavor. */
  async aexit(_error?: unknown, _hasError?: boolean): Promise<void> {
    this.release();
  }

  /** `<asyncio.locks.Condition object [unlocked]>`, `[locked, waiters:2]`... */
  toString(): string {
    return primitiveRepr("Condition", this.locked() ? "locked" : "unlocked", this._waiters.length);
  }
}
