import { RuntimeError, ValueError } from "../errors/builtins.js";
import { CancelReason, CancelStatus } from "./cancel-status.js";
import { Cancelled } from "./errors.js";
import { NO_ERROR, removeCancelled } from "./cancelled-split.js";
import type { Runner } from "./runner.js";
import type { Task } from "./task.js";
import type { Nursery } from "./nursery.js";
import { currentTrioTask, runnerOrUndefined } from "./current.js";
import { reportSwallowedCancel } from "./warnings.js";

export { NO_ERROR };
/** @internal */
export type MaybeError = unknown;

/** Options of `CancelScope`. */
export interface CancelScopeOptions {
  /** Absolute deadline on the run's clock (`trio.currentTime()` units). */
  deadline?: number;
  /** Deadline relative to when the scope is entered, in seconds. */
  relativeDeadline?: number;
  /** Whether to shield the scope's body from cancellations of outer scopes. */
  shield?: boolean;
  /** An external AbortSignal: the scope is cancelled when it aborts. */
  signal?: AbortSignal;
}

const MISNESTING_ADVICE =
  "This is probably a bug in your code that has corrupted the engine's state: for example two " +
  "cancel scopes or nurseries run concurrently inside one task (with Promise.all or an un-awaited " +
  "call). Start concurrent work in a nursery instead.";

function checkNumber(value: unknown, what: string): number {
  if (typeof value !== "number") throw new TypeError(`${what} must be a number, got ${typeof value}`);
  if (Number.isNaN(value)) throw new ValueError(`${what} must not be NaN`);
  return value;
}

/**
 * A cancellation scope: the link between a unit of cancellable work and Trio's
 * cancellation system (`trio.CancelScope`). Run a body inside it with `run()`; a
 * `cancel()`, or the expiry of `deadline`, raises `trio.Cancelled` at the body's next
 * checkpoint, and the scope catches it on the way out. Scopes are single-use.
 * Construct anywhere; `run()` is Trio-flavored; the other members are sync, either flavor.
 */
export class CancelScope {
  /** Whether this scope caught a Cancelled when its body exited. */
  cancelledCaught = false;

  /** @internal */ _cancelStatus: CancelStatus | null = null;
  /** @internal */ _hasBeenEntered = false;
  /** @internal */ _cancelCalled = false;
  /** @internal */ _cancelReason: CancelReason | null = null;
  /** @internal */ _deadline: number;
  /** @internal */ _relativeDeadline: number;
  /** @internal */ _shield: boolean;
  /** @internal */ _runner: Runner | null = null;
  /** @internal The task that entered the scope. */
  _enteringTask: Task | null = null;
  /** @internal The nursery this scope belongs to, if it is a nursery's scope. */
  _nursery: Nursery | null = null;
  /** @internal */ deadlineKey = Infinity;
  /** @internal */ deadlineSeq = 0;
  /** @internal */ heapIndex = -1;
  private _controller: AbortController | null = null;
  private readonly _externalSignal: AbortSignal | undefined;
  private _onExternalAbort: (() => void) | null = null;

  constructor(options: CancelScopeOptions = {}) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError("CancelScope options must be an object, such as { deadline, relativeDeadline, shield }");
    }
    const deadline = options.deadline === undefined ? Infinity : checkNumber(options.deadline, "deadline");
    const relative =
      options.relativeDeadline === undefined ? Infinity : checkNumber(options.relativeDeadline, "relative deadline");
    if (relative < 0) throw new ValueError("timeout must be non-negative");
    if (relative !== Infinity && deadline !== Infinity) {
      throw new ValueError("Cannot specify both a deadline and a relative deadline");
    }
    const shield = options.shield ?? false;
    if (typeof shield !== "boolean") throw new TypeError("shield must be a boolean");
    if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
      throw new TypeError("signal must be an AbortSignal");
    }
    this._deadline = deadline;
    this._relativeDeadline = relative;
    this._shield = shield;
    this._externalSignal = options.signal;
  }

  /**
   * Runs `fn(scope)` inside this scope and returns its result, or `undefined` if the
   * scope caught a cancellation. Trio-flavored.
   */
  async run<R>(fn: (scope: this) => R | Promise<R>): Promise<R | undefined> {
    if (typeof fn !== "function") {
      throw new TypeError(`CancelScope.run() needs a function to run inside the scope, got ${describe(fn)}`);
    }
    const task = currentTrioTask("CancelScope.run()");
    this._enter(task);
    let error: unknown = NO_ERROR;
    let result: R | undefined;
    try {
      result = await fn(this);
    } catch (e) {
      error = e;
    }
    const remaining = this._close(task, error);
    if (remaining !== NO_ERROR) throw remaining;
    return this.cancelledCaught ? undefined : result;
  }

  /** @internal Entry: binds the scope to the task's cancel status tree. */
  _enter(task: Task): void {
    if (this._hasBeenEntered) {
      throw new RuntimeError("Each CancelScope may only be run once: create a new CancelScope for each block");
    }
    this._hasBeenEntered = true;
    this._enteringTask = task;
    const runner = task.runner;
    this._runner = runner;
    if (this._relativeDeadline !== Infinity) {
      this._deadline = runner.clock.currentTime() + this._relativeDeadline;
      this._relativeDeadline = Infinity;
    }
    if (this._deadline !== Infinity && runner.clock.currentTime() >= this._deadline) {
      this._cancel(new CancelReason("deadline"));
    }
    this._cancelStatus = new CancelStatus(this, task._cancelStatus);
    task._activateCancelStatus(this._cancelStatus);
    this._updateRegisteredDeadline(false); // entry already checked the deadline
    const signal = this._externalSignal;
    if (signal !== undefined) {
      if (signal.aborted) this._cancelFromSignal(signal);
      else {
        this._onExternalAbort = () => this._cancelFromSignal(signal);
        signal.addEventListener("abort", this._onExternalAbort, { once: true });
      }
    }
  }

  private _cancelFromSignal(signal: AbortSignal): void {
    const reason: unknown = signal.reason;
    const text = reason instanceof Error ? reason.message : String(reason);
    this._cancel(new CancelReason("explicit", `AbortSignal aborted: ${text}`));
  }

  /**
   * @internal Exit: unbinds the scope and catches the Cancelled it is responsible for.
   * Takes the body's error (or NO_ERROR) and returns what remains to propagate.
   */
  _close(task: Task, error: MaybeError): MaybeError {
    const status = this._cancelStatus;
    if (status === null) {
      return new RuntimeError(`Cancel scope stack corrupted: attempted to exit ${String(this)} which had already been exited`, {
        cause: error === NO_ERROR ? undefined : error,
      });
    }
    if (task._cancelStatus !== status) {
      if (status.abandonedByMisnesting) {
        // An outer scope closed first and already raised the error.
      } else if (!status.encloses(task._cancelStatus)) {
        return new RuntimeError(
          `Cancel scope stack corrupted: attempted to exit ${String(this)} from unrelated ${String(task)}. ${MISNESTING_ADVICE}`,
          { cause: error === NO_ERROR ? undefined : error },
        );
      } else {
        error = new RuntimeError(
          `Cancel scope stack corrupted: attempted to exit ${String(this)} in ${String(task)} that's still within ` +
            `its child ${String(task._cancelStatus!._scope)}. ${MISNESTING_ADVICE}`,
          { cause: error === NO_ERROR ? undefined : error },
        );
        task._activateCancelStatus(status.parent);
      }
    } else {
      task._activateCancelStatus(status.parent);
    }
    if (
      (error !== NO_ERROR && status.effectivelyCancelled && !status.parentCancellationIsVisibleToUs) ||
      (task._cancelStatus !== status && status.abandonedByMisnesting)
    ) {
      const [matched, rest] = removeCancelled(error);
      if (matched) {
        this.cancelledCaught = true;
        error = rest;
      }
    }
    if (task._cancelledAt === status) {
      if (error === NO_ERROR && !this.cancelledCaught) reportSwallowedCancel(this, task);
      // A Cancelled still on its way out is watched at the next scope out.
      task._cancelledAt = error !== NO_ERROR && removeCancelled(error)[0] ? status.parent : null;
    }
    status.close();
    this._cancelStatus = null;
    this._updateRegisteredDeadline();
    if (this._onExternalAbort !== null) {
      this._externalSignal!.removeEventListener("abort", this._onExternalAbort);
      this._onExternalAbort = null;
    }
    return error;
  }

  /**
   * @internal Keeps the run's deadline heap in step with this scope. A deadline that is
   * already past expires at the next scheduler pass, so that the very next checkpoint
   * raises (on entry, `_enter` cancels at once).
   */
  _updateRegisteredDeadline(checkPast = true): void {
    const runner = this._runner;
    if (runner === null) return;
    if (checkPast && this._cancelStatus !== null && !this._cancelCalled && this._deadline !== Infinity && runner.clock.currentTime() >= this._deadline) {
      runner._noteDeadlinePassed();
    }
    const wanted = this._cancelStatus === null || this._cancelCalled ? Infinity : this._deadline;
    if (wanted === this.deadlineKey) return;
    if (this.heapIndex >= 0) runner._removeDeadline(this);
    this.deadlineKey = wanted;
    if (wanted !== Infinity) runner._addDeadline(this);
  }

  /** @internal Called by the engine when the deadline has passed. */
  expire(_now: number): void {
    this.deadlineKey = Infinity;
    this._cancel(new CancelReason("deadline"));
  }

  /** @internal */
  _cancel(reason: CancelReason | null): void {
    if (this._cancelCalled) return;
    if (this._cancelReason === null) this._cancelReason = reason;
    this._cancelCalled = true;
    this._updateRegisteredDeadline();
    if (this._cancelStatus !== null) this._cancelStatus.recalculate();
    else this._onEffectivelyCancelled();
  }

  /** @internal The body's code became effectively cancelled: abort the scope's signal. */
  _onEffectivelyCancelled(): void {
    const controller = this._controller;
    if (controller !== null && !controller.signal.aborted) controller.abort(this._makeCancelled());
  }

  private _makeCancelled(): Cancelled {
    const reason = this._cancelReason;
    const origin = this._cancelStatus === null ? this : this._cancelStatus._cancelOrigin();
    return reason === null
      ? Cancelled._create("unknown", undefined, undefined, origin)
      : Cancelled._create(reason.source, reason.reason, reason.sourceTask, origin);
  }

  /**
   * Cancels this scope: code inside it gets `trio.Cancelled` at its next checkpoint.
   * Idempotent. `reason` is shown in the Cancelled's message. Sync, either flavor.
   */
  cancel(reason?: string): void {
    if (reason !== undefined && typeof reason !== "string") throw new TypeError("cancel(reason): reason must be a string");
    const task = currentTaskOrNull();
    this._cancel(new CancelReason("explicit", reason, task === null ? undefined : String(task)));
  }

  /**
   * Whether cancellation was requested (by `cancel()` or the deadline). It does not say
   * whether the body was interrupted: see `cancelledCaught`.
   */
  get cancelCalled(): boolean {
    if ((this._cancelStatus !== null || !this._hasBeenEntered) && !this._cancelCalled && this._deadline !== Infinity) {
      const runner = this._runner ?? runnerOrUndefined();
      if (runner !== undefined && runner.clock.currentTime() >= this._deadline) this._cancel(new CancelReason("deadline"));
    }
    return this._cancelCalled;
  }

  /**
   * The absolute deadline (run clock), `Infinity` for none. Settable at any time; takes
   * effect at once. Reading it on an unentered scope made with `relativeDeadline` throws.
   */
  get deadline(): number {
    if (this._relativeDeadline !== Infinity) {
      throw new RuntimeError("Unentered relative cancel scope does not have an absolute deadline.");
    }
    return this._deadline;
  }

  set deadline(value: number) {
    checkNumber(value, "deadline");
    if (this._relativeDeadline !== Infinity) {
      throw new RuntimeError("Unentered relative cancel scope does not have an absolute deadline.");
    }
    this._deadline = value;
    this._updateRegisteredDeadline();
  }

  /**
   * Seconds until the deadline. Before entry: the timeout applied when the scope is
   * entered; after: the time left, and setting it sets a new deadline from now.
   */
  get relativeDeadline(): number {
    if (this._hasBeenEntered) return this._deadline - this._runner!.clock.currentTime();
    if (this._deadline !== Infinity) {
      throw new RuntimeError("Unentered non-relative cancel scope does not have a relative deadline");
    }
    return this._relativeDeadline;
  }

  set relativeDeadline(value: number) {
    checkNumber(value, "relative deadline");
    if (value < 0) throw new ValueError("relative deadline must be non-negative");
    if (this._hasBeenEntered) {
      this._deadline = this._runner!.clock.currentTime() + value;
      this._updateRegisteredDeadline();
    } else if (this._deadline !== Infinity) {
      throw new RuntimeError("Unentered non-relative cancel scope does not have a relative deadline");
    } else {
      this._relativeDeadline = value;
    }
  }

  /** `undefined` once entered; otherwise whether the deadline is relative. */
  get isRelative(): boolean | undefined {
    if (this._hasBeenEntered) return undefined;
    return this._relativeDeadline !== Infinity;
  }

  /** While true, cancellations of outer scopes do not reach this scope's body. Settable at any time. */
  get shield(): boolean {
    return this._shield;
  }

  set shield(value: boolean) {
    if (typeof value !== "boolean") throw new TypeError("shield must be a boolean");
    this._shield = value;
    if (this._cancelStatus !== null) this._cancelStatus.recalculate();
  }

  /**
   * An AbortSignal that aborts when the code inside this scope becomes cancelled (by
   * this scope or an unshielded outer one), with the scope's `Cancelled` as its reason.
   * Hand it to abortable APIs (`fetch(url, { signal })`). Sync, either flavor.
   */
  get signal(): AbortSignal {
    if (this._controller === null) {
      this._controller = new AbortController();
      const cancelled = this._cancelStatus !== null ? this._cancelStatus.effectivelyCancelled : this._cancelCalled;
      if (cancelled) this._controller.abort(this._makeCancelled());
    }
    return this._controller.signal;
  }

  toString(): string {
    const binding = this._cancelStatus !== null ? "active" : this._hasBeenEntered ? "exited" : "unbound";
    let state = "";
    if (this._cancelCalled) state = ", cancelled";
    else if (this._deadline !== Infinity && this._runner !== null) {
      const left = this._deadline - this._runner.clock.currentTime();
      state = `, deadline is ${Math.abs(left).toFixed(2)} seconds ${left >= 0 ? "from now" : "ago"}`;
    }
    return `<trio.CancelScope ${binding}${state}>`;
  }
}

function currentTaskOrNull(): Task | null {
  try {
    return currentTrioTask("CancelScope.cancel()");
  } catch {
    return null;
  }
}

function describe(value: unknown): string {
  if (value instanceof Promise || (typeof value === "object" && value !== null && "then" in value)) {
    return "a Promise (pass the function itself: `scope.run(async () => ...)`, not `scope.run(work())`)";
  }
  return typeof value;
}
