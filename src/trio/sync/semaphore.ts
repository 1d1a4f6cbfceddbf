import { ValueError } from "../../errors/builtins.js";
import type { AsyncContextManager } from "../../loop/async-context-manager.js";
import { currentTrioTask } from "../../loop/current.js";
import { WouldBlock } from "../../loop/errors.js";
import { ParkingLot } from "../../loop/parking-lot.js";
import { cancelShieldedCheckpoint } from "../../loop/traps.js";
import { cancelledCheckpoint } from "./checkpoints.js";

/** Debugging information about a Semaphore. */
export interface SemaphoreStatistics {
  /** Tasks blocked in `acquire()`. */
  readonly tasksWaiting: number;
}

/** Options of `Semaphore`. */
export interface SemaphoreOptions {
  /** Makes the semaphore bounded: `release()` throws ValueError rather than go above this. */
  maxValue?: number | null;
}

/**
 * A counting semaphore (`trio.Semaphore`): `acquire()` decrements the value, waiting
 * while it is zero; `release()` increments it or hands it straight to the longest
 * waiter. To limit how many tasks use a resource at once, `CapacityLimiter` is usually
 * the better fit. `await asyncWith(sem, async () => ...)` acquires around a block.
 * Construct anywhere; `acquire()` and `aenter()` are Trio-flavored; the other members
 * are sync, either flavor.
 */
export class Semaphore implements AsyncContextManager<void> {
  // Invariant: tasks wait in `_lot` only while `_value` is 0.
  /** @internal */
  readonly _lot = new ParkingLot();
  private _value: number;
  private readonly _maxValue: number | null;

  /**
   * @param initialValue - the starting value, a non-negative integer.
   * @param options - `maxValue`: an integer at least `initialValue` that the value may
   *   never exceed (default: unbounded).
   */
  constructor(initialValue: number, options: SemaphoreOptions = {}) {
    if (!Number.isInteger(initialValue)) throw new TypeError("initialValue must be an integer");
    if (initialValue < 0) throw new ValueError("initial value must be >= 0");
    if (typeof options !== "object" || options === null) throw new TypeError("Semaphore options must be an object, such as { maxValue }");
    const maxValue = options.maxValue ?? null;
    if (maxValue !== null) {
      if (!Number.isInteger(maxValue)) throw new TypeError("maxValue must be null or an integer");
      if (maxValue < initialValue) throw new ValueError("maxValue must be >= initialValue");
    }
    this._value = initialValue;
    this._maxValue = maxValue;
  }

  /** The current value. Sync, either flavor. */
  get value(): number {
    return this._value;
  }

  /** The bound given as `maxValue`, or `null` for an unbounded semaphore. Sync, either flavor. */
  get maxValue(): number | null {
    return this._maxValue;
  }

  /** Decrements the value without blocking; throws WouldBlock if it is zero. Sync, either flavor. */
  acquireNowait(): void {
    if (this._value === 0) throw new WouldBlock();
    this._value--;
  }

  /** Decrements the value, waiting while it is zero; always a checkpoint. Trio-flavored. */
  async acquire(): Promise<void> {
    const task = currentTrioTask("trio.Semaphore.acquire()");
    const cancelled = cancelledCheckpoint(task);
    if (cancelled !== null) await cancelled;
    if (this._value > 0) {
      this._value--;
      await cancelShieldedCheckpoint();
      return;
    }
    await this._lot._park(task, "trio.Semaphore.acquire()");
  }

  /**
   * Increments the value, or wakes the longest waiter (which then owns the unit).
   * Throws ValueError if that would exceed `maxValue`. Sync, either flavor.
   */
  release(): void {
    if (this._lot.size > 0) {
      this._lot.unpark(1);
      return;
    }
    if (this._maxValue !== null && this._value === this._maxValue) throw new ValueError("semaphore released too many times");
    this._value++;
  }

  /** Debugging information: `{ tasksWaiting }`. Sync, either flavor. */
  statistics(): SemaphoreStatistics {
    return { tasksWaiting: this._lot.size };
  }

  /** `async with sem:` entry: `acquire()`. Trio-flavored. */
  aenter(): Promise<void> {
    return this.acquire();
  }

  /** `async with sem:` exit: `release()`; never swallows the body's error. Trio-flavored. */
  async aexit(): Promise<void> {
    this.release();
  }

  /** A short description for debugging (Trio's repr). Sync, either flavor. */
  toString(): string {
    const max = this._maxValue === null ? "" : `, maxValue=${this._maxValue}`;
    return `<trio.Semaphore(${this._value}${max})>`;
  }
}
