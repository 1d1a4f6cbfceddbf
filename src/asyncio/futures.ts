import { copyContext, type Context } from "../contextvars/context.js";
import { currentFrame, runInFrame1, type Frame } from "../contextvars/frame.js";
import { RuntimeError } from "../errors/builtins.js";
import { describeError, describeValue } from "../errors/describe.js";
import type { BaseTrioEventLoop } from "./base-loop.js";
import { aioSlot, defaultLoop } from "./current.js";
import { CancelledError, InvalidStateError } from "./errors.js";

const PENDING = 0;
const CANCELLED = 1;
const FINISHED = 2;

/** Options of `new Future()`. */
export interface FutureOptions {
  /** The loop the Future belongs to (default: `asyncio.getEventLoop()`). */
  loop?: BaseTrioEventLoop;
}

/** Options of `addDoneCallback`. */
export interface DoneCallbackOptions {
  /** The Context the callback runs in (default: a copy of the caller's). */
  context?: Context;
}

/** @internal What a Task exposes to the Futures it awaits. */
export interface AwaitingTask {
  readonly _isTask: true;
  readonly _loop: BaseTrioEventLoop;
  _mustCancel: boolean;
  _cancelMessage: string | undefined;
  _waiters: Future<unknown>[] | null;
  _stepOnDoneTask(): boolean;
  toString(): string;
}

/** A callback of `Future.addDoneCallback`: called with the done Future. */
export type DoneCallback<T> = (future: Future<T>) => unknown;
type Fulfilled<T, R> = ((value: T) => R | PromiseLike<R>) | null | undefined;
type Rejected<R> = ((reason: unknown) => R | PromiseLike<R>) | null | undefined;

const rethrow = (error: unknown): never => {
  throw error;
};

/** @internal `runAioFuture`, registered by its module (which imports this one). */
export const trioWait: { runAioFuture: (<T>(future: Future<T>) => Promise<T>) | null } = { runAioFuture: null };

/** Exceptions set on Futures that were dropped without anyone retrieving them. */
const neverRetrieved = new FinalizationRegistry<{ loop: BaseTrioEventLoop; kind: string; exception: unknown }>((info) => {
  info.loop.callExceptionHandler({ message: `${info.kind} exception was never retrieved`, exception: info.exception });
});

/** Captures a native promise's settle functions without a closure per promise. */
let capturedResolve: ((value: unknown) => void) | null = null;
let capturedReject: ((error: unknown) => void) | null = null;
function capture(resolve: (value: unknown) => void, reject: (error: unknown) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

function isOptionsObject(value: unknown): boolean {
  return value === undefined || (typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then !== "function");
}

/**
 * A result that will be available later (`asyncio.Future`): set by `setResult`,
 * `setException` or `cancel`. Callbacks added with `addDoneCallback` run through the
 * loop. A Future is awaitable (`await future`) and works with `Promise.resolve`,
 * `Promise.all` and `.then`. An asyncio Task awaiting it is woken through the loop, in
 * the order of the Future's done callbacks, as in asyncio; `task.cancel()` cancels the
 * Future the task waits on.
 * Construct and use its sync methods from either flavor; awaiting it is asyncio-flavored.
 *
 * As with Promises, awaiting a Future whose result is itself a thenable gives that
 * thenable's value; `result()` gives the thenable.
 */
export class Future<T = unknown> implements PromiseLike<T> {
  /** @internal */ _state = PENDING;
  /** @internal */ _result: T | undefined = undefined;
  /** @internal */ _exception: unknown = undefined;
  /** @internal */ readonly _loop: BaseTrioEventLoop;
  /** @internal */ _cancelMessage: string | undefined = undefined;
  /** @internal The CancelledError that cancelled a Task: the first to ask for the error gets it. */
  _cancelledExc: unknown = undefined;
  /** @internal Whether an exception is set that nobody has retrieved yet. */
  _logTraceback = false;
  /** Whether some awaiter handles a failure (so a failure will be retrieved). */
  private _awaited = false;
  // Done callbacks and task wake-ups, in registration order. Stored without the type
  // parameter, so that Future<T> stays covariant in T.
  private _callbacks: (DoneCallbackEntry | TaskWakeup | TrioWaiterLike)[] | null = null;
  private _promise: Promise<T> | null = null;
  private _resolve: ((value: unknown) => void) | null = null;
  private _reject: ((error: unknown) => void) | null = null;

  constructor(options: FutureOptions = {}) {
    if (!isOptionsObject(options)) {
      throw new TypeError("Future() takes one optional options object, { loop }");
    }
    this._loop = options.loop ?? defaultLoop.get();
  }

  /** The loop this Future belongs to. */
  getLoop(): BaseTrioEventLoop {
    return this._loop;
  }

  /** Whether the Future has a result, an exception, or was cancelled. */
  done(): boolean {
    return this._state !== PENDING;
  }

  /** Whether the Future was cancelled. */
  cancelled(): boolean {
    return this._state === CANCELLED;
  }

  /**
   * The result. Throws the exception that was set, `CancelledError` if cancelled, or
   * `InvalidStateError` if not done yet.
   */
  result(): T {
    if (this._state === CANCELLED) throw this._makeCancelledError();
    if (this._state !== FINISHED) throw new InvalidStateError("Result is not ready.");
    this._retrieved();
    if (this._exception !== undefined) throw this._exception;
    return this._result as T;
  }

  /** The exception that was set (undefined if none); throws like `result()` if cancelled or not done. */
  exception(): unknown {
    if (this._state === CANCELLED) throw this._makeCancelledError();
    if (this._state !== FINISHED) throw new InvalidStateError("Exception is not set.");
    this._retrieved();
    return this._exception;
  }

  /**
   * Cancels the Future: if pending, it becomes cancelled (its `result()` throws a
   * `CancelledError` with `msg`) and its callbacks are scheduled. Returns whether it did.
   */
  cancel(msg?: string): boolean {
    this._retrieved();
    if (this._state !== PENDING) return false;
    this._state = CANCELLED;
    this._cancelMessage = msg;
    this._complete();
    return true;
  }

  /** Sets the result; throws `InvalidStateError` if already done. */
  setResult(result: T): void {
    if (this._state !== PENDING) throw new InvalidStateError(`${this._stateName()}: ${String(this)}`);
    this._result = result;
    this._state = FINISHED;
    this._complete();
  }

  /** Sets an exception; throws `InvalidStateError` if already done. */
  setException(exception: unknown): void {
    if (this._state !== PENDING) throw new InvalidStateError(`${this._stateName()}: ${String(this)}`);
    if (exception === undefined) throw new TypeError("setException() needs an exception");
    this._exception = exception;
    this._state = FINISHED;
    this._complete();
    if (!this._awaited) {
      this._logTraceback = true;
      neverRetrieved.register(this, { loop: this._loop, kind: this.constructor.name, exception }, this);
    }
  }

  /**
   * Calls `callback(future)` through the loop once the Future is done (at the next loop
   * iteration if it already is). `addDoneCallback(cb, { context })` chooses the Context.
   */
  addDoneCallback(callback: DoneCallback<T>, options: DoneCallbackOptions = {}): void {
    if (typeof callback !== "function") throw new TypeError("addDoneCallback() needs a function");
    const context = options.context ?? copyContext();
    if (this._state !== PENDING) {
      this._loop.callSoon(callback, this, { context });
      return;
    }
    (this._callbacks ??= []).push(new DoneCallbackEntry(callback, context));
  }

  /** Removes every registration of `callback`; returns how many there were. */
  removeDoneCallback(callback: DoneCallback<T>): number {
    const callbacks = this._callbacks;
    if (callbacks === null) return 0;
    const kept = callbacks.filter((entry) => !(entry instanceof DoneCallbackEntry && entry.callback === (callback as DoneCallback<never>)));
    const removed = callbacks.length - kept.length;
    this._callbacks = kept;
    return removed;
  }

  /**
   * Awaiting support: settles like the Future. An asyncio Task awaiting a pending Future
   * is woken through the loop (asyncio's `Task.__wakeup` done callback); anyone else is
   * settled at once.
   */
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    if (typeof onRejected === "function") {
      this._awaited = true;
      if (this._state !== PENDING) this._retrieved();
    }
    const frame = currentFrame();
    const slot = aioSlot(frame) as Partial<AwaitingTask> | undefined;
    if (slot?._isTask === true) {
      const task = slot as AwaitingTask;
      if ((task as unknown) === this) {
        return Promise.reject(new RuntimeError(`Task cannot await on itself: ${String(this)}`)).then(onFulfilled, onRejected);
      }
      if (task._loop !== this._loop) {
        return Promise.reject(new RuntimeError(`Task ${String(task as unknown as Future<unknown>)} got Future ${String(this)} attached to a different loop`)).then(
          onFulfilled,
          onRejected,
        );
      }
      // A done Future does not suspend the task (asyncio's `await` of a done Future does not yield).
      if (this._state === PENDING) return this._awaitFromTask(task, onFulfilled, onRejected, frame);
    } else if ((slot as { _allowAsyncio?: boolean } | undefined)?._allowAsyncio === true) {
      // Trio code under allowAsyncio(): a cancellable Trio wait, as runAioFuture.
      return trioWait.runAioFuture!(this).then(onFulfilled, onRejected);
    }
    return this._native().then(onFulfilled, onRejected);
  }

  /**
   * @internal What the library awaits instead of the Future itself, on hot paths: the
   * outcome of `await future` passed to `onFulfilled` (or `onRejected`: a rejection,
   * cancellation too, passes through by default), as one promise, without the hop
   * through `then` that awaiting a thenable costs. `frame` is the caller's (which it has
   * looked up already, for its own checks). When that is an asyncio task's, the
   * task suspends at once, and `onFulfilled` runs in its wake-up, just before its code
   * resumes, in `frame`: that saves a reader the promises and the microtask of an async
   * function around the wait.
   */
  _waitThen<R>(onFulfilled: (value: T) => R | PromiseLike<R>, frame: Frame | undefined, onRejected: (reason: unknown) => R = rethrow): Promise<R> {
    const task = awaitingTaskOf(frame);
    if (task !== undefined && this._state === PENDING && (task as unknown) !== this && task._loop === this._loop) {
      this._awaited = true;
      return this._awaitFromTask<R, R>(task, onFulfilled, onRejected, frame);
    }
    return this.then(onFulfilled, onRejected);
  }

  /** A task suspends on this pending Future until the loop runs its wake-up. */
  private _awaitFromTask<R1, R2>(task: AwaitingTask, onFulfilled: Fulfilled<T, R1>, onRejected: Rejected<R2>, frame: Frame | undefined): Promise<R1 | R2> {
    const promise = new Promise(capture) as Promise<R1 | R2>;
    // Callbacks run where `then` was called (`frame`, the task's), as a promise's would.
    const wakeup = new TaskWakeup(task, this, onFulfilled as Fulfilled<unknown, unknown>, onRejected, capturedResolve!, capturedReject!, frame);
    capturedResolve = capturedReject = null;
    (this._callbacks ??= []).push(wakeup);
    (task._waiters ??= []).push(this);
    task._loop._stepSuspended(task);
    if (task._mustCancel && this.cancel(task._cancelMessage)) task._mustCancel = false;
    return promise;
  }

  /** @internal A Trio task waits (runAioFuture): woken at completion, in callback order. */
  _addTrioWaiter(waiter: TrioWaiterLike): void {
    (this._callbacks ??= []).push(waiter);
  }

  /** Like `Promise.prototype.catch`. */
  catch<R = never>(onRejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.then(undefined, onRejected);
  }

  /** Like `Promise.prototype.finally`. */
  finally(onFinally?: (() => void) | null): Promise<T> {
    return this._native().finally(onFinally);
  }

  private _native(): Promise<T> {
    if (this._promise === null) {
      this._promise = new Promise(capture) as Promise<T>;
      this._resolve = capturedResolve;
      this._reject = capturedReject;
      capturedResolve = capturedReject = null;
      if (this._state !== PENDING) this._settleNative();
    }
    return this._promise;
  }

  private _settleNative(): void {
    const resolve = this._resolve!;
    const reject = this._reject!;
    this._resolve = this._reject = null;
    if (this._state === FINISHED) {
      if (this._exception !== undefined) reject(this._exception);
      else resolve(this._result);
    } else {
      reject(this._makeCancelledError());
    }
  }

  /** Schedules the done callbacks and task wake-ups in registration order, and settles other awaiters. */
  private _complete(): void {
    const callbacks = this._callbacks;
    if (callbacks !== null) {
      this._callbacks = null;
      const loop = this._loop;
      for (const entry of callbacks) {
        if (entry instanceof DoneCallbackEntry) {
          // Through callSoon, as asyncio does: loops that override it see done callbacks.
          loop.callSoon(entry.callback as (f: Future<T>) => unknown, this, { context: entry.context });
        } else if (entry instanceof TaskWakeup) {
          removeWaiter(entry.task, this);
          loop._enqueue(entry);
        } else {
          entry.wake();
        }
      }
    }
    if (this._resolve !== null) this._settleNative();
  }

  /** @internal The failure was seen by someone: do not report it as never retrieved. */
  _retrieved(): void {
    if (this._logTraceback) {
      this._logTraceback = false;
      neverRetrieved.unregister(this);
    }
  }

  /**
   * @internal The CancelledError a cancelled Future raises: the first caller gets the
   * very error that cancelled a Task (as in asyncio), later ones a new one.
   */
  _makeCancelledError(): CancelledError {
    const original = this._cancelledExc;
    if (original instanceof CancelledError) {
      this._cancelledExc = undefined;
      return original;
    }
    return new CancelledError(this._cancelMessage ?? "");
  }

  private _stateName(): string {
    return this._state === PENDING ? "PENDING" : this._state === CANCELLED ? "CANCELLED" : "FINISHED";
  }

  /** @internal Extra words for `toString` (tasks add their name). */
  _reprInfo(): string[] {
    const info = [this._stateName().toLowerCase()];
    if (this._state === FINISHED) {
      info.push(this._exception !== undefined ? `exception=${describeError(this._exception)}` : `result=${describeValue(this._result)}`);
    }
    return info;
  }

  toString(): string {
    return `<${this.constructor.name} ${this._reprInfo().join(" ")}>`;
  }
}

/** The asyncio task whose code runs in `frame`, if any. */
function awaitingTaskOf(frame: Frame | undefined): AwaitingTask | undefined {
  const slot = aioSlot(frame) as Partial<AwaitingTask> | undefined;
  return slot?._isTask === true ? (slot as AwaitingTask) : undefined;
}

/** The task no longer waits on `future` (it completed). */
function removeWaiter(task: AwaitingTask, future: Future<unknown>): void {
  const waiters = task._waiters!;
  if (waiters.length === 1 && waiters[0] === future) {
    waiters.length = 0;
    return;
  }
  const index = waiters.indexOf(future);
  if (index >= 0) waiters.splice(index, 1);
}

/** @internal A Trio task waiting for a Future (see aio-future.ts). */
export interface TrioWaiterLike {
  wake(): void;
}

/** A done callback waiting for its Future, with the Context it runs in. */
class DoneCallbackEntry {
  constructor(
    readonly callback: DoneCallback<never>,
    readonly context: Context,
  ) {}
}

/**
 * @internal A Task waiting to resume from an `await` (asyncio's `Task.__wakeup`): an
 * entry of the loop's ready queue. Running it resumes the task with the Future's outcome
 * (or with nothing, for a bare yield), unless the task was cancelled in between: then the
 * await throws CancelledError, as in asyncio. The loop runs the task's step to its next
 * suspension before its next entry.
 */
export class TaskWakeup {
  readonly _cancelled = false;
  /** The value a bare yield resumes with. */
  value: unknown = undefined;

  constructor(
    readonly task: AwaitingTask,
    private readonly future: Future<unknown> | null,
    private readonly onFulfilled: Fulfilled<unknown, unknown>,
    private readonly onRejected: Rejected<unknown>,
    private readonly resolve: (value: unknown) => void,
    private readonly reject: (error: unknown) => void,
    /** The frame the callbacks run in (where `then` was called). */
    private readonly frame?: Frame,
  ) {}

  _run(): void {
    const task = this.task;
    if (task._stepOnDoneTask()) return;
    const future = this.future;
    let ok = true;
    let value = this.value;
    if (future !== null) {
      if (future._state === CANCELLED) {
        ok = false;
        value = future._makeCancelledError();
      } else if (future._exception !== undefined) {
        ok = false;
        value = future._exception;
        future._retrieved();
      } else {
        value = future._result;
      }
    }
    if (task._mustCancel) {
      // Cancelled after the Future completed, before the task resumed: the await raises.
      task._mustCancel = false;
      if (ok || !(value instanceof CancelledError)) {
        ok = false;
        value = new CancelledError(task._cancelMessage ?? "");
      }
    }
    // Awaiting several Futures at once (Promise.all), the task resumes only with the last.
    if (task._waiters === null || task._waiters.length === 0) task._loop._beginStep(task);
    try {
      const callback = ok ? this.onFulfilled : this.onRejected;
      if (typeof callback === "function") this.resolve(this.frame === undefined ? callback(value) : runInFrame1(this.frame, callback, value));
      else if (ok) this.resolve(value);
      else this.reject(value);
    } catch (error) {
      this.reject(error);
    }
  }

  toString(): string {
    return `<TaskWakeup ${String(this.task)}>`;
  }
}

/**
 * @internal A bare yield to the loop (asyncio's `await sleep(0)`), resolving to `value`:
 * a task is resumed at the loop's next iteration (or gets CancelledError if cancelled
 * meanwhile); other asyncio code after a microtask.
 */
export function yieldToLoop<T>(value: T): Promise<T> {
  const task = awaitingTaskOf(currentFrame());
  if (task === undefined) return Promise.resolve(value);
  const promise = new Promise(capture) as Promise<T>;
  const wakeup = new TaskWakeup(task, null, undefined, undefined, capturedResolve!, capturedReject!);
  wakeup.value = value;
  capturedResolve = capturedReject = null;
  task._loop._enqueue(wakeup);
  task._loop._stepSuspended(task);
  return promise;
}

/** Whether `value` is an asyncio Future (or Task). Sync, either flavor. */
export function isFuture(value: unknown): value is Future<unknown> {
  return value instanceof Future;
}
