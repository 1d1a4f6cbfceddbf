/** Finding the current Trio task and run from the async context. */
import { currentFrame } from "../contextvars/frame.js";
import { RuntimeError } from "../errors/builtins.js";
import { checkFlavor, flavorMessage, FlavorError } from "../flavor/flavor-error.js";
import type { Runner } from "./runner.js";
import { TaskState, type Task } from "./task.js";

/**
 * @internal
 * The Trio task running the caller; throws FlavorError (wrong flavor, or outside any
 * run) or RuntimeError (the task already exited: an un-awaited Trio call ran on).
 */
export function currentTrioTask(call: string): Task {
  const frame = checkFlavor("trio", call);
  const task = frame?.task as Task | undefined;
  if (task === undefined) throw new FlavorError(flavorMessage("trio", call, null));
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
  const task = currentFrame()?.task as Task | undefined;
  if (task === undefined) return undefined;
  const runner = task.runner;
  return runner._finished ? undefined : runner;
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
