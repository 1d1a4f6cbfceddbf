/** Reports of probable bugs that do not stop the program. */
import type { CancelScope } from "./cancel-scope.js";
import type { Task } from "./task.js";

/**
 * @internal
 * A `trio.Cancelled` was raised inside a cancel scope (or a task), and the code caught it
 * and finished normally instead of letting it propagate: the scope that cancelled it
 * never sees it, so a timeout or a nursery cancel silently fails to stop the work.
 */
export function reportSwallowedCancel(scope: CancelScope | null, task: Task): void {
  const where = scope === null ? `the top level of ${String(task)}` : `${String(scope)} in ${String(task)}`;
  process.emitWarning(
    `A trio.Cancelled raised in ${where} was caught and not re-thrown. ` +
      "Let Cancelled propagate to the cancel scope that caught it (re-throw it after your cleanup), " +
      "or the cancellation is lost.",
    { type: "TrioWarning", code: "TRIO_CANCELLED_SWALLOWED" },
  );
}
