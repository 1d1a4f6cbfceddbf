import { ValueError } from "../../errors/builtins.js";
import { describeValue } from "../../errors/describe.js";
import type { AsyncContextManager } from "../../loop/async-context-manager.js";
import { currentAioLoop } from "../current.js";
import { CancelledError } from "../errors.js";
import type { Future } from "../futures.js";
import { LoopBound, primitiveRepr, rejectExtraArguments, removeWaiter } from "./loop-bound.js";

function checkInitialValue(value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new TypeError(`Semaphore initial value must be an integer, got ${describeValue(value)}`);
  }
  if (value < 0) throw new ValueError("Semaphore initial value must be >= 0");
  return value;
}

/**
 * asyncio's counting semaphore (`asyncio.Semaphore`): `acquire()` decrements the
 * value, waiting while it is zero; `release()` increments it and wakes the longest
 * waiter. Waiters are served in FIFO order: a newcomer waits while others are queued,
 * even if the value is positive. `release()` may raise the value above its initial
 * value (see `BoundedSemaphore`). `await asyncWith(sem, async () => ...)` acquires
 * around a block. Construct anywhere; `acquire()` and `aenter()` are asyncio-flavored;
 * the other members are sync, either flavor.
 */
export class Semaphore extends LoopBound implements AsyncContextManager<void> {
  /** @internal */
  _value: number;
  /** @internal The Futures of the tasks waiting in `acquire()`, oldest first. */
  _waiters: Future<boolean>[] | null = null;

  /** @param value - the initial value, a non-negative integer (default 1). */
  constructor(value = 1, ...noMoreArguments: never[]) {
    super();
    rejectExtraArguments(`${this._kind}(value)`, noMoreArguments);
    this._value = checkInitialValue(value);
  }

  /** @internal The class name, for messages (survives bundlers renaming classes). */
  protected get _kind(): string {
    return "Semaphore";
  }

  /**
   * Whether `acquire()` would wait: the value is zero, or tasks are queued ahead (the
   * FIFO rule). Sync, either flavor.
   */
  locked(): boolean {
    return this._value === 0 || (this._waiters !== null && this._waiters.some((waiter) => !waiter.cancelled()));
  }

  /** Decrements the value, waiting (in FIFO order) while it is zero; resolves to `true`. asyncio-flavored. */
  acquire(): Promise<true> {
    // Not itself async: see Lock.acquire.
    return this._acquire(`asyncio.${this._kind}.acquire()`);
  }

  private async _acquire(call: string): Promise<true> {
    const running = currentAioLoop(call);
    if (!this.locked()) {
      this._value--;
      return true;
    }
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
      // A unit was handed to us (`_wakeUpNext` took it from the value) but we are not
      // taking it: give it back, for the loop below to hand on.
      if (error instanceof CancelledError && waiter.done() && !waiter.cancelled()) this._value++;
      throw error;
    } finally {
      // Waiters that arrived while units were free queued up behind us (FIFO): wake as
      // many as there are units.
      while (this._value > 0 && this._wakeUpNext());
    }
    return true;
  }

  /** Increments the value and wakes the longest waiter, if any. Sync, either flavor. */
  release(): void {
    this._value++;
    this._wakeUpNext();
  }

  /** Hands one unit to the first waiter not yet woken; returns whether there was one. */
  private _wakeUpNext(): boolean {
    if (this._waiters === null) return false;
    for (const waiter of this._waiters) {
      if (!waiter.done()) {
        this._value--;
        waiter.setResult(true);
        return true;
      }
    }
    return false;
  }

  /** `async with sem:` entry: `acquire()`. asyncio-flavored. */
  async aenter(): Promise<void> {
    await this._acquire(`asyncio.${this._kind}.aenter()`);
  }

  /** `async with sem:` exit: `release()`; never swallows the block's error. Sync work, either flavor. */
  async aexit(_error?: unknown, _hasError?: boolean): Promise<void> {
    this.release();
  }

  /** `<asyncio.locks.Semaphore object [unlocked, value:1]>`, `[locked, waiters:2]`... */
  toString(): string {
    const state = this.locked() ? "locked" : `unlocked, value:${this._value}`;
    return primitiveRepr(this._kind, state, this._waiters?.length ?? 0);
  }
}

/**
 * A semaphore whose value may not exceed its initial value (`asyncio.BoundedSemaphore`):
 * one `release()` too many throws ValueError, catching unbalanced releases. Construct
 * anywhere; `acquire()` and `aenter()` are asyncio-flavored; the other members are sync,
 * either flavor.
 */
export class BoundedSemaphore extends Semaphore {
  private readonly _boundValue: number;

  /** @param value - the initial and maximal value, a non-negative integer (default 1). */
  constructor(value = 1, ...noMoreArguments: never[]) {
    super(value, ...noMoreArguments);
    this._boundValue = value;
  }

  /** @internal */
  protected override get _kind(): string {
    return "BoundedSemaphore";
  }

  /** Increments the value; throws ValueError if it is already at its bound. Sync, either flavor. */
  override release(): void {
    if (this._value >= this._boundValue) throw new ValueError("BoundedSemaphore released too many times");
    super.release();
  }
}
