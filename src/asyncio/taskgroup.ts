/**
 * asyncio's TaskGroup (Python 3.11+): structured concurrency for asyncio tasks. The body
 * runs in the task that enters the group (the parent); the group's exit waits for every
 * task created in it. The first task error cancels the other tasks and the body; the
 * errors come out together as an `ExceptionGroup`.
 */
import { RuntimeError } from "../errors/builtins.js";
import { describeValue } from "../errors/describe.js";
import { ExceptionGroup } from "../errors/exception-group.js";
import { asyncWith, type AsyncContextManager } from "../loop/async-context-manager.js";
import type { BaseTrioEventLoop } from "./base-loop.js";
import { currentAioLoop } from "./current.js";
import { CancelledError } from "./errors.js";
import type { Future } from "./futures.js";
import { currentTask, type Task, type TaskOptions } from "./tasks.js";

/**
 * A group of asyncio tasks (`asyncio.TaskGroup`):
 *
 * ```ts
 * await new asyncio.TaskGroup().run(async (tg) => {
 *   tg.createTask(() => fetchOne());
 *   tg.createTask(() => fetchTwo());
 * }); // both tasks are done here
 * ```
 *
 * `run(body)` (or `asyncWith(tg, body)`, through `aenter`/`aexit`) runs the body in the
 * calling task and then waits for all the group's tasks. If a task fails (with anything
 * but `CancelledError`), the group cancels its other tasks and the body, waits for them,
 * and throws `ExceptionGroup("unhandled errors in a TaskGroup", errors)`; an error from the
 * body joins that group. Tasks ending with `CancelledError` are not errors. When the
 * calling task is cancelled from outside, the tasks are cancelled too and the
 * `CancelledError` propagates (unless some task failed: then the ExceptionGroup wins,
 * and the task's pending cancellation is kept). The group's own cancellation of the
 * parent is withdrawn with `uncancel()`, so it never leaks out of the group.
 *
 * `createTask` is sync, either flavor; `run`, `aenter` and `aexit` are asyncio-flavored.
 */
export class TaskGroup implements AsyncContextManager<TaskGroup> {
  private _entered = false;
  private _exiting = false;
  private _aborting = false;
  private _loop: BaseTrioEventLoop | null = null;
  private _parentTask: Task<unknown> | null = null;
  private _parentCancelRequested = false;
  /** @internal The group's tasks that are not done (tests look at its size). */
  readonly _tasks = new Set<Task<unknown>>();
  private _errors: unknown[] = [];
  private _onCompletedFut: Future<boolean> | null = null;
  private readonly _onTaskDone = (task: Future<unknown>): void => this._taskDone(task as Task<unknown>);

  /**
   * Runs `body(group)` in the current task, then waits for the group's tasks, and returns
   * the body's value (Python's `async with TaskGroup() as group:`). asyncio-flavored.
   */
  async run<R>(body: (group: TaskGroup) => R | PromiseLike<R>): Promise<R> {
    currentAioLoop("asyncio.TaskGroup.run()");
    if (typeof body !== "function") {
      throw new TypeError(`TaskGroup.run() needs a body function \`async (tg) => ...\`, got ${describeValue(body)}`);
    }
    return (await asyncWith(this, body as (group: TaskGroup) => R | Promise<R>)) as R;
  }

  /**
   * Starts `fn()` as a task of the group and returns it; `options` as for
   * `asyncio.createTask` (`name`, `context`). Throws RuntimeError before the group is
   * entered, after it finished, or while it is shutting down after an error. Sync, either
   * flavor (the task runs on the group's loop).
   */
  createTask<T>(fn: () => PromiseLike<T> | T, options: TaskOptions = {}): Task<T> {
    if (typeof fn !== "function") {
      throw new TypeError(
        (typeof fn === "object" || typeof fn === "function") && fn !== null && typeof (fn as { then?: unknown }).then === "function"
          ? "TaskGroup.createTask() needs a function, got a Promise: write tg.createTask(() => work()) instead of tg.createTask(work())"
          : `TaskGroup.createTask() needs a function, got ${describeValue(fn)}`,
      );
    }
    if (!this._entered) throw new RuntimeError(`TaskGroup ${String(this)} has not been entered`);
    if (this._exiting && this._tasks.size === 0) throw new RuntimeError(`TaskGroup ${String(this)} is finished`);
    if (this._aborting) throw new RuntimeError(`TaskGroup ${String(this)} is shutting down`);
    const task = this._loop!.createTask(fn, options);
    this._tasks.add(task);
    task.addDoneCallback(this._onTaskDone);
    return task;
  }

  /** Enters the group in the current task. asyncio-flavored. */
  async aenter(): Promise<TaskGroup> {
    const loop = currentAioLoop("asyncio.TaskGroup.aenter()");
    if (this._entered) throw new RuntimeError(`TaskGroup ${String(this)} has already been entered`);
    this._loop ??= loop;
    const parent = currentTask(this._loop);
    if (parent === null) throw new RuntimeError(`TaskGroup ${String(this)} cannot determine the parent task`);
    this._parentTask = parent;
    this._entered = true;
    return this;
  }

  /**
   * Exits the group: waits for its tasks (cancelling them if the body failed or the
   * parent was cancelled), then throws the ExceptionGroup of the errors, or the
   * parent's `CancelledError`, or returns true (nothing to raise). asyncio-flavored.
   */
  async aexit(error: unknown, hasError: boolean): Promise<boolean> {
    if (!this._entered) throw new RuntimeError(`TaskGroup ${String(this)} has not been entered`);
    this._exiting = true;
    const bodyCancelled = hasError && error instanceof CancelledError;
    let propagateCancellation: CancelledError | null = bodyCancelled ? error : null;
    if (hasError && !this._aborting) {
      // The parent is being cancelled, or the body failed: the tasks must stop.
      this._abort();
    }
    // Every cancel of the parent cancels the waiter, so wait in a loop.
    let pendingCancellation: CancelledError | null = null;
    while (this._tasks.size > 0) {
      this._onCompletedFut ??= this._loop!.createFuture<boolean>();
      try {
        await this._onCompletedFut;
      } catch (caught) {
        if (!(caught instanceof CancelledError)) throw caught;
        pendingCancellation = caught;
        if (!this._aborting) {
          // The parent was cancelled from outside while waiting for the tasks.
          propagateCancellation = caught;
          this._abort();
        }
      }
      this._onCompletedFut = null;
    }

    const parent = this._parentTask!;
    if (this._parentCancelRequested) {
      // The group cancelled the parent: withdraw that request.
      if (parent.uncancel() === 0) propagateCancellation = null;
      else propagateCancellation ??= pendingCancellation;
    }
    const errors = this._errors;
    this._errors = [];
    if (propagateCancellation !== null && errors.length === 0) throw propagateCancellation;
    if (hasError && !bodyCancelled) errors.push(error);
    if (errors.length > 0) {
      if (parent.cancelling() > 0) {
        // A cancel from outside is pending: re-request it, so that it is delivered at the
        // parent's next await, with the count unchanged.
        parent.uncancel();
        parent.cancel();
      }
      throw new ExceptionGroup("unhandled errors in a TaskGroup", errors);
    }
    return true;
  }

  private _abort(): void {
    this._aborting = true;
    for (const task of this._tasks) if (!task.done()) task.cancel();
  }

  private _taskDone(task: Task<unknown>): void {
    this._tasks.delete(task);
    const waiter = this._onCompletedFut;
    if (waiter !== null && this._tasks.size === 0 && !waiter.done()) waiter.setResult(true);
    if (task.cancelled()) return;
    const error = task.exception();
    if (error === undefined) return;
    this._errors.push(error);
    const parent = this._parentTask!;
    if (parent.done()) {
      this._loop!.callExceptionHandler({
        message: `Task ${String(task)} has errored out but its parent task ${String(parent)} is already completed`,
        exception: error,
        task,
      });
      return;
    }
    if (!this._aborting && !this._parentCancelRequested) {
      // Stop the body too: the parent is cancelled now and uncancelled in aexit.
      this._abort();
      this._parentCancelRequested = true;
      parent.cancel();
    }
  }

  toString(): string {
    const info = [""];
    if (this._tasks.size > 0) info.push(`tasks=${this._tasks.size}`);
    if (this._errors.length > 0) info.push(`errors=${this._errors.length}`);
    if (this._aborting) info.push("cancelling");
    else if (this._entered) info.push("entered");
    return `<TaskGroup${info.join(" ")}>`;
  }
}
