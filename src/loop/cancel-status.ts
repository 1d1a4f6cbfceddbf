import type { CancelScope } from "./cancel-scope.js";
import type { CancelSource } from "./errors.js";
import type { Task } from "./task.js";

/** Why a scope was cancelled: becomes the Cancelled's message (not exported from the package). */
export class CancelReason {
  constructor(
    readonly source: CancelSource,
    readonly reason?: string,
    readonly sourceTask?: string,
  ) {}
}

/**
 * @internal
 * The cancellation state of one cancel scope's extent (Trio's CancelStatus). Statuses
 * form a tree that mirrors the nesting of scopes; a cancellation flows down it to the
 * tasks at each status unless a scope shields it. Kept eagerly up to date, so checking
 * a task for cancellation is one field read.
 *
 * Unlike Trio, a status keeps no set of its tasks: the only tasks that can be at a
 * status are the task that entered its scope and, for a nursery's scope, the nursery's
 * children, so they are found from the scope (no set per scope or entry per task).
 */
export class CancelStatus {
  effectivelyCancelled = false;
  abandonedByMisnesting = false;
  private _children: Set<CancelStatus> | null = null;
  private _parent: CancelStatus | null = null;

  constructor(
    readonly _scope: CancelScope,
    parent: CancelStatus | null,
  ) {
    this.parent = parent;
  }

  get parent(): CancelStatus | null {
    return this._parent;
  }

  set parent(parent: CancelStatus | null) {
    if (this._parent !== null) this._parent._children!.delete(this);
    this._parent = parent;
    if (parent !== null) {
      (parent._children ??= new Set()).add(this);
      this.recalculate();
    }
  }

  get children(): ReadonlySet<CancelStatus> {
    return this._children ?? EMPTY;
  }

  /** The tasks currently at this status (not inside a nested scope). */
  get tasks(): Task[] {
    const tasks: Task[] = [];
    this.forEachTask((task) => tasks.push(task));
    return tasks;
  }

  forEachTask(fn: (task: Task) => void): void {
    const scope = this._scope;
    const entering = scope._enteringTask;
    if (entering !== null && entering._cancelStatus === this) fn(entering);
    const nursery = scope._nursery;
    if (nursery !== null) {
      for (const child of nursery._children) if (child._cancelStatus === this) fn(child);
    }
  }

  private get hasTasksOrChildren(): boolean {
    if (this._children !== null && this._children.size > 0) return true;
    let any = false;
    this.forEachTask(() => (any = true));
    return any;
  }

  /** Whether `other` is this status or one nested inside it. */
  encloses(other: CancelStatus | null): boolean {
    for (let s = other; s !== null; s = s._parent) if (s === this) return true;
    return false;
  }

  get parentCancellationIsVisibleToUs(): boolean {
    return this._parent !== null && !this._scope._shield && this._parent.effectivelyCancelled;
  }

  /** Recomputes this status and its descendants after a cancel, shield change or re-parenting. */
  recalculate(): void {
    const todo: CancelStatus[] = [this];
    while (todo.length > 0) {
      const current = todo.pop()!;
      const visible = current.parentCancellationIsVisibleToUs;
      const newState = current._scope._cancelCalled || visible;
      if (newState !== current.effectivelyCancelled) {
        const scope = current._scope;
        if (scope._cancelReason === null && visible) scope._cancelReason = current._parent!._scope._cancelReason;
        current.effectivelyCancelled = newState;
        if (newState) {
          scope._onEffectivelyCancelled();
          current.forEachTask(deliver);
        }
        if (current._children !== null) for (const child of current._children) todo.push(child);
      }
    }
  }

  /** The scope a Cancelled raised here belongs to: the innermost cancelled, visible one. */
  _cancelOrigin(): CancelScope {
    let s: CancelStatus = this;
    while (!s._scope._cancelCalled && s.parentCancellationIsVisibleToUs) s = s._parent!;
    return s._scope;
  }

  /** Detaches from the tree when the scope exits; handles scopes exited out of order. */
  close(): void {
    this.parent = null;
    if (this.hasTasksOrChildren) {
      this.markAbandoned();
      this.effectivelyCancelled = true;
      this.forEachTask(deliver);
      if (this._children !== null) for (const child of this._children) child.recalculate();
    }
  }

  private markAbandoned(): void {
    this.abandonedByMisnesting = true;
    if (this._children !== null) for (const child of this._children) child.markAbandoned();
  }

  /** The earliest deadline in effect here (-Infinity when already cancelled). */
  effectiveDeadline(): number {
    if (this.effectivelyCancelled) return -Infinity;
    if (this._parent === null || this._scope._shield) return this._scope._deadline;
    return Math.min(this._scope._deadline, this._parent.effectiveDeadline());
  }
}

const EMPTY: ReadonlySet<never> = new Set();

function deliver(task: Task): void {
  task._attemptDeliveryOfAnyPendingCancel();
}
