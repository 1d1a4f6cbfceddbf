import { currentAioLoop } from "../current.js";
import type { Future } from "../futures.js";
import { LoopBound, primitiveRepr, rejectExtraArguments, removeWaiter } from "./loop-bound.js";

/**
 * asyncio's event (`asyncio.Event`): a flag that `set()` raises and `clear()` lowers;
 * `wait()` waits until it is raised. Unlike `trio.Event`, it can be cleared and reused.
 * Construct anywhere; `wait()` is asyncio-flavored; the other members are sync, either
 * flavor.
 */
export class Event extends LoopBound {
  /** @internal The Futures of the tasks waiting in `wait()`. */
  readonly _waiters: Future<boolean>[] = [];
  private _value = false;

  /** Creates an event whose flag is down; it takes no arguments. */
  constructor(...noArguments: never[]) {
    super();
    rejectExtraArguments("Event()", noArguments);
  }

  /** Whether the flag is up. Sync, either flavor. */
  isSet(): boolean {
    return this._value;
  }

  /** Raises the flag and wakes every waiting task. Sync, either flavor. */
  set(): void {
    if (this._value) return;
    this._value = true;
    for (const waiter of this._waiters) if (!waiter.done()) waiter.setResult(true);
  }

  /** Lowers the flag: later `wait()` calls block until the next `set()`. Sync, either flavor. */
  clear(): void {
    this._value = false;
  }

  /**
   * Resolves to `true` once the flag is up (at once if it already is). A task woken by
   * `set()` returns even if `clear()` was called before it ran. asyncio-flavored.
   */
  async wait(): Promise<true> {
    const running = currentAioLoop("asyncio.Event.wait()");
    if (this._value) return true;
    const waiter = this._getLoop(running).createFuture<boolean>();
    this._waiters.push(waiter);
    try {
      await waiter;
      return true;
    } finally {
      removeWaiter(this._waiters, waiter);
    }
  }

  /** `<asyncio.locks.Event object [unset]>`, `[set, waiters:1]`... */
  toString(): string {
    return primitiveRepr("Event", this._value ? "set" : "unset", this._waiters.length);
  }
}
