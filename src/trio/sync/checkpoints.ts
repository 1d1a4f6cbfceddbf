/** The checkpoint halves that every blocking sync primitive is built from (Trio's pattern). */
import { checkpointIfCancelled } from "../../loop/traps.js";
import type { Task } from "../../loop/task.js";

/**
 * @internal
 * Trio's `await checkpoint_if_cancelled()` at the start of a blocking call, as a value:
 * the promise to await (it throws Cancelled) when `task` is cancelled, else `null`.
 * Awaiting a resolved promise would let other tasks run before the caller queues up,
 * which Trio never does: a task releasing a lock in that gap could take it back
 * ahead of the caller.
 */
export function cancelledCheckpoint(task: Task): Promise<void> | null {
  if (task._cancelStatus!.effectivelyCancelled) return checkpointIfCancelled();
  // Count the cancel point as checkpointIfCancelled would (for checkpoint accounting).
  task._cancelPoints++;
  return null;
}
