import { ValueError } from "../../errors/builtins.js";
import { currentTrioTask } from "../../loop/current.js";

/**
 * Waits until every other task of the run has been blocked (parked in the engine) for
 * `cushion` real seconds (default 0). Tasks awaiting a plain Promise count as running.
 * When several tasks wait, those with the smallest cushion wake first. Trio-flavored.
 */
export function waitAllTasksBlocked(cushion = 0): Promise<void> {
  if (typeof cushion !== "number" || Number.isNaN(cushion)) throw new TypeError("cushion must be a number of seconds");
  if (cushion < 0) throw new ValueError("cushion must be non-negative");
  const task = currentTrioTask("trio.testing.waitAllTasksBlocked()");
  return task.runner.waitAllTasksBlocked(task, cushion) as Promise<void>;
}
