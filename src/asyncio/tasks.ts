import { frameContext, snapshotContext, type Context } from "../contextvars/context.js";
import { currentFrame, Frame, runInFrame1 } from "../contextvars/frame.js";
import { NotImplementedError, RuntimeError, ValueError } from "../errors/builtins.js";
import { describeValue } from "../errors/describe.js";
import type { BaseTrioEventLoop } from "./base-loop.js";
import { currentAioSlot, defaultLoop, noRunningLoop, runningLoopOrNull } from "./current.js";
import { CancelledError, InvalidStateError } from "./errors.js";
import { Future, type AwaitingTask } from "./futures.js";

let taskCounter = 0;

/** Options of `createTask` and `new Task`. */
export interface TaskOptions {
  /** The task's name (default `Task-N`). */
  name?: string;
  /** The contextvars Context the task runs in (default: a copy of the caller's). */
  context?: Context;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as { then?: unknown }).then === "function";
}


/**
 * An asyncio task (`asyncio.Task`): runs an async function on a loop, as a Future of
 * its result. `cancel()` delivers one `CancelledError` at the asyncio Future the task
 * is awaiting (every one of them, when it awaits several through `Promise.all`); a task
 * awaiting only a plain Promise sees it at its next asyncio await. A task that ends with
 * `CancelledError` is cancelled. Create tasks with `asyncio.createTask(() => work())`:
 * the function is called inside the task, at the loop's next iteration.
 * Sync methods: either flavor; awaiting a Task is asyncio-flavored.
 */
export class Task<T = unknown> extends Future<T> {
  // On the prototype (below), not on every task.
  /** @internal */ declare readonly _isTask: true;
  /** @internal Ready-queue protocol: a task's first step is never cancelled as a handle. */
  declare readonly _cancelled: false;
  /** @internal */ _mustCancel = false;
  /** @internal The asyncio Futures the task's code is awaiting now (null: none yet). */
  _waiters: Future<unknown>[] | null = null;
  /** @internal */ _numCancelsRequested = 0;
  private _name: string | number;
  private readonly _fn: () => PromiseLike<T> | T;
  /** The async context frame the task's code runs in (its Context is made when needed). */
  private readonly _frame: Frame;
  private _controller: AbortController | null = null;

  /** Use `asyncio.createTask(fn)` or `loop.createTask(fn)`. */
  constructor(fn: () => PromiseLike<T> | T, options: TaskOptions & { loop?: BaseTrioEventLoop } = {}) {
    if (typeof fn !== "function") {
      throw new TypeError(
        isThenable(fn)
          ? "a function was expected, got a Promise: write createTask(() => work()) instead of createTask(work()); " +
              "a JavaScript async function starts running where it is called, outside the task"
          : `a function was expected, got ${describeValue(fn)}`,
      );
    }
    super({ loop: options.loop });
    this._fn = fn;
    // A number until the name is asked for: most tasks never are.
    this._name = options.name === undefined ? ++taskCounter : String(options.name);
    const context = options.context;
    this._frame = new Frame(context ?? (null as unknown as Context), "asyncio", undefined, this);
    if (context === undefined) this._frame.snapshot = snapshotContext();
    this._loop._enqueue(this);
    this._loop._registerTask(this);
  }

  /** @internal The first step, run by the loop: calls the function in the task's frame. */
  _run(): void {
    if (this._stepOnDoneTask()) return;
    this._loop._beginStep(this);
    const frame = this._frame;
    frame.task = this._loop._task ?? undefined;
    runInFrame1(frame, startTask, this as Task<unknown>);
  }

  /**
   * @internal A step of a task that was made done from outside (with
   * `Future.prototype.setResult.call(task)`) does not run: asyncio reports it.
   */
  _stepOnDoneTask(): boolean {
    if (!this.done()) return false;
    this._loop.callExceptionHandler({
      message: `Exception in callback ${String(this)} step`,
      exception: new InvalidStateError(`step(): already done: ${String(this)}`),
      task: this,
    });
    return true;
  }

  /** @internal The function ended: becomes the task's outcome. */
  _finish(ok: boolean, value: unknown): void {
    this._loop._unregisterTask(this);
    this._loop._stepSuspended(this);
    try {
      if (ok) {
        if (this._mustCancel) {
          this._mustCancel = false;
          super.cancel(this._cancelMessage);
        } else {
          super.setResult(value as T);
        }
      } else if (value instanceof CancelledError) {
        this._cancelledExc = value;
        super.cancel(value.message);
      } else {
        super.setException(value);
      }
    } catch (error) {
      // The task was made done from outside while its function ran.
      this._loop.callExceptionHandler({ message: `Exception in callback ${String(this)} step`, exception: error, task: this });
    }
  }

  /**
   * Requests the task's cancellation: a `CancelledError` is delivered at its next (or
   * current) asyncio await. Returns false if the task is already done. Each call adds
   * one to `cancelling()`.
   */
  override cancel(msg?: string): boolean {
    this._retrieved();
    if (this.done()) return false;
    this._numCancelsRequested++;
    if (this._controller !== null && !this._controller.signal.aborted) this._controller.abort(new CancelledError(msg ?? ""));
    let cancelledWaiter = false;
    const waiters = this._waiters;
    if (waiters !== null) for (const waiter of [...waiters]) if (waiter.cancel(msg)) cancelledWaiter = true;
    if (cancelledWaiter) return true;
    this._mustCancel = true;
    this._cancelMessage = msg;
    return true;
  }

  /** The number of pending cancellation requests (`cancel()` minus `uncancel()`). */
  cancelling(): number {
    return this._numCancelsRequested;
  }

  /** Withdraws one cancellation request; returns the number left. */
  uncancel(): number {
    if (this._numCancelsRequested > 0) {
      this._numCancelsRequested--;
      // Python 3.13: withdrawing the last request also drops a cancel not yet delivered.
      if (this._numCancelsRequested === 0) this._mustCancel = false;
    }
    return this._numCancelsRequested;
  }

  /** The task's name. */
  getName(): string {
    if (typeof this._name === "number") this._name = `Task-${this._name}`;
    return this._name;
  }

  /** Renames the task. */
  setName(name: unknown): void {
    this._name = String(name);
  }

  /** The function the task runs (asyncio's `get_coro()`). */
  getCoro(): () => PromiseLike<T> | T {
    return this._fn;
  }

  /** The contextvars Context the task runs in. */
  getContext(): Context {
    return frameContext(this._frame);
  }

  /**
   * Not offered: JavaScript cannot inspect the stack of a suspended async function.
   * Use `trio.lowlevel.formatTaskTree()` to see what every task waits on.
   */
  getStack(): never {
    throw new NotImplementedError(
      "Task.getStack() is not available: JavaScript cannot inspect a suspended async function's stack; " +
        "use trio.lowlevel.formatTaskTree() to see what each task is waiting on",
    );
  }

  /** An AbortSignal that aborts (with a CancelledError) when the task is cancelled. */
  get signal(): AbortSignal {
    if (this._controller === null) {
      this._controller = new AbortController();
      if (this._numCancelsRequested > 0 || this.cancelled()) this._controller.abort(new CancelledError(this._cancelMessage ?? ""));
    }
    return this._controller.signal;
  }

  /** Tasks do not support it: their result is what their function returns. */
  override setResult(_result: T): never {
    throw new RuntimeError("Task does not support set_result operation");
  }

  /** Tasks do not support it: their exception is what their function throws. */
  override setException(_exception: unknown): never {
    throw new RuntimeError("Task does not support set_exception operation");
  }

  /** @internal */
  override _reprInfo(): string[] {
    const info = super._reprInfo();
    info.splice(1, 0, `name=${JSON.stringify(this.getName())}`);
    if (this._numCancelsRequested > 0 && !this.done()) info[0] = "cancelling";
    return info;
  }
}

Object.defineProperties(Task.prototype, {
  _isTask: { value: true },
  _cancelled: { value: false },
});

/** Calls the task's function in its frame; its outcome comes back to the task through the frame. */
function startTask(task: Task<unknown>): void {
  if (task._mustCancel) {
    // Cancelled before its first step: the function never runs.
    task._finish(false, new CancelledError(task._cancelMessage ?? ""));
    task._mustCancel = false;
    return;
  }
  let result: unknown;
  try {
    result = task.getCoro()();
  } catch (error) {
    task._finish(false, error);
    return;
  }
  if (!isThenable(result)) {
    task._finish(false, new TypeError(`${String(task)}: the task function returned ${describeValue(result)} instead of a Promise: tasks run async functions`));
    return;
  }
  Promise.resolve(result).then(onTaskReturned, onTaskFailed);
}

function onTaskReturned(value: unknown): void {
  (currentFrame()!.aio as Task<unknown>)._finish(true, value);
}

function onTaskFailed(error: unknown): void {
  (currentFrame()!.aio as Task<unknown>)._finish(false, error);
}

/**
 * Starts `fn()` as an asyncio Task on the running loop. Sync, either flavor (a loop
 * must be running: asyncio code on a loop, or Trio code inside `openLoop`).
 */
export function createTask<T>(fn: () => PromiseLike<T> | T, options: TaskOptions = {}): Task<T> {
  const loop = runningLoopOrNull() ?? noRunningLoop();
  return loop.createTask(fn, options);
}

/**
 * The asyncio Task running the caller, or null (in a plain callback). Throws
 * RuntimeError when no loop is running. Sync, either flavor.
 */
export function currentTask(loop?: BaseTrioEventLoop): Task<unknown> | null {
  const slot = currentAioSlot() as Partial<AwaitingTask> | undefined;
  const running = loop ?? runningLoopOrNull() ?? noRunningLoop();
  return slot?._isTask === true && slot._loop === running ? (slot as unknown as Task<unknown>) : null;
}

/** The not-yet-done tasks of `loop` (default: the running loop). Sync, either flavor. */
export function allTasks(loop?: BaseTrioEventLoop): Set<Task<unknown>> {
  return (loop ?? runningLoopOrNull() ?? noRunningLoop())._allTasks();
}

/**
 * A Future for `x`: a Future is returned as is; a function is started as a Task; a
 * Promise (any thenable) is awaited by a new Task. Sync, either flavor.
 */
export function ensureFuture<T>(
  x: Future<T> | (() => PromiseLike<T> | T) | PromiseLike<T>,
  options: { loop?: BaseTrioEventLoop } = {},
): Future<T> {
  if (!(x instanceof Future) && typeof x !== "function" && !isThenable(x)) {
    throw new TypeError(`ensureFuture() needs an asyncio Future, a function to run as a Task, or a Promise; got ${describeValue(x)}`);
  }
  if (x instanceof Future) {
    if (options.loop !== undefined && x._loop !== options.loop) {
      throw new ValueError("The future belongs to a different loop than the one specified as the loop argument");
    }
    return x;
  }
  const loop = options.loop ?? defaultLoop.get();
  if (typeof x === "function") return loop.createTask(x);
  if (isThenable(x)) return loop.createTask(() => x);
  throw new TypeError(`ensureFuture() needs an asyncio Future, a function to run as a Task, or a Promise; got ${describeValue(x)}`);
}
