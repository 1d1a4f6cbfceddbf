/**
 * Trio tasks started from asyncio (trio-asyncio's `AsyncHandle`): `loop.trioAsFuture`,
 * `loop.runTrioTask` and the `trioAsAio` adapter queue one of these handles; when the
 * loop reaches it, it starts a Trio task in the loop's shielded nursery.
 */
import type { Context } from "../contextvars/context.js";
import { frameContext } from "../contextvars/context.js";
import { CancelScope } from "../loop/cancel-scope.js";
import { currentTrioTask } from "../loop/current.js";
import { NO_ERROR, splitCancelled } from "../loop/cancelled-split.js";
import type { BaseTrioEventLoop } from "./base-loop.js";
import { Future } from "./futures.js";
import { Handle } from "./handles.js";

type TrioFn = (...args: unknown[]) => unknown;

/**
 * The Future of a Trio call started from asyncio (`loop.trioAsFuture(fn)`): cancelling
 * it cancels the Trio task, and the Future stays pending until the task is done: it is
 * cancelled if the task ended because of that cancel, and gets the value or error the
 * task ended with otherwise (a late result wins). Sync, either flavor; awaiting it is
 * asyncio-flavored.
 */
export class TrioFuture<T = unknown> extends Future<T> {
  /** @internal The handle running the Trio task. */
  _handle: AsyncHandle | null = null;

  /**
   * Requests the cancellation of the Trio task. Returns false if the Future is already
   * done; once the task has finished, cancels the Future itself.
   */
  override cancel(msg?: string): boolean {
    const handle = this._handle;
    if (handle === null || handle._finished) return super.cancel(msg ?? handle?._cancelMessage);
    if (this.done()) return false;
    // Forwarded to the Trio task: the Future is settled when the task is done.
    handle._cancelMessage = msg;
    handle.cancel();
    return true;
  }

  /** @internal Cancels the Future itself (the Trio task is done). */
  _cancelNow(msg?: string): void {
    super.cancel(msg);
  }
}

/**
 * A callback Handle whose "callback" is a Trio-flavored async function, run as a Trio
 * task in the loop's nursery, inside its own cancel scope (`cancel()` cancels it).
 * Sync, either flavor.
 */
export class AsyncHandle extends Handle {
  /** @internal The scope around the Trio call. */
  readonly _scope = new CancelScope();
  /** @internal */ readonly _future: TrioFuture<unknown> | null;
  /** @internal The Trio function returned or threw. */
  _finished = false;
  /** @internal The message of the Future's cancel, for the CancelledError. */
  _cancelMessage: string | undefined = undefined;

  /** @internal */
  constructor(fn: TrioFn, args: unknown[], loop: BaseTrioEventLoop, future: TrioFuture<unknown> | null, context?: Context) {
    super(fn, args, loop, context);
    this._future = future;
    if (future !== null) future._handle = this;
  }

  /** @internal Whether `cancel()` was called (the loop still runs the handle, to settle its Future). */
  _cancelRequested = false;

  /** Cancels the Trio call: before it starts, it never runs; after, its scope is cancelled. */
  override cancel(): void {
    this._cancelRequested = true;
    this._scope.cancel();
  }

  /** Whether `cancel()` was called. */
  override cancelled(): boolean {
    return this._cancelRequested;
  }

  /** @internal */
  override _reprInfo(): string[] {
    const info = super._reprInfo();
    if (this._cancelRequested) info.splice(1, 0, "cancelled");
    return info;
  }

  /**
   * @internal Reached in the loop's ready queue: starts the Trio task. Returns true: the
   * loop lets the task start before it runs its next entry.
   */
  override _run(): boolean {
    const nursery = this._loop._nursery;
    if (nursery === null || nursery._closed) {
      // The loop is shutting down: the call never starts, as if cancelled first.
      this._finished = true;
      this._future?._cancelNow(this._cancelMessage ?? "the event loop shut down before the Trio call could start");
      return false;
    }
    nursery.startSoon({ name: this._taskName(), context: frameContext(this) }, runTrioCall, this);
    return true;
  }

  private _taskName(): string {
    const callback = this._callback as { name?: string } | null;
    return callback?.name ? `trio call ${callback.name}` : "trio call";
  }

  /** @internal An error with nowhere better to go: the loop's exception handler. */
  _report(error: unknown): void {
    const callback = this._callback as { name?: string } | null;
    this._loop.callExceptionHandler({
      message: `Exception in callback ${callback?.name || "trio call"}`,
      exception: error,
      handle: this,
    });
  }
}

/** The Trio task of an AsyncHandle: calls the function and settles the Future. */
async function runTrioCall(handle: AsyncHandle): Promise<void> {
  const future = handle._future;
  if (handle._cancelRequested) {
    // Cancelled before it started: the function never runs, the Future is still settled.
    handle._finished = true;
    if (future !== null && !future.done()) future._cancelNow(handle._cancelMessage);
    return;
  }
  const fn = handle._callback as TrioFn;
  const args = handle._args!;
  // The handle's scope, entered by hand (CancelScope.run would add two async frames).
  const task = currentTrioTask("trio call");
  const scope = handle._scope;
  scope._enter(task);
  let result: unknown;
  let error: unknown = NO_ERROR;
  try {
    result = await fn(...args);
  } catch (e) {
    error = e;
  }
  handle._finished = true;
  error = scope._close(task, error);
  if (error !== NO_ERROR) {
    const [cancelled, rest] = splitCancelled(error);
    if (future === null) {
      // runTrioTask: errors go to the exception handler (an async loop raises them).
      if (rest !== NO_ERROR) handle._report(rest);
    } else if (!future.done()) {
      if (rest !== NO_ERROR) future.setException(rest);
      else future._cancelNow(handle._cancelMessage);
    }
    // A Cancelled of an outer scope (the loop's teardown) keeps propagating to it.
    if (cancelled !== NO_ERROR) throw cancelled;
    return;
  }
  if (future === null || future.done()) return;
  if (handle._scope.cancelledCaught) future._cancelNow(handle._cancelMessage);
  else future.setResult(result);
}
