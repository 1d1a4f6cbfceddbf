import type { Context } from "../contextvars/context.js";
import { Frame } from "../contextvars/frame.js";
import type { CancelStatus } from "./cancel-status.js";
import { Cancelled, TrioInternalError } from "./errors.js";
import type { Nursery } from "./nursery.js";
import type { Runner } from "./runner.js";

/** What an abort function returns: whether the cancellation may be delivered now. */
export const Abort = Object.freeze({
  /** The wait was cleaned up: deliver the Cancelled now. */
  SUCCEEDED: "Abort.SUCCEEDED",
  /** The wait cannot be interrupted now; whoever ends it will reschedule the task. */
  FAILED: "Abort.FAILED",
} as const);
/** `Abort.SUCCEEDED` or `Abort.FAILED`. */
export type Abort = (typeof Abort)[keyof typeof Abort];

/** Throws the Cancelled being delivered; passed to abort functions. */
export type RaiseCancel = () => never;
/** Called when a cancellation reaches a task parked in `waitTaskRescheduled`. */
export type AbortFn = (raiseCancel: RaiseCancel) => Abort;

/** @internal Task lifecycle states. */
export const TaskState = {
  /** Spawned; its function has not been called yet. */
  New: 0,
  /** Running or about to run (resumed, or in the run queue). */
  Running: 1,
  /** Parked in an engine primitive, waiting to be rescheduled. */
  Parked: 2,
  /** Its function has settled. */
  Exited: 3,
} as const;
/** @internal */
export type TaskState = (typeof TaskState)[keyof typeof TaskState];

/**
 * A Trio task: one async function run by the engine, with its own contextvars Context.
 * Get the current one with `trio.lowlevel.currentTask()`. Sync, either flavor.
 */
export class Task {
  /** The task's name (for introspection: the task tree, reprs, errors). */
  readonly name: string;
  /** The contextvars Context the task runs in (a copy of its spawner's). */
  readonly context: Context;
  /** Free slot for sleeping primitives to stash data, as in Trio. */
  customSleepData: unknown = undefined;

  /** @internal */ readonly runner: Runner;
  /** @internal */ readonly frame: Frame;
  /** @internal */ _parentNursery: Nursery | null;
  /** @internal */ _eventualParentNursery: Nursery | null = null;
  /** @internal */ readonly _childNurseries: Nursery[] = [];
  /** @internal */ _cancelStatus: CancelStatus | null = null;
  /** @internal */ _state: TaskState = TaskState.New;
  /** @internal Non-null while parked in an abortable wait. */
  _abortFn: AbortFn | null = null;
  /** @internal What the task is parked in, for the task tree. */
  _waitingOn = "";
  /** @internal Settles the current park. */
  _resolve: ((value?: unknown) => void) | null = null;
  /** @internal */ _reject: ((error: unknown) => void) | null = null;
  /** @internal Value handed over by a reschedule, read back by the primitive. */
  _nextValue: unknown = undefined;
  /** @internal Error to resume with when rescheduled through the run queue. */
  _nextError: unknown = undefined;
  /** @internal */ _nextIsError = false;
  /** @internal The function and arguments to start with; cleared once started. */
  _fn: ((...args: unknown[]) => unknown) | null;
  /** @internal */ _args: unknown[] | null;
  /** @internal The cancel status at which a Cancelled was last raised into this task. */
  _cancelledAt: CancelStatus | null = null;
  /** @internal System tasks' errors crash the run. */
  readonly _system: boolean;
  /** @internal */ _schedulePoints = 0;
  /** @internal */ _cancelPoints = 0;
  /** @internal Creates a park promise and captures its settle functions (one closure per task). */
  readonly _executor: (resolve: (value?: unknown) => void, reject: (error: unknown) => void) => void;

  /** @internal */
  constructor(
    runner: Runner,
    fn: (...args: unknown[]) => unknown,
    args: unknown[],
    parentNursery: Nursery | null,
    name: string,
    context: Context,
    system: boolean,
  ) {
    this.runner = runner;
    this._fn = fn;
    this._args = args;
    this._parentNursery = parentNursery;
    this.name = name;
    this.context = context;
    this._system = system;
    this.frame = new Frame(context, "trio", this, undefined, undefined);
    this._executor = (resolve, reject) => {
      this._resolve = resolve;
      this._reject = reject;
    };
  }

  /** The nursery this task runs in (`null` for the root task). */
  get parentNursery(): Nursery | null {
    return this._parentNursery;
  }

  /** The nursery this task moves to when it calls `taskStatus.started()` (while started by `nursery.start`). */
  get eventualParentNursery(): Nursery | null {
    return this._eventualParentNursery;
  }

  /** The nurseries this task has open, outermost first. */
  get childNurseries(): Nursery[] {
    return [...this._childNurseries];
  }

  /** What the task is waiting on, or `undefined` if it is not parked in the engine. */
  get waitingOn(): string | undefined {
    return this._state === TaskState.Parked ? this._waitingOn : undefined;
  }

  /** Whether the task's function has finished. */
  get exited(): boolean {
    return this._state === TaskState.Exited;
  }

  /** @internal Moves the task to another cancel status (scope entry and exit). */
  _activateCancelStatus(status: CancelStatus | null): void {
    if (this._cancelStatus !== null) this._cancelStatus._removeTask(this);
    this._cancelStatus = status;
    if (status !== null) {
      status._addTask(this);
      if (status.effectivelyCancelled) this._attemptDeliveryOfAnyPendingCancel();
    }
  }

  /** @internal Delivers a pending cancellation if the task is parked in an abortable wait. */
  _attemptDeliveryOfAnyPendingCancel(): void {
    const abortFn = this._abortFn;
    const status = this._cancelStatus;
    if (abortFn === null || status === null || !status.effectivelyCancelled) return;
    const scope = status._scope;
    const reason = scope._cancelReason;
    const origin = status._cancelOrigin();
    const raiseCancel: RaiseCancel = () => {
      throw reason === null
        ? Cancelled._create("unknown", "misnesting", undefined, origin)
        : Cancelled._create(reason.source, reason.reason, reason.sourceTask, origin);
    };
    this._abortFn = null;
    const result = abortFn(raiseCancel);
    if (result === Abort.SUCCEEDED) {
      let cancelled: unknown;
      try {
        raiseCancel();
      } catch (e) {
        cancelled = e;
      }
      this._cancelledAt = status;
      this.runner._rescheduleError(this, cancelled);
    } else if (result !== Abort.FAILED) {
      this.runner._crash(new TrioInternalError(`abort function must return Abort.SUCCEEDED or Abort.FAILED, got ${String(result)}`));
    }
  }

  toString(): string {
    return `<Task ${JSON.stringify(this.name)}>`;
  }
}
