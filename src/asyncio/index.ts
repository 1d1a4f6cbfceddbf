/**
 * asyncio-flavored code with asyncio's semantics: event loops (running on the Trio
 * engine), Futures, Tasks, and asyncio's library.
 * @packageDocumentation
 */
export {
  BaseTrioEventLoop,
  type ExceptionContext,
  type Executor,
  type ExceptionHandler,
  type TaskFactory,
} from "./base-loop.js";
export type { AbstractEventLoop } from "./abstract-loop.js";
export { SyncTrioEventLoop, type SyncLoopOptions } from "./sync-loop.js";
export { Handle, TimerHandle } from "./handles.js";
export { AsyncHandle, TrioFuture } from "./trio-handle.js";
export { runAioFuture } from "./aio-future.js";
export { Future, isFuture, type DoneCallback, type DoneCallbackOptions, type FutureOptions } from "./futures.js";
export { Task, allTasks, createTask, currentTask, ensureFuture, type TaskOptions } from "./tasks.js";
export { sleep } from "./sleep.js";
export { gather, GatheringFuture, type Gatherable, type GatherOptions } from "./gather.js";
export {
  ALL_COMPLETED,
  asCompleted,
  AsCompletedIterator,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  wait,
  waitFor,
  type AsCompletedOptions,
  type ReturnWhen,
  type WaitOptions,
} from "./wait.js";
export { shield } from "./shield.js";
export { Timeout, timeout, timeoutAt } from "./timeouts.js";
export { TaskGroup } from "./taskgroup.js";
export { wrapFuture, runCoroutineThreadsafe, type WrapFutureOptions } from "./wrap-future.js";
export { Barrier, BoundedSemaphore, Condition, Event, Lock, LoopBound, Semaphore } from "./locks/index.js";
export { LifoQueue, PriorityQueue, Queue } from "./queues.js";
export {
  getEventLoop,
  getEventLoopPolicy,
  getRunningLoop,
  newEventLoop,
  setEventLoop,
  setEventLoopPolicy,
  TrioEventLoopPolicy,
  type EventLoopPolicy,
} from "./policy.js";
export { run, Runner, type RunnerOptions } from "./runners.js";
export { logger } from "./log.js";
export {
  BrokenBarrierError,
  CancelledError,
  IncompleteReadError,
  InvalidStateError,
  LimitOverrunError,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
  SendfileNotAvailableError,
  TimeoutError,
} from "./errors.js";
export {
  BaseProtocol,
  BaseTransport,
  BufferedProtocol,
  ConnectionAbortedError,
  ConnectionError,
  ConnectionResetError,
  DatagramProtocol,
  DatagramSocketTransport,
  DatagramTransport,
  FlowControlMixin,
  OSError,
  Protocol,
  ReadTransport,
  Server,
  SocketTransport,
  StreamReader,
  StreamReaderProtocol,
  StreamWriter,
  SubprocessProtocol,
  Transport,
  TransportSocket,
  WriteTransport,
  openConnection,
  openUnixConnection,
  socket,
  startServer,
  startUnixServer,
  type AddrInfo,
  type BaseProtocolLike,
  type BytesLike,
  type ClientConnectedCallback,
  type ClientSSL,
  type ConnectAcceptedSocketOptions,
  type CreateConnectionOptions,
  type CreateDatagramEndpointOptions,
  type CreateServerOptions,
  type CreateUnixConnectionOptions,
  type CreateUnixServerOptions,
  type DatagramProtocolLike,
  type GetaddrinfoOptions,
  type SendfileFile,
  type SendfileOptions,
  type HostPort,
  type OpenConnectionOptions,
  type OpenUnixConnectionOptions,
  type ProtocolLike,
  type ServerSSL,
  type SockAddr,
  type StartServerOptions,
  type StartTlsOptions,
  type StartUnixServerOptions,
  type StreamReaderOptions,
  type StreamStartTlsOptions,
  type TLSOptions,
  type WriteBufferLimits,
} from "./net/index.js";
export { BrokenPipeError, ProcessLookupError } from "../errors/os-errors.js";
export {
  ChildProcessTransport,
  createSubprocessExec,
  createSubprocessShell,
  ReadPipeTransport,
  SubprocessTransport,
  WritePipeTransport,
  type CreateSubprocessOptions,
  type PathLike,
  type PipeTransport,
  type SubprocessOptions,
  type SubprocessProtocolLike,
} from "./subprocess/index.js";
export * as subprocess from "./subprocess/namespace.js";
