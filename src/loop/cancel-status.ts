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
 */
export class CancelStatus {
  effectivelyCancelled = false;
  abandonedByMisnesting = false;
  private _children: Set<CancelStatus> | null = null;
  private _tasks: Set<Task> | null = null;
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

  get tasks(): ReadonlySet<Task> {
    return this._tasks ?? EMPTY;
  }

  _addTask(task: Task): void {
    (this._tasks ??= new Set()).add(task);
  }

  _removeTask(task: Task): void {
    this._tasks?.delete(task);
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
          if (current._tasks !== null) {
            for (const task of current._tasks) task._attemptDeliveryOfAnyPendingCancel();
          }
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
    if ((this._tasks !== null && this._tasks.size > 0) || (this._children !== null && this._children.size > 0)) {
      this.markAbandoned();
      this.effectivelyCancelled = true;
      if (this._tasks !== null) for (const task of this._tasks) task._attemptDeliveryOfAnyPendingCancel();
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
