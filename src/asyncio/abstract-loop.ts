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
import type { Socket as NodeSocket } from "node:net";
import type { Readable, Writable } from "node:stream";
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
import type { ChildProcessTransport, PathLike, ReadPipeTransport, SubprocessOptions, SubprocessProtocolLike, WritePipeTransport } from "./subprocess/index.js";

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
  /** asyncio-flavored. */
  createConnection<P extends ProtocolLike>(protocolFactory: () => P, host?: string | null, port?: number | string | null, options?: CreateConnectionOptions): Promise<[SocketTransport, P]>;
  /** asyncio-flavored. */
  createServer(protocolFactory: () => ProtocolLike, host?: string | readonly string[] | null, port?: number | string | null, options?: CreateServerOptions): Promise<Server>;
  /** asyncio-flavored. */
  createUnixConnection<P extends ProtocolLike>(protocolFactory: () => P, path?: string | null, options?: CreateUnixConnectionOptions): Promise<[SocketTransport, P]>;
  /** asyncio-flavored. */
  createUnixServer(protocolFactory: () => ProtocolLike, path?: string | null, options?: CreateUnixServerOptions): Promise<Server>;
  /** asyncio-flavored. */
  createDatagramEndpoint<P extends DatagramProtocolLike>(protocolFactory: () => P, options?: CreateDatagramEndpointOptions): Promise<[DatagramSocketTransport, P]>;
  /** asyncio-flavored. */
  connectAcceptedSocket<P extends ProtocolLike>(protocolFactory: () => P, sock: NodeSocket, options?: ConnectAcceptedSocketOptions): Promise<[SocketTransport, P]>;
  /** asyncio-flavored. */
  startTls(transport: Transport, protocol: ProtocolLike, sslcontext: TLSOptions, options?: StartTlsOptions): Promise<SocketTransport>;
  /** asyncio-flavored. */
  getaddrinfo(host: string | null | undefined, port: number | string | null | undefined, options?: GetaddrinfoOptions): Promise<AddrInfo[]>;
  /** asyncio-flavored. */
  getnameinfo(sockaddr: readonly unknown[], flags?: number): Promise<[host: string, service: string]>;
  /** asyncio-flavored. Always the read-and-write fallback (Node has no native sendfile for transports). */
  sendfile(transport: BaseTransport, file: SendfileFile, offset?: number, count?: number | null, options?: SendfileOptions): Promise<number>;
  /** Not available in Node: throws NotImplementedError (use transports or streams). */
  sockRecv(sock: unknown, nbytes: number): never;
  /** Not available in Node: throws NotImplementedError. */
  sockRecvInto(sock: unknown, buf: Uint8Array): never;
  /** Not available in Node: throws NotImplementedError. */
  sockRecvfrom(sock: unknown, bufsize: number): never;
  /** Not available in Node: throws NotImplementedError. */
  sockRecvfromInto(sock: unknown, buf: Uint8Array, nbytes?: number): never;
  /** Not available in Node: throws NotImplementedError. */
  sockSendall(sock: unknown, data: Uint8Array): never;
  /** Not available in Node: throws NotImplementedError. */
  sockSendto(sock: unknown, data: Uint8Array, address: unknown): never;
  /** Not available in Node: throws NotImplementedError. */
  sockConnect(sock: unknown, address: unknown): never;
  /** Not available in Node: throws NotImplementedError. */
  sockAccept(sock: unknown): never;
  /** Not available in Node: throws NotImplementedError. */
  sockSendfile(sock: unknown, file: unknown, offset?: number, count?: number | null): never;
  /** asyncio-flavored. */
  subprocessExec<P extends SubprocessProtocolLike>(protocolFactory: () => P, program: PathLike, ...args: [...PathLike[], SubprocessOptions] | PathLike[]): Promise<[ChildProcessTransport, P]>;
  /** asyncio-flavored. */
  subprocessShell<P extends SubprocessProtocolLike>(protocolFactory: () => P, cmd: string, options?: SubprocessOptions): Promise<[ChildProcessTransport, P]>;
  /** asyncio-flavored. */
  connectReadPipe<P extends ProtocolLike>(protocolFactory: () => P, pipe: Readable): Promise<[ReadPipeTransport, P]>;
  /** asyncio-flavored. */
  connectWritePipe<P extends BaseProtocolLike>(protocolFactory: () => P, pipe: Writable): Promise<[WritePipeTransport, P]>;
  addSignalHandler<A extends unknown[]>(sig: NodeJS.Signals | number, callback: (...args: A) => unknown, ...args: A): void;
  removeSignalHandler(sig: NodeJS.Signals | number): boolean;
}
