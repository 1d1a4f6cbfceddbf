/** Finding the current Trio task and run from the async context. */
import { currentFrame } from "../contextvars/frame.js";
import { RuntimeError } from "../errors/builtins.js";
import { checkFlavor, flavorMessage, FlavorError } from "../flavor/flavor-error.js";
import type { Runner } from "./runner.js";
import { Task, TaskState } from "./task.js";

/**
 * @internal
 * The Trio task running the caller; throws FlavorError (wrong flavor, or outside any
 * run) or RuntimeError (the task already exited: an un-awaited Trio call ran on).
 */
export function currentTrioTask(call: string): Task {
  const frame = checkFlavor("trio", call);
  const task = frame?.task;
  if (!(task instanceof Task)) throw new FlavorError(flavorMessage("trio", call, null));
  if (task._state === TaskState.Exited) {
    throw new RuntimeError(
      `${call} was called from ${String(task)}, which has already exited: a Trio-flavored call ` +
        "was left running without await (start concurrent work in a nursery instead)",
    );
  }
  return task;
}

/** @internal The run the caller is inside (either flavor), or undefined. */
export function runnerOrUndefined(): Runner | undefined {
  // The task slot holds a Task, or a RunMarker for run-level engine code: both lead to the runner.
  const slot = currentFrame()?.task as { runner?: Runner } | undefined;
  const runner = slot?.runner;
  return runner === undefined || runner._finished ? undefined : runner;
}

/** Whether the caller is inside a Trio run (then `trio.currentTime()` works). Sync, either flavor. */
export function inTrioRun(): boolean {
  return runnerOrUndefined() !== undefined;
}

/** Whether the caller is inside a Trio task (then `trio.lowlevel.currentTask()` works). Sync, either flavor. */
export function inTrioTask(): boolean {
  const frame = currentFrame();
  const task = frame?.task;
  return task instanceof Task && frame!.flavor === "trio" && !task.runner._finished && task._state !== TaskState.Exited;
}

/**
 * @internal
 * The run the caller is inside, for sync Trio functions that work from either flavor
 * (as in trio-asyncio, asyncio code on a Trio loop is inside the Trio run).
 */
export function currentRunner(call: string): Runner {
  const runner = runnerOrUndefined();
  if (runner === undefined) {
    throw new RuntimeError(`${call} must be called inside trio.run() (or trio-asyncio's run()): no Trio run is active here`);
  }
  return runner;
}
