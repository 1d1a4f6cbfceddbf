import { ValueError } from "../errors/builtins.js";
import { CancelScope } from "../loop/cancel-scope.js";
import { currentTrioTask } from "../loop/current.js";
import type { DeadlineEntry } from "../loop/deadline-heap.js";
import { TooSlowError } from "../loop/errors.js";
import { Abort, sleepingForever, type Task } from "../loop/task.js";
import { checkpoint } from "../loop/traps.js";

/** Options of the timeout helpers. */
export interface TimeoutOptions {
  /** Shield the body from cancellations of outer scopes (see CancelScope.shield). */
  shield?: boolean;
}

function checkSeconds(seconds: unknown, what = "`seconds`"): number {
  if (typeof seconds !== "number") throw new TypeError(`${what} must be a number of seconds, got ${typeof seconds}`);
  if (Number.isNaN(seconds)) throw new ValueError(`${what} must not be NaN`);
  if (seconds < 0) throw new ValueError(`${what} must be non-negative`);
  return seconds;
}

function checkDeadline(deadline: unknown): number {
  if (typeof deadline !== "number") throw new TypeError(`deadline must be a number (a time on trio.currentTime()'s clock), got ${typeof deadline}`);
  if (Number.isNaN(deadline)) throw new ValueError("deadline must not be NaN");
  return deadline;
}

/**
 * Runs `fn(scope)` with a timeout of `seconds` (counted from entry); if it expires, the
 * body is cancelled and this returns `undefined` instead of its result. Trio-flavored.
 */
export function moveOnAfter<R>(seconds: number, fn: (scope: CancelScope) => R | Promise<R>, options: TimeoutOptions = {}): Promise<R | undefined> {
  return new CancelScope({ relativeDeadline: checkSeconds(seconds), shield: options.shield }).run(fn);
}

/** Like `moveOnAfter`, with an absolute deadline on the run's clock. Trio-flavored. */
export function moveOnAt<R>(deadline: number, fn: (scope: CancelScope) => R | Promise<R>, options: TimeoutOptions = {}): Promise<R | undefined> {
  return new CancelScope({ deadline: checkDeadline(deadline), shield: options.shield }).run(fn);
}

/**
 * Runs `fn(scope)` with a timeout of `seconds`; if it expires, the body is cancelled and
 * this throws `TooSlowError`. Trio-flavored.
 */
export async function failAfter<R>(seconds: number, fn: (scope: CancelScope) => R | Promise<R>, options: TimeoutOptions = {}): Promise<R> {
  const scope = new CancelScope({ relativeDeadline: checkSeconds(seconds), shield: options.shield });
  const result = await scope.run(fn);
  if (scope.cancelledCaught) throw new TooSlowError();
  return result as R;
}

/** Like `failAfter`, with an absolute deadline on the run's clock. Trio-flavored. */
export async function failAt<R>(deadline: number, fn: (scope: CancelScope) => R | Promise<R>, options: TimeoutOptions = {}): Promise<R> {
  const scope = new CancelScope({ deadline: checkDeadline(deadline), shield: options.shield });
  const result = await scope.run(fn);
  if (scope.cancelledCaught) throw new TooSlowError();
  return result as R;
}

function abortSleep(_raiseCancel: unknown, task: Task): Abort {
  task.runner._removeDeadline(task.customSleepData as Wakeup);
  return Abort.SUCCEEDED;
}

/** A sleeping task's wake-up: one deadline-heap entry. */
class Wakeup implements DeadlineEntry {
  deadlineSeq = 0;
  heapIndex = -1;
  constructor(
    readonly task: Task,
    public deadlineKey: number,
  ) {}

  expire(): void {
    this.task.runner._reschedule(this.task);
  }

  describeWait(): string {
    return `until ${this.deadlineKey.toFixed(3)}`;
  }
}

/**
 * Sleeps for `seconds` (not negative). `sleep(0)` is a checkpoint. Throws Cancelled if the
 * caller is cancelled meanwhile. Trio-flavored.
 */
export function sleep(seconds: number): Promise<void> {
  checkSeconds(seconds);
  if (seconds === 0) return checkpoint();
  const task = currentTrioTask("trio.sleep()");
  return sleepUntilFor(task, task.runner.clock.currentTime() + seconds);
}

/**
 * Sleeps until `deadline` on the run's clock; a deadline in the past makes it a
 * checkpoint. Trio-flavored.
 */
export function sleepUntil(deadline: number): Promise<void> {
  checkDeadline(deadline);
  const task = currentTrioTask("trio.sleepUntil()");
  return sleepUntilFor(task, deadline);
}

function sleepUntilFor(task: Task, deadline: number): Promise<void> {
  const runner = task.runner;
  if (deadline <= runner.clock.currentTime()) return checkpoint();
  if (deadline === Infinity) return sleepForever();
  const wakeup = new Wakeup(task, deadline);
  runner._addDeadline(wakeup);
  task.customSleepData = wakeup;
  return runner._park(task, abortSleep, "trio.sleep()") as Promise<void>;
}

/** Sleeps until cancelled. Trio-flavored. */
export function sleepForever(): Promise<never> {
  const task = currentTrioTask("trio.sleepForever()");
  // Not an async function: this is what 100k idle tasks sit in, so it adds no frame.
  // A manual reschedule is refused by `trio.lowlevel.reschedule` (see sleepingForever).
  return task.runner._park(task, sleepingForever, "trio.sleepForever()") as Promise<never>;
}
