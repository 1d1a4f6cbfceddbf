import { AssertionError } from "node:assert";
import { currentTrioTask } from "../../loop/current.js";

function checkFn(fn: unknown, call: string): void {
  if (typeof fn !== "function") throw new TypeError(`${call} needs a function to run, such as \`async () => { await trio.sleep(0); }\``);
}

/**
 * Runs `await fn()` in the current task and returns its result; throws an
 * `AssertionError` (from `node:assert`) if it finished without executing a checkpoint,
 * that is, at least one schedule point and at least one cancel point (Trio's
 * `assert_checkpoints`). If `fn` throws, its error passes through unchecked.
 * Trio-flavored.
 */
export async function assertCheckpoints<R>(fn: () => R | Promise<R>): Promise<R> {
  const task = currentTrioTask("trio.testing.assertCheckpoints()");
  checkFn(fn, "assertCheckpoints()");
  const schedule = task._schedulePoints;
  const cancel = task._cancelPoints;
  const result = await fn();
  if (task._schedulePoints === schedule || task._cancelPoints === cancel) {
    throw new AssertionError({ message: "assertCheckpoints block did not yield!" });
  }
  return result;
}

/**
 * Runs `await fn()` in the current task and returns its result; throws an
 * `AssertionError` (from `node:assert`) if it executed any schedule point or cancel
 * point (Trio's `assert_no_checkpoints`). The check also applies when `fn` throws: then
 * the AssertionError replaces the error, which becomes its `cause`. Trio-flavored.
 */
export async function assertNoCheckpoints<R>(fn: () => R | Promise<R>): Promise<R> {
  const task = currentTrioTask("trio.testing.assertNoCheckpoints()");
  checkFn(fn, "assertNoCheckpoints()");
  const schedule = task._schedulePoints;
  const cancel = task._cancelPoints;
  const yielded = (): boolean => task._schedulePoints !== schedule || task._cancelPoints !== cancel;
  let result: R;
  try {
    result = await fn();
  } catch (error) {
    if (yielded()) throw noCheckpointsFailure(error, true);
    throw error;
  }
  if (yielded()) throw noCheckpointsFailure(undefined, false);
  return result;
}

function noCheckpointsFailure(cause: unknown, hasCause: boolean): AssertionError {
  const error = new AssertionError({ message: "assertNoCheckpoints block yielded!" });
  // Like Python's implicit exception chaining: keep the error the failure replaced.
  if (hasCause) error.cause = cause;
  return error;
}
