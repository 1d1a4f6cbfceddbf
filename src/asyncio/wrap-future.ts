/**
 * Where asyncio meets `concurrent.futures`. JavaScript has no thread pools sharing a
 * loop, so the foreign "future" an asyncio Future can follow is a Promise:
 * `wrapFuture(promise)` is Python's `wrap_future(concurrent_future)`.
 * `runCoroutineThreadsafe` has no counterpart and says so.
 */
import { NotImplementedError, RuntimeError } from "../errors/builtins.js";
import { describeValue } from "../errors/describe.js";
import type { BaseTrioEventLoop } from "./base-loop.js";
import { defaultLoop } from "./current.js";
import { CancelledError } from "./errors.js";
import { Future } from "./futures.js";

/** Options of `wrapFuture`. */
export interface WrapFutureOptions {
  /** The loop of the new Future (default: `asyncio.getEventLoop()`, the running loop if any). */
  loop?: BaseTrioEventLoop;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as { then?: unknown }).then === "function";
}

/**
 * An asyncio Future that follows a Promise (Python's `asyncio.wrap_future`, with the
 * Promise in the role of the `concurrent.futures.Future`): it gets the Promise's value,
 * or its rejection as its exception. A rejection with a `CancelledError` (as from an
 * AbortSignal of an asyncio task) cancels the Future instead; a rejection with
 * `undefined` becomes a RuntimeError saying so.
 *
 * Unlike a `concurrent.futures.Future`, a Promise cannot be cancelled: cancelling the
 * returned Future only stops it from following the Promise, whose work goes on (pass an
 * `AbortSignal` to the work to stop it). An asyncio Future (or Task) is returned as it is.
 * Sync, either flavor.
 */
export function wrapFuture<T>(promiseOrFuture: PromiseLike<T> | Future<T>, options: WrapFutureOptions = {}): Future<T> {
  if (promiseOrFuture instanceof Future) return promiseOrFuture;
  if (!isThenable(promiseOrFuture)) {
    throw new TypeError(`wrapFuture() needs a Promise (or an asyncio Future), got ${describeValue(promiseOrFuture)}`);
  }
  const loop = options.loop ?? defaultLoop.get();
  const future = loop.createFuture<T>();
  // A state that arrives after the Future was cancelled, or after its loop closed, is dropped.
  const settle = (apply: () => void): void => {
    if (!future.done() && !loop.isClosed()) apply();
  };
  void promiseOrFuture.then(
    (value) => settle(() => future.setResult(value)),
    (error: unknown) =>
      settle(() => {
        if (error instanceof CancelledError) {
          future._cancelledExc = error;
          future.cancel(error.message);
        } else {
          future.setException(error === undefined ? new RuntimeError("the wrapped Promise was rejected with undefined") : error);
        }
      }),
  );
  return future;
}

/**
 * Not available: `asyncio.run_coroutine_threadsafe` submits a coroutine to a loop running
 * in another thread, and JavaScript threads (workers) never share a loop or its objects.
 * On the loop's own thread, start the work with `loop.createTask(fn)` (or schedule a
 * callback with `loop.callSoonThreadsafe(cb)`); from a worker thread, post a message to
 * the loop's thread (`worker.postMessage`) and start the task in the message handler.
 * Sync, either flavor.
 */
export function runCoroutineThreadsafe(_fn: unknown, _loop?: unknown): never {
  throw new NotImplementedError(
    "asyncio.runCoroutineThreadsafe() is not available: JavaScript threads (workers) do not share event loops. " +
      "On the loop's thread use loop.createTask(fn) or loop.callSoonThreadsafe(cb); " +
      "from a worker thread, post a message to the loop's thread (worker.postMessage) and start the task there.",
  );
}
