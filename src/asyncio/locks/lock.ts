import { RuntimeError } from "../../errors/builtins.js";
import type { AsyncContextManager } from "../../loop/async-context-manager.js";
import { currentAioLoop } from "../current.js";
import { CancelledError } from "../errors.js";
import type { Future } from "../futures.js";
import { LoopBound, primitiveRepr, rejectExtraArguments, removeWaiter } from "./loop-bound.js";

function isCancelled(waiter: Future<boolean>): boolean {
  return waiter.cancelled();
}

/**
 * asyncio's mutex (`asyncio.Lock`): not owned by any task (any code may release it) and
 * not reentrant. It is fair: waiters get it in FIFO order, and a waiter cancelled after
 * being chosen passes the turn to the next one, so the lock is never lost.
 * `await asyncWith(lock, async () => ...)` holds it around a block (`async with lock:`).
 * Construct anywhere; `acquire()` and `aenter()` are asyncio-flavored; `locked()`,
 * `release()` and `aexit()` are sync, either flavor.
 */
export class Lock extends LoopBound implements AsyncContextManager<void> {
  /** @internal The Futures of the tasks waiting in `acquire()`, oldest first. */
  _waiters: Future<boolean>[] | null = null;
  /** @internal */
  _locked = false;

  /** Creates an unlocked lock; it takes no arguments. */
  constructor(...noArguments: never[]) {
    super();
    rejectExtraArguments("Lock()", noArguments);
  }

  /** Whether the lock is held. Sync, either flavor. */
  locked(): boolean {
    return this._locked;
  }

  /**
   * Takes the lock, waiting (in FIFO order) while it is held; resolves to `true`.
   * Cancelling the waiting task removes it from the queue. asyncio-flavored.
   */
  acquire(): Promise<true> {
    // Not itself async: returning `_acquire`'s promise as is spares the caller the extra
    // microtask hops of a nested async function, so a woken waiter resumes promptly.
    return this._acquire("asyncio.Lock.acquire()");
  }

  /** @internal Takes the lock if nobody has to wait for it (asyncio's fast path, fair). */
  _tryAcquire(): boolean {
    // Fair: a newcomer waits its turn unless every queued waiter was cancelled.
    if (this._locked || (this._waiters !== null && !this._waiters.every(isCancelled))) return false;
    this._locked = true;
    return true;
  }

  /** @internal `acquire()`, with the name of the public call for the flavor check (Condition shares it). */
  async _acquire(call: string): Promise<true> {
    const running = currentAioLoop(call);
    if (this._tryAcquire()) return true;
    const waiter = this._getLoop(running).createFuture<boolean>();
    const waiters = (this._waiters ??= []);
    waiters.push(waiter);
    try {
      try {
        await waiter;
      } finally {
        removeWaiter(waiters, waiter);
      }
    } catch (error) {
      // The turn may have been handed to us before the cancel arrived: pass it on, or
      // the next waiter would sleep on a free lock.
      if (error instanceof CancelledError && !this._locked) this._wakeUpFirst();
      throw error;
    }
    this._locked = true;
    return true;
  }

  /**
   * Releases the lock and wakes the longest waiter, if any. Throws RuntimeError if the
   * lock is not held. Sync, either flavor.
   */
  release(): void {
    if (!this._locked) throw new RuntimeError("Lock is not acquired.");
    this._locked = false;
    this._wakeUpFirst();
  }

  /** Makes sure the first waiter wakes up (a done waiter is already on its way). */
  private _wakeUpFirst(): void {
    const first = this._waiters?.[0];
    if (first !== undefined && !first.done()) first.setResult(true);
  }

  /** `async with lock:` entry: `acquire()`. asyncio-flavored. */
  async aenter(): Promise<void> {
    await this._acquire("asyncio.Lock.aenter()");
  }

  /** `async with lock:` exit: `release()`; never swallows the block's error. Sync work, either flavor. */
  async aexit(_error?: unknown, _hasError?: boolean): Promise<void> {
    this.release();
  }

  /** `<asyncio.locks.Lock object [unlocked]>`, `[locked, waiters:2]`... */
  toString(): string {
    return primitiveRepr("Lock", this._locked ? "locked" : "unlocked", this._waiters?.length ?? 0);
  }
}
