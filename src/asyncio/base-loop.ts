/**
 * The asyncio event loop on the engine. The loop is one Trio task: it drains its ready
 * queue in batches (a callback scheduled from a callback runs in the next batch, after
 * the current batch's entries, as in asyncio), yields between batches so that the task
 * continuations those callbacks released run first, and parks when there is nothing to
 * do. Its timers are deadlines of the engine's heap, so the run's clock (MockClock
 * included) drives them.
 */
import { Context } from "../contextvars/context.js";
import { KeyError, RuntimeError, ValueError } from "../errors/builtins.js";
import { describeValue } from "../errors/describe.js";
import { currentTrioTask } from "../loop/current.js";
import { WouldBlock } from "../loop/errors.js";
import type { Runner } from "../loop/runner.js";
import type { Task as TrioTask } from "../loop/task.js";
import type { AbstractEventLoop } from "./abstract-loop.js";
import { Future, type AwaitingTask } from "./futures.js";
import { Handle, TimerHandle } from "./handles.js";
import { logger } from "./log.js";
import { fdWatchersUnavailable } from "./fd-watchers.js";
import { runningLoops } from "./task-tree.js";
import { ensureFuture, Task, type TaskOptions } from "./tasks.js";
import { runAioFuture, type TrioWaiter } from "./aio-future.js";
import { AsyncHandle, TrioFuture } from "./trio-handle.js";
import { closeSync } from "node:fs";
import type { Nursery } from "../loop/nursery.js";
import { ParkingLot } from "../loop/parking-lot.js";
import { checkpoint } from "../loop/traps.js";
import type { Socket as NodeSocket } from "node:net";
import type { Readable, Writable } from "node:stream";
import * as net from "./net/index.js";
import type {
  AddrInfo,
  BaseProtocolLike,
  BaseTransport,
  ConnectAcceptedSocketOptions,
  CreateConnectionOptions,
  CreateDatagramEndpointOptions,
  CreateServerOptions,
  CreateUnixConnectionOptions,
  CreateUnixServerOptions,
  DatagramProtocolLike,
  DatagramSocketTransport,
  GetaddrinfoOptions,
  ProtocolLike,
  SendfileFile,
  SendfileOptions,
  Server,
  SocketTransport,
  StartTlsOptions,
  TLSOptions,
  Transport,
} from "./net/index.js";
import { sockMethodsUnavailable } from "./net/sock-methods.js";
import * as subprocess from "./subprocess/index.js";
import type { ChildProcessTransport, PathLike, ReadPipeTransport, SubprocessOptions, SubprocessProtocolLike, WritePipeTransport } from "./subprocess/index.js";
import * as signals from "./signals.js";

/** What the exception handler receives (asyncio's context dict). */
export interface ExceptionContext {
  message: string;
  exception?: unknown;
  future?: Future<unknown>;
  task?: Task<unknown>;
  handle?: Handle;
  [key: string]: unknown;
}

/** A custom exception handler: `(loop, context) => void`. */
export type ExceptionHandler = (loop: BaseTrioEventLoop, context: ExceptionContext) => void;

/** A custom task factory: `(loop, fn, options) => Task`. */
export type TaskFactory = (loop: BaseTrioEventLoop, fn: () => unknown, options: TaskOptions) => Task<unknown>;

/** An executor for `loop.runInExecutor` (the bridge's `TrioExecutor`). */
export interface Executor {
  /** Runs the job and returns its result. Trio-flavored. */
  submit(job: unknown, ...args: unknown[]): Promise<unknown>;
  /** Refuses new jobs from now on. */
  shutdown(): void;
}

/** @internal Registered by the bridge, which owns TrioExecutor (it runs jobs on Trio threads). */
export const executorHooks: { isExecutor: (value: unknown) => boolean; createDefault: (() => Executor) | null } = {
  isExecutor: () => false,
  createDefault: null,
};

/** Something the loop runs: a callback Handle or a Task's first step. */
export interface ReadyEntry {
  readonly _cancelled: boolean;
  /** Runs the entry; true asks the loop to let the engine run once before the next entry. */
  _run(): void | boolean;
  toString(): string;
}

/**
 * The Context of `(cb, ...args, { context })`: a last argument that is exactly
 * `{ context: Context }` is the options, not an argument.
 */
function contextOption(args: unknown[]): Context | undefined | null {
  const last = args[args.length - 1];
  if (typeof last !== "object" || last === null || Object.getPrototypeOf(last) !== Object.prototype) return null;
  const keys = Object.keys(last);
  const context = (last as { context?: unknown }).context;
  return keys.length === 1 && keys[0] === "context" && (context instanceof Context || context === undefined) ? context : null;
}

function checkCallback(callback: unknown, method: string): void {
  if (typeof callback !== "function") {
    throw new TypeError(
      isThenable(callback)
        ? `coroutines cannot be used with ${method}(): got a Promise (a started call); use createTask(() => work()) to run async code`
        : `a callable object was expected by ${method}(), got ${callback === null ? "null" : typeof callback}`,
    );
  }
  if (isAsyncFunction(callback)) {
    const name = (callback as { name?: string }).name;
    throw new TypeError(`coroutines cannot be used with ${method}(): ${name || "an async function"} is async; use createTask(() => work()) to run it`);
  }
}

function setResultUnlessDone(future: Future<void>): void {
  if (!future.done()) future.setResult(undefined);
}

const NO_ARGS: never[] = [];

function checkTrioFunction(fn: unknown, method: string): void {
  if (typeof fn === "function") return;
  throw new TypeError(
    isThenable(fn)
      ? `${method}() needs a Trio-flavored async function, got a Promise: pass the function and its arguments, ${method}(fn, ...args), not ${method}(fn(...args))`
      : `${method}() needs a Trio-flavored async function, got ${fn === null ? "null" : typeof fn}`,
  );
}

function toFd(fd: number | { fileno(): number }): number {
  const n = typeof fd === "object" && fd !== null && typeof fd.fileno === "function" ? fd.fileno() : fd;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
    throw new TypeError(`a file descriptor (a non-negative integer, or an object with fileno()) was expected, got ${describeValue(n)}`);
  }
  return n;
}

function isThenable(value: unknown): boolean {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as { then?: unknown }).then === "function";
}

/** Whether `fn` was declared `async` (asyncio refuses coroutine functions as callbacks). */
function isAsyncFunction(fn: object): boolean {
  const tag = (fn as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag];
  return tag === "AsyncFunction" || tag === "AsyncGeneratorFunction";
}

/**
 * The asyncio event loop of trio-asyncio (`trio_asyncio.BaseTrioEventLoop`); every loop
 * is one, running on the Trio engine. Its scheduling methods are sync, either flavor.
 */
export abstract class BaseTrioEventLoop implements AbstractEventLoop {
  /** @internal The engine run the loop lives in. */
  _runner: Runner | null = null;
  /** @internal The Trio task running the loop. */
  _task: TrioTask | null = null;
  /** @internal */ _ready: ReadyEntry[] = [];
  private _spare: ReadyEntry[] = [];
  /** @internal */ _running = false;
  /** @internal */ _stopping = false;
  /** @internal */ _closed = false;
  private _idle = false;
  /** @internal Set by a stop entry: the loop stops right after it, before the rest of its batch. */
  _stopNow = false;
  /** The task whose step is running (the loop waits for it to suspend). */
  private _stepTask: Task<unknown> | AwaitingTask | null = null;
  private _stepResolve: (() => void) | null = null;
  private _fallbackArmed = false;
  /** @internal Trio tasks waiting in runAioFuture for this loop's Futures. */
  readonly _trioWaiters = new Set<TrioWaiter>();
  /** @internal The nursery of the Trio tasks started from this loop (null while it cannot start any). */
  _nursery: Nursery | null = null;
  /** @internal Parked in waitStopped(). */
  private readonly _stoppedLot = new ParkingLot();
  private _defaultExecutor: Executor | null = null;
  /** @internal File descriptors closed with the loop (autoclose). */
  private readonly _closeFiles = new Set<number>();
  private readonly _timers = new Set<TimerHandle>();
  private readonly _tasks = new Set<Task<unknown>>();
  private _debug = false;
  private _exceptionHandler: ExceptionHandler | null = null;
  private _taskFactory: TaskFactory | null = null;
  private readonly _queueLen: number;
  /** In debug mode, callbacks slower than this many seconds are logged. */
  slowCallbackDuration = 0.1;

  constructor(options: { queueLen?: number } = {}) {
    const queueLen = options.queueLen ?? Infinity;
    if (typeof queueLen !== "number" || Number.isNaN(queueLen) || queueLen < 1) {
      throw new ValueError("queueLen must be a positive number (or Infinity, the default)");
    }
    this._queueLen = queueLen;
  }

  /** @internal The engine run timers and `time()` use (started on demand by sync loops). */
  protected abstract _ensureRunner(): Runner;

  // ------------------------------------------------------------ scheduling

  /**
   * Schedules `callback(...args)` to run at the loop's next iteration, in a copy of the
   * caller's Context (or `callSoon(cb, ...args, { context })`). Callbacks run in FIFO
   * order. Returns a Handle that can cancel it.
   */
  callSoon<A extends unknown[]>(callback: (...args: A) => unknown, ...args: [...A] | [...A, { context?: Context }]): Handle {
    checkCallback(callback, "callSoon");
    this._checkClosed();
    const context = args.length === 0 ? null : contextOption(args);
    if (context !== null) args = args.slice(0, -1) as typeof args;
    // A queued callback without arguments keeps no array of its own.
    const handle = new Handle(callback, args.length === 0 ? NO_ARGS : args, this, context ?? undefined);
    handle.task = this._task ?? undefined;
    this._enqueue(handle);
    return handle;
  }

  /** `callSoon` for other threads; JavaScript has one thread per loop, so it is `callSoon`. */
  callSoonThreadsafe<A extends unknown[]>(callback: (...args: A) => unknown, ...args: [...A] | [...A, { context?: Context }]): Handle {
    return this.callSoon(callback, ...args);
  }

  /** Schedules `callback(...args)` to run `delay` seconds from now (loop clock). Returns a TimerHandle. */
  callLater<A extends unknown[]>(delay: number, callback: (...args: A) => unknown, ...args: [...A] | [...A, { context?: Context }]): TimerHandle {
    if (typeof delay !== "number") throw new TypeError("delay must be a number of seconds");
    if (Number.isNaN(delay)) throw new ValueError("delay must not be NaN");
    checkCallback(callback, "callLater");
    return this.callAt(this.time() + delay, callback, ...args);
  }

  /** Schedules `callback(...args)` to run at `when` on the loop clock (`loop.time()`). Returns a TimerHandle. */
  callAt<A extends unknown[]>(when: number, callback: (...args: A) => unknown, ...args: [...A] | [...A, { context?: Context }]): TimerHandle {
    if (typeof when !== "number") throw new TypeError("when must be a number (a loop.time() value)");
    if (Number.isNaN(when)) throw new ValueError("when must not be NaN");
    checkCallback(callback, "callAt");
    this._checkClosed();
    const runner = this._ensureRunner();
    const context = args.length === 0 ? null : contextOption(args);
    if (context !== null) args = args.slice(0, -1) as typeof args;
    const timer = new TimerHandle(when, callback, args.length === 0 ? NO_ARGS : args, this, context ?? undefined);
    timer.task = this._task ?? undefined;
    this._timers.add(timer);
    runner._addDeadline(timer);
    return timer;
  }

  /** The loop's clock: the Trio run's clock, in seconds. */
  time(): number {
    return this._ensureRunner().clock.currentTime();
  }

  /** A new Future attached to this loop. */
  createFuture<T = unknown>(): Future<T> {
    return new Future<T>({ loop: this });
  }

  /**
   * Starts `fn()` as a Task on this loop (through the task factory, if one is set).
   * Pass a function, not a started call: `createTask(() => work())`.
   */
  createTask<T>(fn: () => PromiseLike<T> | T, options: TaskOptions = {}): Task<T> {
    this._checkClosed();
    if (this._taskFactory !== null) return this._taskFactory(this, fn, options) as Task<T>;
    return new Task(fn, { ...options, loop: this });
  }

  /** Sets (or with null, removes) the factory `createTask` uses. */
  setTaskFactory(factory: TaskFactory | null): void {
    if (factory !== null && typeof factory !== "function") throw new TypeError("task factory must be a callable or null");
    this._taskFactory = factory;
  }

  getTaskFactory(): TaskFactory | null {
    return this._taskFactory;
  }

  // ------------------------------------------------------------ Trio from asyncio, asyncio from Trio

  /**
   * Starts `fn(...args)`, a Trio-flavored async function, as a Trio task when the loop
   * reaches it, and returns an asyncio Future of its result. Cancelling the Future
   * cancels the task; the Future is settled when the task is done (see `TrioFuture`).
   * Errors go only to the Future: await it. Sync, either flavor (awaiting the Future is
   * asyncio-flavored).
   */
  trioAsFuture<T, A extends unknown[]>(fn: (...args: A) => PromiseLike<T> | T, ...args: A): TrioFuture<T> {
    checkTrioFunction(fn, "trioAsFuture");
    this._checkClosed();
    const future = new TrioFuture<T>({ loop: this });
    this._enqueue(new AsyncHandle(fn as (...a: unknown[]) => unknown, args, this, future));
    return future;
  }

  /**
   * Starts `fn(...args)`, a Trio-flavored async function, as a Trio task when the loop
   * reaches it; an error it throws goes to the loop's exception handler (which, on a
   * loop opened with `openLoop`, ends the loop with it). Returns a Handle that cancels
   * the task. Sync, either flavor.
   */
  runTrioTask<A extends unknown[]>(fn: (...args: A) => unknown, ...args: A): Handle {
    checkTrioFunction(fn, "runTrioTask");
    this._checkClosed();
    const handle = new AsyncHandle(fn as (...a: unknown[]) => unknown, args, this, null);
    this._enqueue(handle);
    return handle;
  }

  /**
   * Runs `fn()` (an asyncio-flavored function, started as a Task of this loop) or awaits
   * an asyncio Future or Promise, and returns the result, with `runAioFuture`'s
   * cancellation rules. Trio-flavored.
   */
  runAioCoroutine<T>(fnOrAwaitable: (() => PromiseLike<T> | T) | PromiseLike<T>): Promise<T> {
    try {
      this._checkClosed();
      return runAioFuture(ensureFuture(fnOrAwaitable, { loop: this }));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Runs `job(...args)` in a worker thread through `executor` (a `TrioExecutor`; null
   * for the loop's default one) and returns an asyncio Future of its result. Since
   * closures cannot cross threads, a job is a self-contained function (shipped by
   * source: it fails with a clear error if it uses variables from around it) or a
   * `{ module, export }` reference; arguments and results are structured-cloned.
   * Cancelling the Future waits for the job to finish. Sync, either flavor.
   */
  runInExecutor<A extends unknown[], R>(executor: Executor | null, job: ((...args: A) => R) | { module: string | URL; export?: string }, ...args: A): TrioFuture<Awaited<R>> {
    this._checkClosed();
    if (typeof job !== "function" && (typeof job !== "object" || job === null || !("module" in job))) {
      throw new TypeError(`runInExecutor() needs a job: a self-contained function or a { module, export } reference, got ${describeValue(job)}`);
    }
    const ex = executor ?? this._getDefaultExecutor();
    if (!executorHooks.isExecutor(ex)) throw new TypeError(`runInExecutor(): the executor must be a TrioExecutor (or null), got ${describeValue(ex)}`);
    return this.trioAsFuture((...a: unknown[]) => ex.submit(job, ...a) as Promise<Awaited<R>>, ...args);
  }

  /** Sets the executor `runInExecutor(null, ...)` uses; it must be a `TrioExecutor`. Sync, either flavor. */
  setDefaultExecutor(executor: Executor): void {
    if (!executorHooks.isExecutor(executor)) {
      throw new TypeError(`setDefaultExecutor(): the executor must be a TrioExecutor (jobs run on Trio worker threads), got ${describeValue(executor)}`);
    }
    this._defaultExecutor = executor;
  }

  private _getDefaultExecutor(): Executor {
    if (this._defaultExecutor === null) {
      if (executorHooks.createDefault === null) throw new RuntimeError("runInExecutor(): no executor is available (import trio-asyncio, which provides TrioExecutor)");
      this._defaultExecutor = executorHooks.createDefault();
    }
    return this._defaultExecutor;
  }

  /**
   * Waits until every callback scheduled before this call has run (from asyncio code:
   * `await trioAsAio(loop.synchronize)()`). Trio-flavored.
   */
  async synchronize(): Promise<void> {
    currentTrioTask("loop.synchronize()");
    const reached = this.createFuture<void>();
    this.callSoon(setResultUnlessDone, reached);
    // A Trio wait on a Future: cancellable, and failed if the loop stops for good first.
    await runAioFuture(reached);
  }

  /** Waits until the loop is not running. Trio-flavored. */
  async waitStopped(): Promise<void> {
    const task = currentTrioTask("loop.waitStopped()");
    if (!this._running) {
      await checkpoint();
      return;
    }
    await this._stoppedLot._park(task, "loop.waitStopped()");
  }

  /** Not available: throws NotImplementedError naming the alternatives (see fd-watchers.ts). */
  addReader(_fd: unknown, _callback: (...args: never[]) => unknown, ..._args: unknown[]): never {
    throw fdWatchersUnavailable("addReader");
  }

  /** Not available: throws NotImplementedError naming the alternatives. */
  addWriter(_fd: unknown, _callback: (...args: never[]) => unknown, ..._args: unknown[]): never {
    throw fdWatchersUnavailable("addWriter");
  }

  /** Not available: throws NotImplementedError naming the alternatives. */
  removeReader(_fd: unknown): never {
    throw fdWatchersUnavailable("removeReader");
  }

  /** Not available: throws NotImplementedError naming the alternatives. */
  removeWriter(_fd: unknown): never {
    throw fdWatchersUnavailable("removeWriter");
  }

  /**
   * Closes file descriptor `fd` (a number, or an object with `fileno()`) when the loop
   * closes, as a safety net next to your own cleanup. Sync, either flavor.
   */
  autoclose(fd: number | { fileno(): number }): void {
    this._closeFiles.add(toFd(fd));
  }

  /** Stops closing `fd` with the loop; throws KeyError if it was not marked. Sync, either flavor. */
  noAutoclose(fd: number | { fileno(): number }): void {
    const n = toFd(fd);
    if (!this._closeFiles.delete(n)) throw new KeyError(String(n));
  }

  /** @internal Throws if this loop can no longer run a Future's callbacks (a Trio wait would hang). */
  _checkCanDeliver(future: Future<unknown>): void {
    if (this._closed) throw new RuntimeError(`Event loop is closed: ${String(future)} can no longer be waited for`);
  }

  /** @internal The loop will never run again: fail the Trio tasks waiting for its Futures. */
  _failTrioWaiters(): void {
    const waiters = [...this._trioWaiters];
    this._trioWaiters.clear();
    for (const waiter of waiters) waiter.fail(this);
  }

  // ------------------------------------------------------------ networking (src/asyncio/net)

  /** Opens a TCP connection; `[transport, protocol]` once `connectionMade` ran (see net/connect.ts). asyncio-flavored. */
  createConnection<P extends ProtocolLike>(protocolFactory: () => P, host?: string | null, port?: number | string | null, options?: CreateConnectionOptions): Promise<[SocketTransport, P]> {
    return net.createConnection(this, protocolFactory, host, port, options);
  }

  /** Starts a TCP server (see net/server.ts). asyncio-flavored. */
  createServer(protocolFactory: () => ProtocolLike, host?: string | readonly string[] | null, port?: number | string | null, options?: CreateServerOptions): Promise<Server> {
    return net.createServer(this, protocolFactory, host, port, options);
  }

  /** Opens a Unix domain socket connection (see net/connect.ts). asyncio-flavored. */
  createUnixConnection<P extends ProtocolLike>(protocolFactory: () => P, path?: string | null, options?: CreateUnixConnectionOptions): Promise<[SocketTransport, P]> {
    return net.createUnixConnection(this, protocolFactory, path, options);
  }

  /** Starts a Unix domain socket server (see net/server.ts). asyncio-flavored. */
  createUnixServer(protocolFactory: () => ProtocolLike, path?: string | null, options?: CreateUnixServerOptions): Promise<Server> {
    return net.createUnixServer(this, protocolFactory, path, options);
  }

  /** Creates a UDP endpoint (see net/datagram.ts). asyncio-flavored. */
  createDatagramEndpoint<P extends DatagramProtocolLike>(protocolFactory: () => P, options?: CreateDatagramEndpointOptions): Promise<[DatagramSocketTransport, P]> {
    return net.createDatagramEndpoint(this, protocolFactory, options);
  }

  /** Wraps a connected `net.Socket` accepted outside asyncio (see net/connect.ts). asyncio-flavored. */
  connectAcceptedSocket<P extends ProtocolLike>(protocolFactory: () => P, sock: NodeSocket, options?: ConnectAcceptedSocketOptions): Promise<[SocketTransport, P]> {
    return net.connectAcceptedSocket(this, protocolFactory, sock, options);
  }

  /** Upgrades a connection to TLS; returns the new transport (see net/tls.ts). asyncio-flavored. */
  startTls(transport: Transport, protocol: ProtocolLike, sslcontext: TLSOptions, options?: StartTlsOptions): Promise<SocketTransport> {
    return net.startTls(this, transport, protocol, sslcontext, options);
  }

  /** Resolves a host and port: `[family, type, proto, canonname, sockaddr][]` (see net/dns.ts). asyncio-flavored. */
  getaddrinfo(host: string | null | undefined, port: number | string | null | undefined, options?: GetaddrinfoOptions): Promise<AddrInfo[]> {
    return net.getaddrinfo(this, host, port, options);
  }

  /** Turns a socket address into `[host, service]` (see net/dns.ts). asyncio-flavored. */
  getnameinfo(sockaddr: readonly unknown[], flags?: number): Promise<[host: string, service: string]> {
    return net.getnameinfo(this, sockaddr, flags);
  }

  /**
   * Sends `file` (an open `fs.promises.FileHandle` or a file descriptor) over a stream
   * `transport` (TCP, Unix or TLS), from byte `offset`, at most `count` bytes (null: up
   * to the end of the file); resolves to the number of bytes sent (see net/sendfile.ts).
   * Node has no native sendfile for transports, so this is always asyncio's fallback: the
   * file is read in blocks of at most 16 KiB with positional reads (off the loop) and
   * written with the transport's write flow control; meanwhile the transport's protocol
   * is replaced and reading is paused, and both are restored at the end, on success,
   * error and cancellation alike. `{ fallback: false }` raises SendfileNotAvailableError.
   * Unlike Python, the file's position is neither used nor updated (a descriptor cannot
   * be seeked from Node): use the returned count. A closing transport raises
   * RuntimeError, as does a transport other than a stream socket transport; a bad
   * `offset` or `count` raises TypeError or ValueError; a connection lost during the send
   * raises ConnectionError. asyncio-flavored.
   */
  sendfile(transport: BaseTransport, file: SendfileFile, offset: number = 0, count: number | null = null, options?: SendfileOptions): Promise<number> {
    return net.sendfile(this, transport, file, offset, count, options);
  }

  /** Not available: throws NotImplementedError naming transports and streams (see net/sock-methods.ts). */
  sockRecv(_sock: unknown, _nbytes: number): never {
    throw sockMethodsUnavailable("sockRecv");
  }

  /** Not available: throws NotImplementedError naming transports and streams. */
  sockRecvInto(_sock: unknown, _buf: Uint8Array): never {
    throw sockMethodsUnavailable("sockRecvInto");
  }

  /** Not available: throws NotImplementedError naming transports and streams. */
  sockRecvfrom(_sock: unknown, _bufsize: number): never {
    throw sockMethodsUnavailable("sockRecvfrom");
  }

  /** Not available: throws NotImplementedError naming transports and streams. */
  sockRecvfromInto(_sock: unknown, _buf: Uint8Array, _nbytes?: number): never {
    throw sockMethodsUnavailable("sockRecvfromInto");
  }

  /** Not available: throws NotImplementedError naming transports and streams. */
  sockSendall(_sock: unknown, _data: Uint8Array): never {
    throw sockMethodsUnavailable("sockSendall");
  }

  /** Not available: throws NotImplementedError naming transports and streams. */
  sockSendto(_sock: unknown, _data: Uint8Array, _address: unknown): never {
    throw sockMethodsUnavailable("sockSendto");
  }

  /** Not available: throws NotImplementedError naming transports and streams. */
  sockConnect(_sock: unknown, _address: unknown): never {
    throw sockMethodsUnavailable("sockConnect");
  }

  /** Not available: throws NotImplementedError naming transports and streams. */
  sockAccept(_sock: unknown): never {
    throw sockMethodsUnavailable("sockAccept");
  }

  /** Not available: throws NotImplementedError naming transports and streams. */
  sockSendfile(_sock: unknown, _file: unknown, _offset?: number, _count?: number | null): never {
    throw sockMethodsUnavailable("sockSendfile");
  }

  // ------------------------------------------------------------ subprocesses and signals (src/asyncio/subprocess, src/asyncio/signals.ts)

  /**
   * Runs `program` with `args` (no shell): `[transport, protocol]` once `connectionMade`
   * ran; a trailing plain object is the options (stdin, stdout, stderr default to `PIPE`).
   * See subprocess/transport.ts. asyncio-flavored.
   */
  subprocessExec<P extends SubprocessProtocolLike>(protocolFactory: () => P, program: PathLike, ...args: [...PathLike[], SubprocessOptions] | PathLike[]): Promise<[ChildProcessTransport, P]> {
    return subprocess.subprocessExec(this, protocolFactory, program, args);
  }

  /** Runs the command line `cmd` through the shell (see subprocess/transport.ts). asyncio-flavored. */
  subprocessShell<P extends SubprocessProtocolLike>(protocolFactory: () => P, cmd: string, options?: SubprocessOptions): Promise<[ChildProcessTransport, P]> {
    return subprocess.subprocessShell(this, protocolFactory, cmd, options);
  }

  /**
   * Connects the readable end of a pipe the caller has (a Node `Readable`: `process.stdin`,
   * `new net.Socket({ fd })`, a child's stdout...) to a protocol: `[transport, protocol]`
   * once `connectionMade` ran (see subprocess/connect-pipe.ts). asyncio-flavored.
   */
  connectReadPipe<P extends ProtocolLike>(protocolFactory: () => P, pipe: Readable): Promise<[ReadPipeTransport, P]> {
    return subprocess.connectReadPipe(this, protocolFactory, pipe);
  }

  /** Connects the writable end of a pipe (a Node `Writable`) to a protocol, as `connectReadPipe` does. asyncio-flavored. */
  connectWritePipe<P extends BaseProtocolLike>(protocolFactory: () => P, pipe: Writable): Promise<[WritePipeTransport, P]> {
    return subprocess.connectWritePipe(this, protocolFactory, pipe);
  }

  /**
   * Calls `callback(...args)` as a loop callback each time the process receives `sig` (a
   * name such as "SIGHUP", or a number), instead of the signal's other listeners; a
   * second call replaces the handler. TypeError for an async function; ValueError for an
   * unknown signal; RuntimeError for SIGKILL / SIGSTOP, outside the main thread, or on a
   * closed loop. Closing the loop removes its handlers (see signals.ts). Sync, either flavor.
   */
  addSignalHandler<A extends unknown[]>(sig: NodeJS.Signals | number, callback: (...args: A) => unknown, ...args: A): void {
    checkCallback(callback, "addSignalHandler");
    signals.addSignalHandler(this, sig, callback, args);
  }

  /** Removes the handler of `sig`, restoring the listeners it replaced; returns whether there was one. Sync, either flavor. */
  removeSignalHandler(sig: NodeJS.Signals | number): boolean {
    return signals.removeSignalHandler(this, sig);
  }

  // ------------------------------------------------------------ errors and debugging

  /** Sets (or with null, removes) the handler of errors the loop cannot raise. */
  setExceptionHandler(handler: ExceptionHandler | null): void {
    if (handler !== null && typeof handler !== "function") throw new TypeError(`A callable object or None is expected, got ${typeof handler}`);
    this._exceptionHandler = handler;
  }

  getExceptionHandler(): ExceptionHandler | null {
    return this._exceptionHandler;
  }

  /** Reports through the exception handler (or the default one): errors in callbacks, unretrieved exceptions. */
  callExceptionHandler(context: ExceptionContext): void {
    const handler = this._exceptionHandler;
    if (handler === null) {
      try {
        this.defaultExceptionHandler(context);
      } catch (error) {
        logger.error("Exception in default exception handler", error);
      }
      return;
    }
    try {
      handler(this, context);
    } catch (error) {
      try {
        this.defaultExceptionHandler({ message: "Unhandled error in exception handler", exception: error, context });
      } catch (inner) {
        logger.error("Exception in default exception handler while handling an unexpected error in custom exception handler", inner);
      }
    }
  }

  /** The default handler: logs the message and the exception through `asyncio.logger`. */
  defaultExceptionHandler(context: ExceptionContext): void {
    const lines = [context.message || "Unhandled exception in event loop"];
    for (const [key, value] of Object.entries(context)) {
      if (key === "message" || key === "exception") continue;
      lines.push(`${key}: ${String(value)}`);
    }
    logger.error(lines.join("\n"), context.exception);
  }

  getDebug(): boolean {
    return this._debug;
  }

  /** Debug mode: callbacks slower than `slowCallbackDuration` are logged. */
  setDebug(enabled: boolean): void {
    this._debug = Boolean(enabled);
  }

  // ------------------------------------------------------------ state

  isRunning(): boolean {
    return this._running;
  }

  isClosed(): boolean {
    return this._closed;
  }

  /** Closes the loop: drops pending callbacks and timers. Throws if the loop is running. */
  close(): void {
    if (this._running) throw new RuntimeError("Cannot close a running event loop");
    if (this._closed) return;
    this._closed = true;
    this._ready = [];
    for (const timer of [...this._timers]) timer.cancel();
    this._timers.clear();
    this._failTrioWaiters();
    for (const fd of this._closeFiles) {
      try {
        closeSync(fd);
      } catch (error) {
        this.callExceptionHandler({ message: `Error closing file descriptor ${fd} with the loop`, exception: error });
      }
    }
    this._closeFiles.clear();
    // Python's Unix loop removes its signal handlers when it closes.
    signals.removeAllSignalHandlers(this);
  }

  /** Finalizes asyncio async generators (none need it in JavaScript: no-op). asyncio-flavored. */
  shutdownAsyncgens(): Future<void> {
    const f = this.createFuture<void>();
    f.setResult(undefined);
    return f;
  }

  /** Shuts down the default executor, if one was made: it refuses new jobs. asyncio-flavored to await. */
  shutdownDefaultExecutor(): Future<void> {
    this._defaultExecutor?.shutdown();
    const f = this.createFuture<void>();
    f.setResult(undefined);
    return f;
  }

  /** Runs until `fnOrFuture` completes; sync loops only (see SyncTrioEventLoop). */
  abstract runUntilComplete<T>(fnOrFuture: (() => PromiseLike<T> | T) | PromiseLike<T>): unknown;
  /** Runs until `stop()`; sync loops only. */
  abstract runForever(): unknown;
  /** Stops the loop after the current iteration. */
  abstract stop(): unknown;

  /** @internal */
  _checkClosed(): void {
    if (this._closed) throw new RuntimeError("Event loop is closed");
  }

  // ------------------------------------------------------------ internals

  /** @internal Adds an entry to the ready queue and wakes the loop. */
  _enqueue(entry: ReadyEntry): void {
    if (this._ready.length >= this._queueLen) {
      throw new WouldBlock(`the event loop's queue is full (queueLen ${this._queueLen})`);
    }
    this._ready.push(entry);
    if (this._idle) this._wake();
  }

  /**
   * @internal Wakes the loop if it is parked (an entry, stop(), a closed loop...). While
   * the step the loop parked behind still runs, the wake waits for that step to suspend.
   */
  _wake(): void {
    if (!this._idle) return;
    if (this._stepTask !== null) {
      // Delivered when the step suspends (_stepSuspended): what is to do says so.
      this._armStepFallback();
      return;
    }
    this._idle = false;
    this._runner!._reschedule(this._task!);
  }

  /** @internal A timer's deadline passed. */
  _timerDue(timer: TimerHandle): void {
    this._timers.delete(timer);
    if (!timer._cancelled && !this._closed) this._enqueue(timer);
  }

  /** @internal A timer was cancelled: it leaves the engine's heap at once. */
  _timerHandleCancelled(timer: TimerHandle): void {
    this._timers.delete(timer);
    this._runner?._removeDeadline(timer);
  }

  /** @internal */
  _registerTask(task: Task<unknown>): void {
    this._tasks.add(task);
  }

  /** @internal */
  _unregisterTask(task: Task<unknown>): void {
    this._tasks.delete(task);
  }

  /** @internal */
  _allTasks(): Set<Task<unknown>> {
    return new Set(this._tasks);
  }

  /** The number of scheduled timers (for tests of timer hygiene). */
  get _timerCount(): number {
    return this._timers.size;
  }

  // ------------------------------------------------------------ task steps

  /**
   * @internal A task's step starts (its first call, or its resumption from an await):
   * the loop runs nothing else until the step suspends again, as in asyncio, where a
   * step runs between two suspensions without interruption.
   */
  _beginStep(task: Task<unknown> | AwaitingTask): void {
    this._stepTask = task;
  }

  /** @internal The task suspended (awaits a pending Future, yields) or finished. */
  _stepSuspended(task: Task<unknown> | AwaitingTask): void {
    if (this._stepTask !== task) return;
    this._stepTask = null;
    const resolve = this._stepResolve;
    if (resolve !== null) {
      this._stepResolve = null;
      resolve();
    } else if (this._ready.length > 0 || this._stopping) {
      // A wake that came while the loop was parked behind this step (see _wake).
      this._wake();
    }
  }

  /**
   * Waits for the running step to suspend. A step awaiting something other than an
   * asyncio Future (a plain Promise doing I/O) does not hold the loop: once the
   * microtask queue is empty, the step counts as suspended.
   */
  private _stepDone(): Promise<void> {
    this._armStepFallback();
    return new Promise((resolve) => {
      this._stepResolve = resolve;
    });
  }

  private _armStepFallback(): void {
    if (this._fallbackArmed) return;
    this._fallbackArmed = true;
    setImmediate(this._stepFallback);
  }

  private readonly _stepFallback = (): void => {
    this._fallbackArmed = false;
    if (this._stepTask !== null) this._stepSuspended(this._stepTask);
  };

  /** Runs one entry; in debug mode, reports a slow one (a task step counts whole). */
  private async _runEntry(entry: ReadyEntry): Promise<void> {
    const t0 = performance.now();
    if (entry._run() === true) await this._runner!._schedulePoint(this._task!, "asyncio event loop (starting a Trio task)");
    else if (this._stepTask !== null) await this._stepDone();
    const seconds = (performance.now() - t0) / 1000;
    if (seconds >= this.slowCallbackDuration) logger.warning(`Executing ${String(entry)} took ${seconds.toFixed(3)} seconds`);
  }

  /**
   * @internal Runs the loop in the calling Trio task until `stop()`: one batch per
   * iteration (the entries ready when it starts, in FIFO order; a task step runs to its
   * next suspension before the next entry); parks while there is nothing to do, or with
   * `untilIdle`, returns then. Trio-flavored.
   */
  async _runUntilStopped(untilIdle = false): Promise<void> {
    const task = currentTrioTask("asyncio event loop");
    const runner = task.runner;
    this._task = task;
    this._runner = runner;
    this._running = true;
    runningLoops.add(this);
    try {
      for (;;) {
        if (this._ready.length > 0) {
          // A step the last batch left running ends before the next batch starts.
          if (this._stepTask !== null) await this._stepDone();
          const batch = this._ready;
          this._ready = this._spare;
          try {
            for (let i = 0; i < batch.length; i++) {
              const entry = batch[i];
              if (entry._cancelled) continue;
              if (entry instanceof Handle && entry.task === undefined) entry.task = this._task ?? undefined;
              if (this._debug) {
                await this._runEntry(entry);
                continue;
              }
              if (entry._run() === true) await runner._schedulePoint(task, "asyncio event loop (starting a Trio task)");
              // The batch's last step is waited for only while the step fallback is armed
              // already (a burst of steps within one host turn: the wait costs a promise).
              // Otherwise the loop parks next, to be woken once that step has suspended
              // (see _wake): a step that ends waiting on I/O then costs no host callback.
              else if (this._stepTask !== null && (i + 1 < batch.length || this._fallbackArmed)) await this._stepDone();
              if (this._stopNow) {
                // A stop entry: what is left of the batch runs first next time.
                this._stopNow = false;
                this._stopping = true;
                this._ready = batch.slice(i + 1).concat(this._ready);
                batch.length = 0;
                break;
              }
            }
          } finally {
            batch.length = 0;
            if (batch !== this._ready) this._spare = batch;
          }
        } else if (!this._stopping && !this._closed) {
          if (untilIdle) {
            if (this._stepTask === null) break;
            await this._stepDone();
            continue;
          }
          this._idle = true;
          await runner._park(task, null, "asyncio event loop (waiting for callbacks)");
          continue;
        }
        if (this._stopping || this._closed) {
          if (this._stepTask !== null) await this._stepDone();
          break;
        }
        // Let the engine's other tasks and its housekeeping (deadlines, host turns) in,
        // when there are any (the batch is over; its last step may still be running).
        if (!runner._fastCheckpointOk()) await runner._schedulePoint(task, "asyncio event loop (between batches)");
      }
    } finally {
      this._idle = false;
      this._stepTask = null;
      this._running = false;
      this._stopping = false;
      runningLoops.delete(this);
      this._stoppedLot.unparkAll();
      this._onStopped();
    }
  }

  /** @internal The loop stopped running (a sync loop may run again). */
  protected _onStopped(): void {}

  toString(): string {
    return `<${this.constructor.name} running=${this._closed ? "closed" : this._running ? "yes" : "no"}>`;
  }
}
