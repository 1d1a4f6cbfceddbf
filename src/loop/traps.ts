/**
 * The primitives every Trio-flavored wait is built on (Trio's `_traps` and the
 * task-level functions of `_run`): checkpoints, parking a task and waking it.
 */
import { RuntimeError } from "../errors/builtins.js";
import { currentTrioTask, currentRunner } from "./current.js";
import { Abort, sleepingForever, TaskState, type AbortFn, type Task } from "./task.js";
import type { Clock } from "./clock.js";

const RESOLVED: Promise<void> = Promise.resolve();
const abortSucceeded: AbortFn = () => Abort.SUCCEEDED;

/** The outcome a task is rescheduled with: a value to return or an error to throw. */
export type Outcome<T = unknown> = { readonly value: T } | { readonly error: unknown };

/**
 * A checkpoint: yields to other tasks, and throws `trio.Cancelled` if the caller is
 * cancelled (`trio.lowlevel.checkpoint`, also `trio.sleep(0)`). When no other task is
 * waiting to run and the engine is not due for housekeeping, it resumes after a single
 * microtask. Trio-flavored.
 */
export function checkpoint(): Promise<void> {
  const task = currentTrioTask("trio.lowlevel.checkpoint()");
  const cancelled = cancelPoint(task);
  if (cancelled !== null) return cancelled;
  const point = schedulePoint(task, "checkpoint");
  return point === null ? RESOLVED : afterSchedulePoint(task, point);
}

/** A checkpoint that had to yield: a cancel that came meanwhile still throws here. */
async function afterSchedulePoint(task: Task, point: Promise<void>): Promise<void> {
  await point;
  if (task._cancelStatus!.effectivelyCancelled) await parkCancelled(task);
}

/** Parks in a scope that is already cancelled, so that the wait throws the pending Cancelled. */
function parkCancelled(task: Task): Promise<void> {
  return task.runner._park(task, abortSucceeded, "checkpoint (cancelled)") as Promise<void>;
}

/**
 * A schedule point that is not a cancel point: yields to other tasks but never throws
 * Cancelled (`trio.lowlevel.cancelShieldedCheckpoint`). Trio-flavored.
 */
export function cancelShieldedCheckpoint(): Promise<void> {
  return schedulePoint(currentTrioTask("trio.lowlevel.cancelShieldedCheckpoint()")) ?? RESOLVED;
}

/**
 * A checkpoint only if the caller is cancelled (then it throws Cancelled); otherwise a
 * no-op that returns at once. Trio-flavored.
 */
export function checkpointIfCancelled(): Promise<void> {
  return cancelPoint(currentTrioTask("trio.checkpointIfCancelled()")) ?? RESOLVED;
}

/**
 * @internal `cancelShieldedCheckpoint` for hot paths: null when the schedule point is
 * already over (nobody else was runnable), else the wait to await. Each `await` costs
 * promises, several when async_hooks are on (Node 20 and 22 with AsyncLocalStorage).
 */
export function schedulePoint(task: Task, what = "cancel-shielded checkpoint"): Promise<void> | null {
  if (task._state === TaskState.Running && task.runner._fastCheckpointOk()) {
    task._schedulePoints++;
    task.customSleepData = undefined; // as a reschedule would
    return null;
  }
  return task.runner._schedulePoint(task, what) as Promise<void>;
}

/** @internal `checkpointIfCancelled` for hot paths: null unless cancelled, else the wait that throws Cancelled. */
export function cancelPoint(task: Task): Promise<void> | null {
  task._cancelPoints++;
  return task._cancelStatus!.effectivelyCancelled ? parkCancelled(task) : null;
}

/**
 * Parks the current task until `reschedule(task, outcome)` is called, and returns the
 * outcome's value (or throws its error). If a cancellation reaches the task meanwhile,
 * `abortFn(raiseCancel)` is called: return `Abort.SUCCEEDED` once the wait is cleaned
 * up (the task then throws Cancelled), or `Abort.FAILED` if it cannot be interrupted
 * (then whoever ends the wait must reschedule the task). Trio-flavored.
 */
export async function waitTaskRescheduled(abortFn: AbortFn): Promise<unknown> {
  if (typeof abortFn !== "function") throw new TypeError("waitTaskRescheduled() needs an abort function");
  const task = currentTrioTask("trio.lowlevel.waitTaskRescheduled()");
  await task.runner._park(task, abortFn, "trio.lowlevel.waitTaskRescheduled()");
  return takeValue(task);
}

/** @internal The value handed over by `rescheduleWithValue`. */
export function takeValue(task: Task): unknown {
  const value = task._nextValue;
  task._nextValue = undefined;
  return value;
}

/** @internal Wakes `task` with `value` as the result of its wait (read with takeValue). */
export function rescheduleWithValue(task: Task, value: unknown): void {
  task._nextValue = value;
  task.runner._reschedule(task);
}

/**
 * Wakes a task parked in `waitTaskRescheduled` with `outcome` (`{ value }` or
 * `{ error }`; default `{ value: undefined }`). Exactly one reschedule per wait.
 * Sync, either flavor; safe from any JavaScript code, even outside the run.
 */
export function reschedule(task: Task, outcome: Outcome = { value: undefined }): void {
  if (typeof outcome !== "object" || outcome === null || !("value" in outcome || "error" in outcome)) {
    throw new TypeError("reschedule(task, outcome): outcome must be { value } or { error }");
  }
  if (task._state !== TaskState.Parked) {
    throw new RuntimeError(`reschedule: ${String(task)} is not waiting in waitTaskRescheduled()`);
  }
  if (task._abortFn === sleepingForever) {
    task.runner._rescheduleError(task, new RuntimeError("Should never have been rescheduled! (the task is in trio.sleepForever())"));
    return;
  }
  if ("error" in outcome) task.runner._rescheduleError(task, outcome.error);
  else rescheduleWithValue(task, outcome.value);
}

/** The Trio task running the caller. Trio-flavored. */
export function currentTask(): Task {
  return currentTrioTask("trio.lowlevel.currentTask()");
}

/** The run's root task, the ancestor of every other task. Sync, either flavor (inside the run). */
export function currentRootTask(): Task | null {
  return currentRunner("trio.lowlevel.currentRootTask()").initTask;
}

/** The current time on the run's clock, in seconds. Sync, either flavor (inside the run). */
export function currentTime(): number {
  return currentRunner("trio.currentTime()").clock.currentTime();
}

/** The run's clock. Sync, either flavor (inside the run). */
export function currentClock(): Clock {
  return currentRunner("trio.lowlevel.currentClock()").clock;
}

/**
 * The deadline that will cancel the caller first, taking shields into account:
 * `Infinity` if none, `-Infinity` if it is already cancelled. Trio-flavored.
 */
export function currentEffectiveDeadline(): number {
  return currentTrioTask("trio.currentEffectiveDeadline()")._cancelStatus!.effectiveDeadline();
}
