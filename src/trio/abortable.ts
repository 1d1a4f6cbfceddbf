import { currentTrioTask } from "../loop/current.js";
import { Cancelled } from "../loop/errors.js";
import { Abort } from "../loop/task.js";
import { checkpoint } from "../loop/traps.js";

function isAbortError(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { name?: unknown }).name === "AbortError";
}

/**
 * Runs a Promise-returning API that accepts an AbortSignal as a cancellable Trio wait:
 * `await trio.runAbortable((signal) => fetch(url, { signal }))`. If the caller is
 * cancelled, the signal aborts (its reason is the `trio.Cancelled`) and this keeps
 * waiting until the operation settles: a rejection caused by the abort becomes the
 * Cancelled, any other error passes through, and a value that arrives despite the
 * cancel is returned (the next checkpoint raises). Trio-flavored.
 */
export async function runAbortable<R, A extends unknown[]>(
  fn: (signal: AbortSignal, ...args: A) => PromiseLike<R>,
  ...args: A
): Promise<R> {
  if (typeof fn !== "function") throw new TypeError("runAbortable() needs a function `(signal) => promise`");
  const task = currentTrioTask("trio.runAbortable()");
  if (task._cancelStatus!.effectivelyCancelled) await checkpoint();
  const controller = new AbortController();
  const pending = fn(controller.signal, ...args);
  if (typeof pending !== "object" || pending === null || typeof pending.then !== "function") {
    throw new TypeError("runAbortable(): the function must return a Promise (it gets the AbortSignal as first argument)");
  }
  const runner = task.runner;
  let done = false;
  let parked = false;
  let ok = true;
  let value: unknown;
  let cancelled: Cancelled | undefined;
  const settle = (isOk: boolean, v: unknown): void => {
    done = true;
    ok = isOk;
    value = v;
    if (parked) {
      parked = false;
      runner._reschedule(task);
    }
  };
  pending.then(
    (v) => settle(true, v),
    (e) => settle(false, e),
  );
  if (!done) {
    parked = true;
    await runner._park(
      task,
      (raiseCancel) => {
        try {
          raiseCancel();
        } catch (c) {
          cancelled = c as Cancelled;
        }
        controller.abort(cancelled);
        return Abort.FAILED;
      },
      `trio.runAbortable(${fn.name || "fn"})`,
    );
  }
  if (ok) return value as R;
  if (cancelled !== undefined && (value === cancelled || isAbortError(value))) {
    task._cancelledAt = task._cancelStatus;
    throw cancelled;
  }
  throw value;
}
