import { ValueError } from "../../errors/builtins.js";
import { describeValue } from "../../errors/describe.js";
import type { AsyncContextManager } from "../../loop/async-context-manager.js";
import { currentAioLoop } from "../current.js";
import { BrokenBarrierError } from "../errors.js";
import { Condition } from "./condition.js";
import { LoopBound, rejectExtraArguments } from "./loop-bound.js";

/** Where a Barrier is in its cycle (Python's `_BarrierState` values). */
type BarrierState = "filling" | "draining" | "resetting" | "broken";

/**
 * asyncio's barrier (`asyncio.Barrier`): `wait()` blocks until `parties` tasks wait,
 * then releases them all at once; each gets a distinct index from 0 to `parties - 1`.
 * The barrier is reusable. `reset()` sends BrokenBarrierError to the current waiters and
 * starts over; `abort()` breaks it for good (every waiter, now and later, gets
 * BrokenBarrierError). Tasks arriving while the previous group is still leaving wait
 * for it to leave. `await asyncWith(barrier, async (index) => ...)` waits on entry.
 * Construct anywhere; `wait()`, `reset()`, `abort()` and `aenter()` are
 * asyncio-flavored; the properties are sync, either flavor.
 */
export class Barrier extends LoopBound implements AsyncContextManager<number> {
  // Every state change notifies the whole condition.
  private readonly _cond = new Condition();
  private readonly _parties: number;
  /** @internal */
  _state: BarrierState = "filling";
  /** @internal The number of tasks inside `wait()` (filling or draining). */
  _count = 0;

  /** @param parties - how many tasks must wait to trip the barrier, an integer at least 1. */
  constructor(parties: number, ...noMoreArguments: never[]) {
    super();
    rejectExtraArguments("Barrier(parties)", noMoreArguments);
    if (typeof parties !== "number" || !Number.isInteger(parties)) {
      throw new TypeError(`Barrier parties must be an integer, got ${describeValue(parties)}`);
    }
    if (parties < 1) throw new ValueError("parties must be >= 1");
    this._parties = parties;
  }

  /**
   * Waits until `parties` tasks wait, and resolves to this task's index (0 to
   * `parties - 1`). Throws BrokenBarrierError if the barrier is broken, or reset while
   * waiting. asyncio-flavored.
   */
  async wait(): Promise<number> {
    currentAioLoop("asyncio.Barrier.wait()");
    const cond = this._cond;
    // Only blocking steps await: asyncio's take no loop iteration when they do not block.
    if (!cond._lock._tryAcquire()) await cond.acquire();
    try {
      // Wait while the previous group drains or a reset completes.
      if (!this._canEnter()) await cond.waitFor(this._canEnter);
      if (this._state === "broken") throw new BrokenBarrierError("Barrier aborted");
      try {
        const index = this._count++;
        if (index + 1 === this._parties) {
          this._release();
        } else {
          // Wait for the last party.
          if (!this._filled()) await cond.waitFor(this._filled);
          const state = this._currentState();
          if (state === "broken" || state === "resetting") throw new BrokenBarrierError("Abort or reset of barrier");
        }
        return index;
      } finally {
        this._count--;
        this._exit();
      }
    } finally {
      cond.release();
    }
  }

  /** The state, read afresh (after an await, TypeScript's narrowing of `_state` is stale). */
  private _currentState(): BarrierState {
    return this._state;
  }

  private readonly _canEnter = (): boolean => this._state !== "draining" && this._state !== "resetting";

  private readonly _filled = (): boolean => this._state !== "filling";

  /** The last party arrived: release everyone. */
  private _release(): void {
    this._state = "draining";
    this._cond.notifyAll();
  }

  /** The last task out lets the tasks blocked by draining or resetting in. */
  private _exit(): void {
    if (this._count !== 0) return;
    if (this._state === "resetting" || this._state === "draining") this._state = "filling";
    this._cond.notifyAll();
  }

  /**
   * Returns the barrier to its initial state; the tasks waiting in it get
   * BrokenBarrierError. Also repairs a broken barrier. asyncio-flavored.
   */
  async reset(): Promise<void> {
    currentAioLoop("asyncio.Barrier.reset()");
    if (!this._cond._lock._tryAcquire()) await this._cond.acquire();
    try {
      this._state = this._count > 0 ? "resetting" : "filling";
      this._cond.notifyAll();
    } finally {
      this._cond.release();
    }
  }

  /**
   * Breaks the barrier: the tasks waiting in it, and every later `wait()`, get
   * BrokenBarrierError (until `reset()`). asyncio-flavored.
   */
  async abort(): Promise<void> {
    currentAioLoop("asyncio.Barrier.abort()");
    if (!this._cond._lock._tryAcquire()) await this._cond.acquire();
    try {
      this._state = "broken";
      this._cond.notifyAll();
    } finally {
      this._cond.release();
    }
  }

  /** How many tasks must wait to trip the barrier. Sync, either flavor. */
  get parties(): number {
    return this._parties;
  }

  /** How many tasks are waiting for the barrier to fill (0 while draining). Sync, either flavor. */
  get nWaiting(): number {
    return this._state === "filling" ? this._count : 0;
  }

  /** Whether the barrier is broken (by `abort()`). Sync, either flavor. */
  get broken(): boolean {
    return this._state === "broken";
  }

  /** `async with barrier:` entry: `wait()`; the body receives the index. asyncio-flavored. */
  async aenter(): Promise<number> {
    return this.wait();
  }

  /** `async with barrier:` exit: does nothing. Sync work, either flavor. */
  async aexit(_error?: unknown, _hasError?: boolean): Promise<void> {}

  /** `<asyncio.locks.Barrier object [filling, waiters:2/5]>`, `[broken]`... */
  toString(): string {
    const extra = this.broken ? this._state : `${this._state}, waiters:${this.nWaiting}/${this._parties}`;
    return `<asyncio.locks.Barrier object [${extra}]>`;
  }
}
