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

/** The abort function of `trio.sleepForever()`: always interruptible, never rescheduled by hand. */
export const sleepingForever: AbortFn = () => Abort.SUCCEEDED;

/** Throws the Cancelled being delivered; passed to abort functions. */
export type RaiseCancel = () => never;
/**
 * Called when a cancellation reaches a task parked in `waitTaskRescheduled`, with a
 * function that throws the Cancelled, and the task (so that one shared abort function
 * can serve every parked task).
 */
export type AbortFn = (raiseCancel: RaiseCancel, task: Task) => Abort;

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

/** Shared by every park: captures the settle functions without a closure per task. */
let capturedResolve: ((value?: unknown) => void) | null = null;
let capturedReject: ((error: unknown) => void) | null = null;
function captureSettlers(resolve: (value?: unknown) => void, reject: (error: unknown) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

const NO_NURSERIES: readonly Nursery[] = Object.freeze([]);

/**
 * A Trio task: one async function run by the engine, with its own contextvars Context.
 * Get the current one with `trio.lowlevel.currentTask()`. Sync, either flavor.
 *
 * A task is also the AsyncLocalStorage frame its code runs in (one object per task,
 * which matters when a program holds 100k sleeping tasks).
 */
export class Task extends Frame {
  /** The task's name (for introspection: the task tree, reprs, errors). */
  readonly name: string;
  /** Free slot for sleeping primitives to stash data, as in Trio. */
  customSleepData: unknown = undefined;

  /** @internal */ readonly runner: Runner;
  /** @internal */ _parentNursery: Nursery | null;
  /** @internal */ _eventualParentNursery: Nursery | null = null;
  /** @internal Open nurseries, outermost first (a shared empty array until the first). */
  _childNurseries: Nursery[] = NO_NURSERIES as Nursery[];
  /** @internal */ _cancelStatus: CancelStatus | null = null;
  /** @internal */ _state: TaskState = TaskState.New;
  /** @internal Non-null while parked in an abortable wait. */
  _abortFn: AbortFn | null = null;
  /** @internal What the task is parked in, for the task tree. */
  _waitingOn = "";
  /** @internal Settles the current park. */
  _resolve: ((value?: unknown) => void) | null = null;
  /** @internal */ _reject: ((error: unknown) => void) | null = null;
  /** @internal Value (or error, if `_nextIsError`) handed over by a reschedule. */
  _nextValue: unknown = undefined;
  /** @internal */ _nextIsError = false;
  /** @internal The function and arguments to start with; cleared once started. */
  _fn: ((...args: unknown[]) => unknown) | null;
  /** @internal */ _args: readonly unknown[] | null;
  /** @internal The cancel status at which a Cancelled was last raised into this task. */
  _cancelledAt: CancelStatus | null = null;
  /** @internal System tasks' errors crash the run. */
  readonly _system: boolean;
  /** @internal Links of the ParkingLot the task is parked in. */
  _lotPrev: Task | null = null;
  /** @internal */ _lotNext: Task | null = null;
  /** @internal */ _schedulePoints = 0;
  /** @internal */ _cancelPoints = 0;

  /** @internal */
  constructor(
    runner: Runner,
    fn: (...args: unknown[]) => unknown,
    args: readonly unknown[],
    parentNursery: Nursery | null,
    name: string,
    context: Context,
    system: boolean,
  ) {
    super(context, "trio", undefined, undefined);
    this.task = this;
    this.runner = runner;
    this._fn = fn;
    this._args = args;
    this._parentNursery = parentNursery;
    this.name = name;
    this._system = system;
  }

  /** @internal A new park promise; its settle functions go to `_resolve` / `_reject`. */
  _newParkPromise(): Promise<unknown> {
    const promise = new Promise(captureSettlers);
    this._resolve = capturedResolve;
    this._reject = capturedReject;
    capturedResolve = capturedReject = null;
    return promise;
  }

  /** @internal Records a nursery opened by this task. */
  _pushNursery(nursery: Nursery): void {
    if (this._childNurseries === NO_NURSERIES) this._childNurseries = [];
    this._childNurseries.push(nursery);
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
    if (this._state !== TaskState.Parked) return undefined;
    // Sleep data may describe itself (a deadline, a queue position) for the task tree.
    const data = this.customSleepData as { describeWait?: () => string } | null | undefined;
    return typeof data?.describeWait === "function" ? `${this._waitingOn} ${data.describeWait()}` : this._waitingOn;
  }

  /** Whether the task's function has finished. */
  get exited(): boolean {
    return this._state === TaskState.Exited;
  }

  /** @internal Moves the task to another cancel status (scope entry and exit). */
  _activateCancelStatus(status: CancelStatus | null): void {
    this._cancelStatus = status;
    if (status !== null && status.effectivelyCancelled) this._attemptDeliveryOfAnyPendingCancel();
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
    const result = abortFn(raiseCancel, this);
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

  override toString(): string {
    return `<Task ${JSON.stringify(this.name)}>`;
  }
}
