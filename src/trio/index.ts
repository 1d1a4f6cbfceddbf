/**
 * Trio-flavored structured concurrency: runs, nurseries, cancel scopes, timeouts,
 * synchronization primitives and channels, with Trio's semantics.
 * @packageDocumentation
 */
export { run, type RunOptions } from "../loop/run.js";
export { openNursery, Nursery, TASK_STATUS_IGNORED, type NurseryOptions, type SpawnOptions, type TaskStatus } from "../loop/nursery.js";
export { CancelScope, type CancelScopeOptions } from "../loop/cancel-scope.js";
export { checkpoint, checkpointIfCancelled, currentEffectiveDeadline, currentTime } from "../loop/traps.js";
export { failAfter, failAt, moveOnAfter, moveOnAt, sleep, sleepForever, sleepUntil, type TimeoutOptions } from "./timeouts.js";
export { runAbortable } from "./abortable.js";
export { SocketStream } from "./socket-stream.js";
export {
  openTcpListeners,
  openTcpStream,
  openUnixListener,
  openUnixSocket,
  serveListeners,
  serveTcp,
  SocketListener,
  type OpenTcpStreamOptions,
  type ServeOptions,
  type TcpListenerOptions,
} from "./tcp.js";
export { NeedHandshakeError, SSLStream, type SSLStreamOptions } from "./tls.js";
export { openSslOverTcpListeners, openSslOverTcpStream, serveSslOverTcp, type OpenSslOverTcpStreamOptions, type SslListenerOptions } from "./ssl-helpers.js";
export {
  CapacityLimiter,
  Condition,
  Event,
  Lock,
  Semaphore,
  StrictFIFOLock,
  type CapacityLimiterStatistics,
  type ConditionStatistics,
  type EventStatistics,
  type LockStatistics,
  type SemaphoreOptions,
  type SemaphoreStatistics,
} from "./sync/index.js";
export { openMemoryChannel, MemoryReceiveChannel, MemorySendChannel, type MemoryChannelStatistics } from "./memory-channel.js";
export * as abc from "./abc.js";
export { StapledStream, acloseForcefully } from "./stapled-stream.js";
export {
  BrokenResourceError,
  BusyResourceError,
  Cancelled,
  ClosedResourceError,
  EndOfChannel,
  RunFinishedError,
  TooSlowError,
  TrioInternalError,
  WouldBlock,
  type CancelSource,
} from "../loop/errors.js";
export { ExceptionGroup, type ErrorCondition, type ErrorClass } from "../errors/exception-group.js";
export type { Clock } from "../loop/clock.js";
export { asyncWith, isAsyncContextManager, type AsyncContextManager } from "../loop/async-context-manager.js";
export * as lowlevel from "./lowlevel.js";
export * as testing from "./testing/index.js";
// Trio keeps its resolver and socket factory hooks in `trio.socket`; a namespace of the
// same name keeps them where Trio users look, and leaves room for more of that module.
export * as socket from "./socket-hooks.js";
export * as toThread from "./to-thread.js";
export * as fromThread from "./from-thread.js";
export {
  AsyncFile,
  FileExistsError,
  FileNotFoundError,
  IsADirectoryError,
  NotADirectoryError,
  OSError,
  PermissionError,
  UnicodeDecodeError,
  UnicodeEncodeError,
  UnsupportedOperation,
  openFile,
  wrapFile,
  type BinaryMode,
  type FileData,
  type FsPathLike,
  type PathArg,
  type TextMode,
  type TextOptions,
  type WrapFileOptions,
} from "./file.js";
export { Path, type MkdirOptions, type PathSegment, type TouchOptions } from "./path.js";
export { Process } from "./process.js";
export { runProcess, CompletedProcess, CalledProcessError, type RunProcessOptions } from "./process-run.js";
export { subprocessConstants, type OpenProcessOptions, type StdioOption, type StderrOption } from "./process-stdio.js";
export { openSignalReceiver, SignalReceiver } from "./signals.js";
