/**
 * The asyncio event loop interface (Python's `asyncio.AbstractEventLoop`): what asyncio
 * code may call on a loop. Every loop of this library (`SyncTrioEventLoop`, and the
 * `TrioEventLoop` that `openLoop` provides) implements it through `BaseTrioEventLoop`.
 */
import type { Context } from "../contextvars/context.js";
import type { ExceptionContext, ExceptionHandler, Executor, TaskFactory } from "./base-loop.js";
import type { Future } from "./futures.js";
import type { Handle, TimerHandle } from "./handles.js";
import type { Task, TaskOptions } from "./tasks.js";

/** The methods of an asyncio event loop. Sync, either flavor, unless a method says otherwise. */
export interface AbstractEventLoop {
  callSoon<A extends unknown[]>(callback: (...args: A) => unknown, ...args: [...A] | [...A, { context?: Context }]): Handle;
  callSoonThreadsafe<A extends unknown[]>(callback: (...args: A) => unknown, ...args: [...A] | [...A, { context?: Context }]): Handle;
  callLater<A extends unknown[]>(delay: number, callback: (...args: A) => unknown, ...args: [...A] | [...A, { context?: Context }]): TimerHandle;
  callAt<A extends unknown[]>(when: number, callback: (...args: A) => unknown, ...args: [...A] | [...A, { context?: Context }]): TimerHandle;
  time(): number;
  createFuture<T = unknown>(): Future<T>;
  createTask<T>(fn: () => PromiseLike<T> | T, options?: TaskOptions): Task<T>;
  setTaskFactory(factory: TaskFactory | null): void;
  getTaskFactory(): TaskFactory | null;
  setExceptionHandler(handler: ExceptionHandler | null): void;
  getExceptionHandler(): ExceptionHandler | null;
  callExceptionHandler(context: ExceptionContext): void;
  defaultExceptionHandler(context: ExceptionContext): void;
  getDebug(): boolean;
  setDebug(enabled: boolean): void;
  isRunning(): boolean;
  isClosed(): boolean;
  close(): void;
  /** asyncio-flavored to await. */
  shutdownAsyncgens(): Future<void>;
  /** asyncio-flavored to await. */
  shutdownDefaultExecutor(): Future<void>;
  runInExecutor<A extends unknown[], R>(executor: Executor | null, job: ((...args: A) => R) | { module: string | URL; export?: string }, ...args: A): Future<Awaited<R>>;
  setDefaultExecutor(executor: Executor): void;
  /** Sync loops: a Promise of the result. */
  runUntilComplete<T>(fnOrFuture: (() => PromiseLike<T> | T) | PromiseLike<T>): unknown;
  /** Sync loops: a Promise that resolves once the loop stopped. */
  runForever(): unknown;
  stop(): unknown;
}
