import type { Context } from "../contextvars/context.js";
import { RuntimeError } from "../errors/builtins.js";
import { ExceptionGroup, markCollapsible } from "../errors/exception-group.js";
import { CancelScope, NO_ERROR, type MaybeError } from "./cancel-scope.js";
import { CancelReason, type CancelStatus } from "./cancel-status.js";
import { currentTrioTask } from "./current.js";
import { TrioInternalError } from "./errors.js";
import { cancelShieldedCheckpoint } from "./traps.js";
import { Abort, type Task } from "./task.js";
import { describeError } from "../errors/describe.js";

/** Options for spawning a task: `nursery.startSoon({ name }, fn, ...args)`. */
export interface SpawnOptions {
  /** The task's name, for introspection (defaults to the function's name). */
  name?: string;
  /** The contextvars Context to run in (defaults to a copy of the caller's). */
  context?: Context;
}

/** Options of `openNursery`. */
export interface NurseryOptions {
  /**
   * Wrap even a single error in an ExceptionGroup (default: the run's setting, true by
   * default, as in Trio since 0.25).
   */
  strictExceptionGroups?: boolean;
}

/**
 * What `nursery.start()` passes to the task it starts, as its first argument: the task
 * calls `started(value)` once it is ready, and `start()` returns `value`.
 */
export interface TaskStatus<T = undefined> {
  started(...value: T extends undefined ? [value?: T] : [value: T]): void;
}

const NO_STATUS: unique symbol = Symbol("NO_STATUS");
const NURSERY_TOKEN: unique symbol = Symbol("Nursery");

/** A `TaskStatus` whose `started()` does nothing, for calling a `start`-able function directly. */
export const TASK_STATUS_IGNORED: TaskStatus<never> = Object.freeze({
  started(): void {},
  toString: () => "TASK_STATUS_IGNORED",
});

type AnyFn = (...args: never[]) => unknown;

const NO_ARGS: unknown[] = [];

/** @internal Parses `(fn, ...args)` or `(options, fn, ...args)`. */
export function splitSpawnArgs(call: string, rest: unknown[]): [SpawnOptions, (...args: unknown[]) => unknown, unknown[]] {
  let options: SpawnOptions = {};
  let i = 0;
  if (typeof rest[0] === "object" && rest[0] !== null && !isThenable(rest[0])) {
    options = rest[0];
    i = 1;
  }
  const fn = rest[i];
  if (typeof fn !== "function") {
    if (isThenable(fn)) {
      throw new TypeError(
        `${call} needs an async function, but got a Promise: write ${call.replace("()", "")}(fn, ...args) ` +
          `instead of ${call.replace("()", "")}(fn(...args)); a JavaScript async function starts running where it is called.`,
      );
    }
    throw new TypeError(`${call} needs an async function to run, got ${fn === null ? "null" : typeof fn}`);
  }
  if (options.name !== undefined && typeof options.name !== "string") throw new TypeError(`${call}: name must be a string`);
  return [options, fn as (...args: unknown[]) => unknown, rest.length === i + 1 ? NO_ARGS : rest.slice(i + 1)];
}

function isThenable(value: unknown): boolean {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

function taskName(options: SpawnOptions, fn: { name: string }): string {
  return options.name ?? (fn.name || "<anonymous>");
}

class TaskStatusImpl<T> implements TaskStatus<T> {
  value: T | typeof NO_STATUS = NO_STATUS;
  constructor(
    private readonly oldNursery: Nursery,
    private readonly newNursery: Nursery,
  ) {}

  started(value?: T): void {
    if (this.value !== NO_STATUS) throw new RuntimeError("called 'started' twice on the same task status");
    this.value = value as T;
    const oldStatus = this.oldNursery._cancelStatus;
    // If start() itself was cancelled, the task stays where it is and gets cancelled.
    if (oldStatus.effectivelyCancelled) return;
    if (this.newNursery._closed) throw new TrioInternalError("the nursery passed to start() closed before the task started");
    // Collect the tasks at the old status first: they are found through the old nursery.
    const statusChildren = [...oldStatus.children];
    const statusTasks = oldStatus.tasks.filter((t) => t !== this.oldNursery.parentTask);
    const tasks = this.oldNursery._children;
    this.oldNursery._children = new Set();
    for (const task of tasks) {
      task._parentNursery = this.newNursery;
      task._eventualParentNursery = null;
      this.newNursery._children.add(task);
    }
    for (const child of statusChildren) child.parent = null;
    for (const task of statusTasks) task._activateCancelStatus(null);
    for (const child of statusChildren) child.parent = this.newNursery._cancelStatus;
    for (const task of statusTasks) task._activateCancelStatus(this.newNursery._cancelStatus);
    this.oldNursery._checkNurseryClosed();
  }

  toString(): string {
    return "<TaskStatus>";
  }
}

/**
 * A nursery: the place child tasks run (`trio.Nursery`). Get one from
 * `trio.openNursery`; it stays open until its body and every child have finished.
 * The first error in a child cancels the others; all errors come out together.
 * `startSoon` is sync, either flavor (inside the run); `start` is Trio-flavored.
 */
export class Nursery {
  /** The nursery's cancel scope: cancel it to cancel the body and every child. */
  readonly cancelScope: CancelScope;
  /** @internal */ readonly _cancelStatus: CancelStatus;
  /** @internal */ _children = new Set<Task>();
  /** @internal */ _closed = false;
  private readonly _parentTask: Task;
  private readonly strict: boolean;
  private pendingErrors: unknown[] = [];
  private nestedChildRunning = true;
  private parentWaitingInExit = false;
  private pendingStarts = 0;

  /** @internal */
  constructor(token: typeof NURSERY_TOKEN, parentTask: Task, cancelScope: CancelScope, strict: boolean) {
    if (token !== NURSERY_TOKEN) {
      throw new TypeError("trio.Nursery cannot be constructed directly: open one with trio.openNursery(async (nursery) => ...)");
    }
    this._parentTask = parentTask;
    this.strict = strict;
    parentTask._pushNursery(this);
    this._cancelStatus = parentTask._cancelStatus!;
    this.cancelScope = cancelScope;
    cancelScope._nursery = this;
  }

  /** The child tasks still running. */
  get childTasks(): ReadonlySet<Task> {
    return new Set(this._children);
  }

  /** The task that opened this nursery. */
  get parentTask(): Task {
    return this._parentTask;
  }

  /**
   * Starts `fn(...args)` as a child task and returns at once; the child starts at the
   * engine's next batch. `startSoon({ name, context }, fn, ...args)` sets the task's
   * name or Context. Sync, either flavor.
   */
  startSoon<A extends unknown[]>(fn: (...args: A) => Promise<unknown>, ...args: A): void;
  startSoon<A extends unknown[]>(options: SpawnOptions, fn: (...args: A) => Promise<unknown>, ...args: A): void;
  startSoon(...rest: unknown[]): void {
    const [options, fn, args] = splitSpawnArgs("nursery.startSoon()", rest);
    this._parentTask.runner.spawn(fn, args, this, taskName(options, fn), false, options.context);
  }

  /**
   * Starts `fn(taskStatus, ...args)` as a child task and waits until it calls
   * `taskStatus.started(value)`; returns `value`. Until then the child runs under this
   * call: its errors are thrown here and cancelling this call cancels it. Then it moves
   * into this nursery. Trio-flavored.
   */
  start<T = undefined, A extends unknown[] = []>(fn: (status: TaskStatus<T>, ...args: A) => Promise<unknown>, ...args: A): Promise<T>;
  start<T = undefined, A extends unknown[] = []>(
    options: SpawnOptions,
    fn: (status: TaskStatus<T>, ...args: A) => Promise<unknown>,
    ...args: A
  ): Promise<T>;
  async start(...rest: unknown[]): Promise<unknown> {
    const [options, fn, args] = splitSpawnArgs("nursery.start()", rest);
    currentTrioTask("nursery.start()");
    if (this._closed) throw new RuntimeError("Nursery is closed to new arrivals");
    this.pendingStarts++;
    try {
      let status!: TaskStatusImpl<unknown>;
      try {
        await openNursery({ strictExceptionGroups: true }, async (oldNursery) => {
          status = new TaskStatusImpl(oldNursery, this);
          const task = this._parentTask.runner.spawn(fn, [status, ...args], oldNursery, taskName(options, fn), false, options.context);
          task._eventualParentNursery = this;
        });
      } catch (e) {
        if (e instanceof ExceptionGroup) {
          if (e.exceptions.length === 1) throw e.exceptions[0];
          throw new TrioInternalError("Internal nursery should not have multiple tasks", { cause: e });
        }
        throw e;
      }
      if (status.value === NO_STATUS) {
        throw new RuntimeError("child exited without calling task_status.started() (taskStatus.started())");
      }
      return status.value;
    } finally {
      this.pendingStarts--;
      this._checkNurseryClosed();
    }
  }

  /** @internal */
  _addError(error: unknown, reason: CancelReason | null): void {
    this.pendingErrors.push(error);
    this.cancelScope._cancel(reason);
  }

  /** @internal */
  _checkNurseryClosed(): void {
    if (!this.nestedChildRunning && this._children.size === 0 && this.pendingStarts === 0) {
      this._closed = true;
      if (this.parentWaitingInExit) {
        this.parentWaitingInExit = false;
        this._parentTask.runner._reschedule(this._parentTask);
      }
    }
  }

  /** @internal */
  _childFinished(task: Task, ok: boolean, value: unknown): void {
    this._children.delete(task);
    if (!ok) {
      this._addError(value, new CancelReason("nursery", `child task raised exception ${describeError(value)}`, String(task)));
    }
    this._checkNurseryClosed();
  }

  /** @internal The body finished (with `error`, or NO_ERROR): wait for the children, combine errors. */
  async _nestedChildFinished(error: MaybeError): Promise<MaybeError> {
    if (error !== NO_ERROR) {
      this._addError(
        error,
        new CancelReason(
          "nursery",
          `Code block inside nursery contextmanager raised exception ${describeError(error)}`,
          String(this._parentTask),
        ),
      );
    }
    this.nestedChildRunning = false;
    this._checkNurseryClosed();
    const task = this._parentTask;
    if (!this._closed) {
      this.parentWaitingInExit = true;
      await task.runner._park(task, waitForChildren, "nursery exit (waiting for child tasks)");
    } else {
      try {
        await cancelShieldedCheckpoint();
      } catch (e) {
        this._addError(e, null);
      }
    }
    const popped = task._childNurseries.pop();
    if (popped !== this) throw new TrioInternalError("Nursery misnesting detected!");
    const errors = this.pendingErrors;
    this.pendingErrors = [];
    if (errors.length === 0) return NO_ERROR;
    if (!this.strict && errors.length === 1) return errors[0];
    const group = new ExceptionGroup("Exceptions from Trio nursery", errors);
    if (!this.strict) markCollapsible(group);
    return group;
  }

  toString(): string {
    return `<trio.Nursery of ${String(this._parentTask)}>`;
  }
}

/**
 * Abort function of a nursery's parent waiting for its children: a cancellation cannot
 * interrupt that wait (it reaches the children through the nursery's scope instead), but
 * as in Trio the wait is a cancel point.
 */
function waitForChildren(): Abort {
  return Abort.FAILED;
}


/**
 * Opens a nursery, runs `body(nursery)` in it, then waits for every child task to
 * finish. If the body or a child throws, the others are cancelled and the errors are
 * thrown together as an ExceptionGroup (strict mode, the default) or, in non-strict
 * mode, bare when there is one. Returns the body's result (`undefined` if the body was
 * cancelled by the nursery's own scope). Trio-flavored.
 */
export function openNursery<R>(body: (nursery: Nursery) => R | Promise<R>): Promise<R | undefined>;
export function openNursery<R>(options: NurseryOptions, body: (nursery: Nursery) => R | Promise<R>): Promise<R | undefined>;
export async function openNursery<R>(
  a: NurseryOptions | ((nursery: Nursery) => R | Promise<R>),
  b?: (nursery: Nursery) => R | Promise<R>,
): Promise<R | undefined> {
  const [options, body] = typeof a === "function" || isThenable(a) ? [{}, a] : [a, b];
  if (typeof body !== "function") {
    throw new TypeError(
      isThenable(body)
        ? "openNursery() needs a body function, got a Promise: write openNursery(async (nursery) => { ... })"
        : `openNursery() needs a body function \`async (nursery) => { ... }\`, got ${typeof body}`,
    );
  }
  const task = currentTrioTask("trio.openNursery()");
  const strict = options.strictExceptionGroups ?? task.runner.strictExceptionGroups;
  const scope = new CancelScope();
  scope._enter(task);
  const nursery = new Nursery(NURSERY_TOKEN, task, scope, strict);
  let error: MaybeError = NO_ERROR;
  let result: R | undefined;
  try {
    result = await body(nursery);
  } catch (e) {
    error = e;
  }
  const combined = scope._close(task, await nursery._nestedChildFinished(error));
  if (combined !== NO_ERROR) throw combined;
  return result;
}

export type { AnyFn };
