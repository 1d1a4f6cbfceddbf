/**
 * Trio's exceptions. They live with the engine because both flavors' layers raise some
 * of them (the asyncio loop raises `WouldBlock` for a full queue, for example); the
 * `trio` namespace re-exports them.
 */
import { RuntimeError, nameError } from "../errors/builtins.js";
import type { CancelScope } from "./cancel-scope.js";

/** Why a cancel scope was cancelled. */
export type CancelSource = "KeyboardInterrupt" | "deadline" | "explicit" | "nursery" | "shutdown" | "unknown";

const CREATE: unique symbol = Symbol("Cancelled.create");

/**
 * Raised by blocking Trio-flavored calls (checkpoints) when the surrounding cancel scope
 * has been cancelled. Let it propagate to the cancel scope that catches it; if you must
 * catch it to clean up, throw it again. It cannot be constructed by user code: cancel a
 * scope with `cancelScope.cancel()` instead. Sync, either flavor.
 */
export class Cancelled extends Error {
  /** What caused the cancellation. */
  readonly source: CancelSource;
  /** The reason given to `cancel(reason)`, if any. */
  readonly reason: string | undefined;
  /** The task that called `cancel()` (or whose error cancelled a nursery), if known. */
  readonly sourceTask: string | undefined;
  /** The cancel scope whose cancellation this is (the scope that will catch it). */
  readonly scope: CancelScope | undefined;

  /** @internal */
  constructor(
    token: typeof CREATE,
    source: CancelSource,
    reason: string | undefined,
    sourceTask: string | undefined,
    scope: CancelScope | undefined,
  ) {
    if (token !== CREATE) {
      throw new TypeError(
        "trio.Cancelled cannot be constructed by user code: cancel a scope with cancelScope.cancel() instead",
      );
    }
    super(
      `cancelled due to ${source}` +
        (reason === undefined ? "" : ` with reason ${JSON.stringify(reason)}`) +
        (sourceTask === undefined ? "" : ` from task ${sourceTask}`),
    );
    this.source = source;
    this.reason = reason;
    this.sourceTask = sourceTask;
    this.scope = scope;
  }

  /** @internal */
  static _create(
    source: CancelSource,
    reason?: string,
    sourceTask?: string,
    scope?: CancelScope,
  ): Cancelled {
    return new Cancelled(CREATE, source, reason, sourceTask, scope);
  }
}
nameError(Cancelled, "Cancelled");

/** Raised by `failAfter` and `failAt` when the deadline expires. Sync, either flavor. */
export class TooSlowError extends Error {
  constructor(message = "the operation did not complete before its deadline") {
    super(message);
  }
}
nameError(TooSlowError, "TooSlowError");

/** Raised by `*Nowait` calls that would have to block. Sync, either flavor. */
export class WouldBlock extends Error {}
nameError(WouldBlock, "WouldBlock");

/** Raised when receiving from a channel that has no more data (its senders closed). Sync, either flavor. */
export class EndOfChannel extends Error {}
nameError(EndOfChannel, "EndOfChannel");

/** Raised when using a resource that your code has closed. Sync, either flavor. */
export class ClosedResourceError extends Error {}
nameError(ClosedResourceError, "ClosedResourceError");

/**
 * Raised when a resource fails because of something outside your code (the peer closed
 * it, for example); `cause` often says more. Sync, either flavor.
 */
export class BrokenResourceError extends Error {}
nameError(BrokenResourceError, "BrokenResourceError");

/** Raised when two tasks try to use a resource that only one may use at a time. Sync, either flavor. */
export class BusyResourceError extends Error {}
nameError(BusyResourceError, "BusyResourceError");

/** Raised by calls into a Trio run (`TrioToken.runSyncSoon`, ...) after it has finished. Sync, either flavor. */
export class RunFinishedError extends RuntimeError {}
nameError(RunFinishedError, "RunFinishedError");

/**
 * Raised by `trio.run` when the engine's own invariants break, or a system task or a
 * `runSyncSoon` callback fails; `cause` holds the original error. Sync, either flavor.
 */
export class TrioInternalError extends Error {}
nameError(TrioInternalError, "TrioInternalError");
