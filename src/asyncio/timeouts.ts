/**
 * asyncio's timeouts (Python 3.11+ `asyncio.timeout`, `asyncio.timeout_at`,
 * `asyncio.Timeout`): on expiry the current task is cancelled, and the
 * `CancelledError` this causes is turned into `TimeoutError` where the block exits.
 * `cancelling()`/`uncancel()` tell the timeout's own cancellation from one that came
 * from outside, so an outer cancel is never swallowed.
 *
 * Python's `async with asyncio.timeout(d) as t:` is written
 * `await asyncio.timeout(d, async (t) => { ... })`; the context-manager form is a
 * `Timeout` object: `await asyncWith(new asyncio.Timeout(loop.time() + d), async (t) => ...)`.
 */
import { RuntimeError, ValueError } from "../errors/builtins.js";
import { describeValue } from "../errors/describe.js";
import { asyncWith, type AsyncContextManager } from "../loop/async-context-manager.js";
import type { BaseTrioEventLoop } from "./base-loop.js";
import { currentAioLoop } from "./current.js";
import { CancelledError, TimeoutError } from "./errors.js";
import type { Handle } from "./handles.js";
import { currentTask, type Task } from "./tasks.js";

/** A Timeout's state, named as in Python's `repr` (`<Timeout [active] when=...>`). */
type TimeoutState = "created" | "active" | "expiring" | "expired" | "finished";

function checkTime(value: unknown, what: string, call: string): asserts value is number | null {
  if (value === null) return;
  if (typeof value !== "number") {
    throw new TypeError(`${call}: ${what} must be a number of seconds or null (no timeout), got ${describeValue(value)}`);
  }
  if (Number.isNaN(value)) throw new ValueError(`${call}: ${what} must not be NaN`);
}

function checkBody(body: unknown, call: string, example: string): void {
  if (typeof body !== "function") {
    throw new TypeError(
      `${call} needs a body function: \`await ${example}\`` +
        "; for the context-manager form use `await asyncWith(new asyncio.Timeout(when), body)`",
    );
  }
}

function formatWhen(when: number): string {
  const rounded = Math.round(when * 1000) / 1000;
  return Number.isInteger(rounded) ? rounded.toFixed(1) : String(rounded);
}

/**
 * A timeout on the asyncio task that enters it (`asyncio.Timeout`, Python 3.11+). It is
 * an async context manager: `aenter()` arms it on the current task, and if the deadline
 * passes first, the task is cancelled; `aexit()` then turns the resulting
 * `CancelledError` into `TimeoutError`, unless another cancellation is pending (an outer
 * `task.cancel()` is never swallowed). `when` is a `loop.time()` value, or null for no
 * deadline; `reschedule()` moves it while the timeout is active.
 *
 * Most code uses `asyncio.timeout(delay, body)` or `asyncio.timeoutAt(when, body)`; build a
 * Timeout yourself for `asyncWith(timeout, body)`. A Timeout can be entered once.
 * Its sync methods work from either flavor; `aenter`/`aexit` are asyncio-flavored.
 */
export class Timeout implements AsyncContextManager<Timeout> {
  private _state: TimeoutState = "created";
  private _when: number | null;
  private _handle: Handle | null = null;
  private _task: Task<unknown> | null = null;
  private _loop: BaseTrioEventLoop | null = null;
  /** The task's `cancelling()` count on entry: more than that on exit means an outer cancel. */
  private _cancelling = 0;

  /** A Timeout with deadline `when` (a `loop.time()` value, or null for none). */
  constructor(when: number | null) {
    checkTime(when, "when", "new Timeout()");
    this._when = when;
  }

  /** The deadline (`loop.time()` clock), or null if there is none. */
  when(): number | null {
    return this._when;
  }

  /**
   * Moves the deadline to `when` (null: no deadline). A deadline already past expires at
   * the loop's next iteration. Throws RuntimeError unless the timeout is active (entered,
   * not expired, not exited).
   */
  reschedule(when: number | null): void {
    checkTime(when, "when", "Timeout.reschedule()");
    if (this._state !== "active") {
      if (this._state === "created") throw new RuntimeError("Timeout has not been entered");
      throw new RuntimeError(`Cannot change state of ${this._state} Timeout`);
    }
    this._when = when;
    if (this._handle !== null) {
      this._handle.cancel();
      this._handle = null;
    }
    if (when === null) return;
    const loop = this._loop!;
    this._handle = when <= loop.time() ? loop.callSoon(onTimeout, this) : loop.callAt(when, onTimeout, this);
  }

  /** Whether the deadline passed while the timeout was active (it cancelled the task). */
  expired(): boolean {
    return this._state === "expiring" || this._state === "expired";
  }

  /** Arms the timeout on the current asyncio task. asyncio-flavored. */
  async aenter(): Promise<Timeout> {
    const loop = currentAioLoop("asyncio.Timeout.aenter()");
    if (this._state !== "created") throw new RuntimeError("Timeout has already been entered");
    const task = currentTask(loop);
    if (task === null) throw new RuntimeError("Timeout should be used inside a task");
    this._state = "active";
    this._task = task;
    this._loop = loop;
    this._cancelling = task.cancelling();
    this.reschedule(this._when);
    return this;
  }

  /**
   * Disarms the timeout. If it expired, withdraws its cancellation (`uncancel()`) and, when
   * no other cancellation is pending and the block ended with `CancelledError`, throws
   * `TimeoutError` (whose `cause` is that `CancelledError`). Never swallows. asyncio-flavored.
   */
  async aexit(error: unknown, hasError: boolean): Promise<boolean> {
    if (this._state !== "active" && this._state !== "expiring") {
      throw new RuntimeError(`Cannot exit a Timeout that is ${this._state === "created" ? "not entered" : this._state}`);
    }
    if (this._handle !== null) {
      this._handle.cancel();
      this._handle = null;
    }
    if (this._state === "expiring") {
      this._state = "expired";
      if (this._task!.uncancel() <= this._cancelling && hasError && error instanceof CancelledError) {
        throw new TimeoutError("the timeout expired", { cause: error });
      }
    } else {
      this._state = "finished";
    }
    return false;
  }

  /** @internal The deadline passed: cancel the task (aexit converts the result). */
  _expire(): void {
    if (this._state !== "active") return;
    this._handle = null;
    this._state = "expiring";
    this._task!.cancel();
  }

  toString(): string {
    if (this._state === "active") return `<Timeout [active] when=${this._when === null ? "None" : formatWhen(this._when)}>`;
    return `<Timeout [${this._state}]>`;
  }
}

function onTimeout(timeout: Timeout): void {
  timeout._expire();
}

/**
 * Runs `body(timeout)` with a timeout of `delay` seconds (null: none) and returns its
 * value (Python's `async with asyncio.timeout(delay) as timeout:`). If the deadline passes,
 * the current task is cancelled where it waits, and the `CancelledError` that leaves the
 * body becomes `TimeoutError`. The body can move the deadline with
 * `timeout.reschedule(when)`. asyncio-flavored.
 */
export async function timeout<R>(delay: number | null, body: (timeout: Timeout) => R | PromiseLike<R>): Promise<R> {
  const loop = currentAioLoop("asyncio.timeout()");
  checkTime(delay, "delay", "asyncio.timeout()");
  checkBody(body, "asyncio.timeout()", "asyncio.timeout(delay, async (timeout) => ...)");
  return (await asyncWith(new Timeout(delay === null ? null : loop.time() + delay), body as (timeout: Timeout) => R | Promise<R>)) as R;
}

/**
 * Like `timeout`, with an absolute deadline `when` on the loop's clock (`loop.time()`),
 * or null for none (Python's `asyncio.timeout_at`). asyncio-flavored.
 */
export async function timeoutAt<R>(when: number | null, body: (timeout: Timeout) => R | PromiseLike<R>): Promise<R> {
  currentAioLoop("asyncio.timeoutAt()");
  checkTime(when, "when", "asyncio.timeoutAt()");
  checkBody(body, "asyncio.timeoutAt()", "asyncio.timeoutAt(when, async (timeout) => ...)");
  return (await asyncWith(new Timeout(when), body as (timeout: Timeout) => R | Promise<R>)) as R;
}
