/** `asyncio.shield`: waiting for work without passing a cancellation on to it. */
import { describeValue } from "../errors/describe.js";
import { noRunningLoop, runningLoopOrNull } from "./current.js";
import { Future } from "./futures.js";

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as { then?: unknown }).then === "function";
}

/**
 * Protects `arg` from cancellation (`asyncio.shield`): returns an outer Future that
 * follows `arg`'s outcome, and whose cancellation (for instance, by cancelling the task
 * awaiting it) does not reach `arg`. So `await asyncio.shield(task)` throws
 * `CancelledError` when the awaiting task is cancelled, while `task` runs on. If `arg`
 * itself is cancelled, the outer Future is cancelled too.
 *
 * `arg` is a function (started as a Task, which goes on running when the caller is
 * cancelled), an asyncio Future or Task, or a Promise (awaited by a new Task). An `arg`
 * that is already done is returned as it is. Keep a reference to a shielded Task if you
 * want its outcome after cancelling the outer Future.
 *
 * Sync, either flavor: a function or a Promise needs a running loop.
 */
export function shield<T>(arg: (() => PromiseLike<T> | T) | Future<T> | PromiseLike<T>): Future<T> {
  let inner: Future<T>;
  if (arg instanceof Future) {
    inner = arg;
  } else if (typeof arg === "function") {
    inner = (runningLoopOrNull() ?? noRunningLoop()).createTask(arg);
  } else if (isThenable(arg)) {
    const promise = arg;
    inner = (runningLoopOrNull() ?? noRunningLoop()).createTask(() => promise);
  } else {
    throw new TypeError(`shield() takes a function (started as a task), an asyncio Future or a Promise; got ${describeValue(arg)}`);
  }
  if (inner.done()) return inner;

  const outer = inner._loop.createFuture<T>();
  const onInnerDone = (): void => {
    if (outer.cancelled()) {
      // Nobody waits through outer any more: mark inner's error as retrieved.
      if (!inner.cancelled()) inner.exception();
      return;
    }
    if (inner.cancelled()) {
      outer.cancel();
      return;
    }
    const error = inner.exception();
    if (error !== undefined) outer.setException(error);
    else outer.setResult(inner.result());
  };
  const onOuterDone = (): void => {
    if (!inner.done()) inner.removeDoneCallback(onInnerDone);
  };
  inner.addDoneCallback(onInnerDone);
  outer.addDoneCallback(onOuterDone);
  return outer;
}
