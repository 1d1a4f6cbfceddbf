import { copyContext, type Context } from "../contextvars/context.js";
import { RuntimeError } from "../errors/builtins.js";
import { describeError, describeValue } from "../errors/describe.js";
import type { BaseTrioEventLoop } from "./base-loop.js";
import { currentAioSlot, defaultLoop } from "./current.js";
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
  _waiters: Set<Future<unknown>>;
}

type DoneCallback<T> = (future: Future<T>) => unknown;

/** Exceptions set on Futures that were dropped without anyone retrieving them. */
const neverRetrieved = new FinalizationRegistry<{ loop: BaseTrioEventLoop; kind: string; exception: unknown }>((info) => {
  info.loop.callExceptionHandler({ message: `${info.kind} exception was never retrieved`, exception: info.exception });
});

/** Captures a native promise's settle functions without a closure per Future. */
let captured: [(value: unknown) => void, (error: unknown) => void] | null = null;
function capture(resolve: (value: unknown) => void, reject: (error: unknown) => void): void {
  captured = [resolve, reject];
}

/**
 * A result that will be available later (`asyncio.Future`): set by `setResult`,
 * `setException` or `cancel`. Callbacks added with `addDoneCallback` run through the
 * loop. A Future is awaitable (`await future`) and works with `Promise.resolve`,
 * `Promise.all` and `.then`; awaiting it from an asyncio Task registers the task, so
 * that `task.cancel()` cancels the Future it waits on.
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
  /** @internal The CancelledError that cancelled a Task (chained into the one result() raises). */
  _cancelledExc: unknown = undefined;
  /** @internal Whether an exception is set that nobody has retrieved yet. */
  _logTraceback = false;
  // Stored without the type parameter, so that Future<T> stays covariant in T.
  private _callbacks: [DoneCallback<never>, Context][] | null = null;
  private _promise: Promise<T> | null = null;
  private _settle: [(value: unknown) => void, (error: unknown) => void] | null = null;
  private _awaitingTasks: AwaitingTask[] | null = null;

  constructor(options: FutureOptions = {}) {
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
    this._logTraceback = false;
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
    this._logTraceback = true;
    this._complete();
    if (this._logTraceback) neverRetrieved.register(this, { loop: this._loop, kind: this.constructor.name, exception }, this);
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
    (this._callbacks ??= []).push([callback, context]);
  }

  /** Removes every registration of `callback`; returns how many there were. */
  removeDoneCallback(callback: DoneCallback<T>): number {
    const callbacks = this._callbacks;
    if (callbacks === null) return 0;
    const kept = callbacks.filter(([cb]) => cb !== (callback as DoneCallback<never>));
    const removed = callbacks.length - kept.length;
    this._callbacks = kept;
    return removed;
  }

  /** Awaiting support: settles like the Future; registers an awaiting asyncio Task. */
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    const slot = currentAioSlot() as Partial<AwaitingTask> | undefined;
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
      if (this._state === PENDING) {
        (this._awaitingTasks ??= []).push(task);
        task._waiters.add(this);
        if (task._mustCancel && this.cancel(task._cancelMessage)) task._mustCancel = false;
      }
    }
    if (typeof onRejected === "function") this._retrieved();
    if (slot?._isTask === true) return this._native().then(...taskResumption(slot as AwaitingTask, onFulfilled, onRejected));
    return this._native().then(onFulfilled, onRejected);
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
      this._settle = captured;
      captured = null;
      if (this._state !== PENDING) this._settleNative();
    }
    return this._promise;
  }

  private _settleNative(): void {
    const settle = this._settle!;
    this._settle = null;
    if (this._state === FINISHED) {
      if (this._exception !== undefined) settle[1](this._exception);
      else settle[0](this._result);
    } else {
      settle[1](this._makeCancelledError());
    }
  }

  /** Schedules the callbacks, settles awaiters, and releases awaiting tasks. */
  private _complete(): void {
    const callbacks = this._callbacks;
    if (callbacks !== null) {
      this._callbacks = null;
      for (const [callback, context] of callbacks) this._loop.callSoon(callback as (f: Future<T>) => unknown, this, { context });
    }
    const tasks = this._awaitingTasks;
    if (tasks !== null) {
      this._awaitingTasks = null;
      for (const task of tasks) task._waiters.delete(this);
    }
    if (this._settle !== null) this._settleNative();
  }

  private _retrieved(): void {
    if (this._logTraceback) {
      this._logTraceback = false;
      neverRetrieved.unregister(this);
    }
  }

  /** @internal The CancelledError a cancelled Future raises. */
  _makeCancelledError(): CancelledError {
    return new CancelledError(this._cancelMessage ?? "", this._cancelledExc === undefined ? undefined : this._cancelledExc);
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


/**
 * How a Task resumes from an awaited Future. If the task was cancelled after the Future
 * completed but before the task resumed (so no awaited Future was left to cancel), the
 * await throws CancelledError instead of giving the result, as in asyncio.
 */
function taskResumption<T, R1, R2>(
  task: AwaitingTask,
  onFulfilled: ((value: T) => R1 | PromiseLike<R1>) | null | undefined,
  onRejected: ((reason: unknown) => R2 | PromiseLike<R2>) | null | undefined,
): [(value: T) => R1 | PromiseLike<R1>, (reason: unknown) => R2 | PromiseLike<R2>] {
  const cancelled = (): R2 | PromiseLike<R2> => {
    task._mustCancel = false;
    const error = new CancelledError(task._cancelMessage ?? "");
    if (typeof onRejected === "function") return onRejected(error);
    throw error;
  };
  return [
    (value) => {
      if (task._mustCancel) return cancelled() as R1 | PromiseLike<R1>;
      return typeof onFulfilled === "function" ? onFulfilled(value) : (value as unknown as R1);
    },
    (reason) => {
      if (task._mustCancel) {
        if (!(reason instanceof CancelledError)) return cancelled();
        task._mustCancel = false; // the CancelledError on its way is the requested one
      }
      if (typeof onRejected === "function") return onRejected(reason);
      throw reason;
    },
  ];
}

/** Whether `value` is an asyncio Future (or Task). Sync, either flavor. */
export function isFuture(value: unknown): value is Future<unknown> {
  return value instanceof Future;
}
