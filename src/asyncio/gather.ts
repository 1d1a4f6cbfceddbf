/**
 * `asyncio.gather`: one Future for the results of several awaitables, with asyncio's
 * rules for errors and cancellation in both directions.
 */
import { ValueError } from "../errors/builtins.js";
import { describeValue } from "../errors/describe.js";
import type { BaseTrioEventLoop } from "./base-loop.js";
import { noRunningLoop, runningLoopOrNull } from "./current.js";
import { CancelledError } from "./errors.js";
import { Future } from "./futures.js";

/** Options of `gather`, given as its last argument. */
export interface GatherOptions {
  /**
   * false (the default): the first error (or a child's cancellation, as a
   * `CancelledError`) becomes the gathering Future's error at once. true: errors and
   * `CancelledError`s take their place in the results array.
   */
  returnExceptions?: boolean;
}

/** What `gather` accepts: a function to start as a task, an asyncio Future, or a Promise. */
export type Gatherable<T = unknown> = (() => PromiseLike<T> | T) | Future<T> | PromiseLike<T>;

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as { then?: unknown }).then === "function";
}

/** A trailing plain object that is not awaitable: `{ returnExceptions }`. */
function isOptions(value: unknown): value is GatherOptions {
  if (typeof value !== "object" || value === null || isThenable(value) || value instanceof Future) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function readOptions(options: GatherOptions): boolean {
  for (const key of Object.keys(options)) {
    if (key !== "returnExceptions") throw new TypeError(`gather(): unknown option "${key}" (the only option is returnExceptions)`);
  }
  const value: unknown = options.returnExceptions;
  if (value !== undefined && typeof value !== "boolean") {
    throw new TypeError(`gather(): returnExceptions must be a boolean, got ${describeValue(value)}`);
  }
  return value === true;
}

/**
 * The Future `gather` returns (`asyncio.GatheringFuture`). `cancel()` cancels the
 * children that are not done, as `Task.cancel()` would, instead of cancelling itself at
 * once: the gathering Future then ends with `CancelledError` once every child is done,
 * even with `returnExceptions`. Sync, either flavor.
 */
export class GatheringFuture<T extends unknown[] = unknown[]> extends Future<T> {
  /** @internal The children, in argument order (a child passed twice appears twice). */
  readonly _children: readonly Future<unknown>[];
  /** @internal Whether `cancel()` cancelled at least one child. */
  _cancelRequested = false;

  /** @internal Made by `gather`. */
  constructor(children: readonly Future<unknown>[], loop: BaseTrioEventLoop) {
    super({ loop });
    this._children = children;
  }

  /**
   * Cancels every child that is not done; returns whether any was. The gathering
   * Future finishes with `CancelledError` when the last child is done.
   */
  override cancel(msg?: string): boolean {
    if (this.done()) return false;
    let cancelled = false;
    for (const child of this._children) if (child.cancel(msg)) cancelled = true;
    // Propagate the cancellation even with returnExceptions (Python issue 32684).
    if (cancelled) this._cancelRequested = true;
    return cancelled;
  }
}

/**
 * Finishes `outer` with a child's `CancelledError` as its exception: asyncio keeps the
 * gathering Future not-cancelled here, so that one child's cancellation does not look
 * like a cancellation of the whole. Cores that refuse a `CancelledError` in
 * `setException` get a cancelled Future carrying the same error instead.
 */
function setCancelledError<T>(outer: Future<T>, error: CancelledError): void {
  try {
    outer.setException(error);
  } catch (refused) {
    if (!(refused instanceof TypeError)) throw refused;
    outer._cancelledExc = error;
    Future.prototype.cancel.call(outer, error.message);
  }
}

/**
 * Runs or awaits the arguments concurrently and returns a Future of their results, in
 * argument order (`asyncio.gather`). Each argument is a function (started as an asyncio
 * Task: `gather(() => a(), () => b())`), an asyncio Future or Task, or a Promise (awaited
 * by a new Task). The same function, Future or Promise given twice is started or awaited
 * once and its result fills both places.
 *
 * Options: a last argument that is a plain object (not a Promise or Future) is the
 * options, `gather(f, g, { returnExceptions: true })`.
 *
 * - Without `returnExceptions`, the first child error (a cancelled child counts as a
 *   `CancelledError`) becomes the Future's error at once; the other children go on
 *   running.
 * - With `returnExceptions: true`, errors and `CancelledError`s are results.
 * - Cancelling the returned Future (or the task awaiting it) cancels the children that
 *   are not done; the Future then ends with `CancelledError` (see `GatheringFuture`).
 * - With no arguments, the Future already holds `[]`.
 *
 * Sync, either flavor: functions and Promises need a running loop (asyncio code, or
 * Trio code inside `openLoop`), or a Future argument before them that names the loop.
 */
export function gather<T extends unknown[] = unknown[]>(...args: [...Gatherable[]] | [...Gatherable[], GatherOptions]): GatheringFuture<T> {
  let returnExceptions = false;
  const awaitables: unknown[] = args;
  if (awaitables.length > 0 && isOptions(awaitables[awaitables.length - 1])) {
    returnExceptions = readOptions(awaitables.pop() as GatherOptions);
  }

  let loop: BaseTrioEventLoop | null = null;
  const argToFut = new Map<unknown, Future<unknown>>();
  const children: Future<unknown>[] = [];
  for (const arg of awaitables) {
    let fut = argToFut.get(arg);
    if (fut === undefined) {
      if (arg instanceof Future) {
        if (loop !== null && arg._loop !== loop) {
          throw new ValueError("The future belongs to a different loop than the one specified as the loop argument");
        }
        fut = arg as Future<unknown>;
      } else if (typeof arg === "function") {
        loop ??= runningLoopOrNull() ?? noRunningLoop();
        fut = loop.createTask(arg as () => unknown);
      } else if (isThenable(arg)) {
        loop ??= runningLoopOrNull() ?? noRunningLoop();
        const promise = arg;
        fut = loop.createTask(() => promise);
      } else {
        throw new TypeError(
          `gather() takes functions (started as tasks), asyncio Futures or Promises; got ${describeValue(arg)}` +
            (isOptions(arg) ? " (options go last)" : ""),
        );
      }
      loop ??= fut._loop;
      argToFut.set(arg, fut);
    }
    children.push(fut);
  }
  loop ??= runningLoopOrNull() ?? noRunningLoop();

  const outer = new GatheringFuture<T>(children, loop);
  const nfuts = argToFut.size;
  let nfinished = 0;
  if (nfuts === 0) {
    outer.setResult([] as unknown as T);
    return outer;
  }

  const onChildDone = (fut: Future<unknown>): void => {
    nfinished++;
    if (outer.done()) {
      // Mark the error as retrieved: it cannot be reported through outer any more.
      if (!fut.cancelled()) fut.exception();
      return;
    }
    if (!returnExceptions) {
      if (fut.cancelled()) {
        setCancelledError(outer, fut._makeCancelledError());
        return;
      }
      const error = fut.exception();
      if (error !== undefined) {
        outer.setException(error);
        return;
      }
    }
    if (nfinished === nfuts) {
      const results = children.map((child) => {
        if (child.cancelled()) return new CancelledError(child._cancelMessage ?? "");
        const error = child.exception();
        return error !== undefined ? error : child.result();
      });
      if (outer._cancelRequested) setCancelledError(outer, fut._makeCancelledError());
      else outer.setResult(results as T);
    }
  };
  for (const fut of argToFut.values()) fut.addDoneCallback(onChildDone);
  return outer;
}
