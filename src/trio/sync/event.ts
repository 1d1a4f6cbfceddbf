import { currentTrioTask } from "../../loop/current.js";
import { ParkingLot } from "../../loop/parking-lot.js";
import { checkpoint } from "../../loop/traps.js";

/** Debugging information about an Event. */
export interface EventStatistics {
  /** Tasks blocked in `wait()`. */
  readonly tasksWaiting: number;
}

/**
 * A waitable flag that starts unset and, once set, stays set (`trio.Event`). Whether
 * `set()` happens just before or just after a `wait()` makes no difference, so no
 * wake-up is ever lost. There is no `clear()`: to signal a series of happenings, make a
 * new Event for each. Construct anywhere; `wait()` is Trio-flavored; the other members
 * are sync, either flavor.
 */
export class Event {
  private _flag = false;
  /** @internal */
  readonly _lot = new ParkingLot();

  /** Whether `set()` has been called. Sync, either flavor. */
  isSet(): boolean {
    return this._flag;
  }

  /** Sets the flag and wakes every waiting task; later calls do nothing. Sync, either flavor. */
  set(): void {
    if (this._flag) return;
    this._flag = true;
    this._lot._wakeAll();
  }

  wait(): Promise<void> {
    const task = currentTrioTask("trio.Event.wait()");
    if (this._flag) return checkpoint();
    // A plain function returning the park promise: no extra async frame on the hot path.
    return this._lot._park(task, "trio.Event.wait()");
  }

  /** Debugging information: `{ tasksWaiting }`. Sync, either flavor. */
  statistics(): EventStatistics {
    return { tasksWaiting: this._lot.size };
  }

  /** A short description for debugging (Trio's repr). Sync, either flavor. */
  toString(): string {
    return `<trio.Event (${this._flag ? "set" : "unset"}) with ${this._lot.size} waiting>`;
  }
}
