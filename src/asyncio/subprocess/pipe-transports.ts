/**
 * asyncio's pipe transports (Python's `_UnixReadPipeTransport` and
 * `_UnixWritePipeTransport`) on Node streams: the transports a subprocess transport
 * gives for the child's pipes (`getPipeTransport(fd)`).
 *
 * As the socket transports do (net/socket-transport.ts), they turn Node's events into
 * protocol callbacks through the loop: every event goes to an inbox, which one loop
 * callback (in the transport's Context) drains into the protocol, in the order the
 * events happened. The Node streams are unref'd: a running loop keeps the process alive,
 * not its pipes.
 */
import type { Readable, Writable } from "node:stream";
import type { Context } from "../../contextvars/context.js";
import type { BaseTrioEventLoop } from "../base-loop.js";
import { logger } from "../log.js";
import { LOG_THRESHOLD_FOR_CONNLOST_WRITES } from "../net/constants.js";
import { isOSError } from "../net/errors.js";
import type { BaseProtocolLike, ProtocolLike } from "../net/protocols.js";
import { DATA, delivering, EOF, ERROR, ReadInbox } from "../net/read-inbox.js";
import { ReadTransport, WriteFlowControl, WriteTransport, limitsArguments, type BytesLike, type WriteBufferLimits } from "../net/transports.js";
import { copyBytes } from "../net/util.js";
import { BrokenPipeError } from "../../errors/os-errors.js";

/** The OS descriptor behind a Node pipe, if Node shows it. */
function fdOf(stream: unknown): number | null {
  const fd = (stream as { _handle?: { fd?: unknown } | null })._handle?.fd;
  return typeof fd === "number" && fd >= 0 ? fd : null;
}

function unref(stream: unknown): void {
  (stream as { unref?: () => void }).unref?.();
}

/**
 * The reading end of a pipe (Python's `_UnixReadPipeTransport`): `dataReceived(data)`
 * for each chunk, then at the end of the stream `eofReceived()` and
 * `connectionLost(null)`; a read error calls `connectionLost(error)`. `close()` stops
 * reading and closes the pipe (`connectionLost(null)` follows). Not constructed by user
 * code. Sync, either flavor.
 */
export class ReadPipeTransport extends ReadTransport {
  /** @internal */ readonly _loop: BaseTrioEventLoop;
  /** @internal */ readonly _pipe: Readable;
  /** @internal */ _protocol: ProtocolLike | null;
  /** @internal The Context the protocol's callbacks run in. */
  readonly _context: Context;
  private readonly _fd: number | null;
  private _closing = false;
  /** `connectionLost` was scheduled. */
  private _lostScheduled = false;
  private readonly _inbox: ReadInbox;

  /** No Node event matters any more. */
  private get _done(): boolean {
    return this._inbox.done;
  }

  private set _done(done: boolean) {
    this._inbox.done = done;
  }

  private get _paused(): boolean {
    return this._inbox.paused;
  }

  /** @internal */
  constructor(loop: BaseTrioEventLoop, pipe: Readable, protocol: ProtocolLike, context: Context) {
    super({ pipe });
    this._loop = loop;
    this._pipe = pipe;
    this._protocol = protocol;
    this._context = context;
    this._fd = fdOf(pipe);
    this._inbox = new ReadInbox(pipe, () => this._schedule(this._drainInbox));
    unref(pipe);
    this._inbox.listen();
    // Reading starts once connectionMade() ran: the first drain comes after it.
    this._schedule(this._connectionMade);
  }

  /** Runs `fn(...args)` as a loop callback in the transport's Context; a closed loop drops the pipe instead. */
  private _schedule<A extends unknown[]>(fn: (...args: A) => unknown, ...args: A): void {
    if (this._loop.isClosed()) {
      this._done = true;
      this._pipe.destroy();
      return;
    }
    this._loop.callSoon(fn, ...args, { context: this._context });
  }

  // ------------------------------------------------------------ loop callbacks

  private readonly _connectionMade = (): void => {
    if (this._lostScheduled) return;
    this._protocol?.connectionMade?.(this as never);
  };

  private readonly _drainInbox = (): void => {
    const inbox = this._inbox;
    inbox.drainStarted();
    while (inbox.entries.length > 0 && !this._done) {
      const entry = inbox.entries[0];
      if (entry.kind === DATA || entry.kind === EOF) {
        if (this._closing) {
          // Closed for reading: what arrives now is dropped.
          inbox.shift();
          continue;
        }
        // Paused: Python stops watching the pipe; everything waits for resumeReading().
        if (this._paused) break;
        inbox.shift();
        if (entry.kind === DATA) {
          this._deliver(entry.data);
        } else {
          // Python's `_read_ready` at EOF: eofReceived(), then connectionLost(null).
          this._closing = true;
          this._lostScheduled = true;
          this._pipe.pause();
          this._schedule(this._eofThenLost);
        }
        continue;
      }
      inbox.shift();
      if (entry.kind === ERROR) this._fatalError(entry.error, "Fatal read error on pipe transport");
      else if (!this._closing) this._close(null);
    }
    inbox.drainFinished(this._closing);
  };

  private _deliver(data: Buffer): void {
    delivering.chunk = data;
    try {
      this._protocol?.dataReceived?.(data);
    } catch (error) {
      // As in asyncio, an error in dataReceived() is an error in a callback: reading goes on.
      this._loop.callExceptionHandler({ message: "Exception in callback ReadPipeTransport._read_ready()", exception: error, transport: this, protocol: this._protocol });
    } finally {
      delivering.chunk = null;
    }
  }

  private readonly _eofThenLost = (): void => {
    try {
      this._protocol?.eofReceived?.();
    } catch (error) {
      this._loop.callExceptionHandler({ message: "Exception in callback protocol.eofReceived()", exception: error, transport: this, protocol: this._protocol });
    }
    this._callConnectionLost(null);
  };

  /** Python's `_fatal_error`: EIO (the other side went away) quietly, anything else is reported too. */
  private _fatalError(exc: Error, message: string): void {
    if ((exc as { code?: unknown }).code !== "EIO") {
      this._loop.callExceptionHandler({ message, exception: exc, transport: this, protocol: this._protocol });
    }
    this._close(exc);
  }

  private _close(exc: Error | null): void {
    this._closing = true;
    this._pipe.pause();
    if (this._lostScheduled) return;
    this._lostScheduled = true;
    this._schedule(this._callConnectionLost, exc);
  }

  private readonly _callConnectionLost = (exc: Error | null): void => {
    this._done = true;
    this._inbox.clear();
    try {
      this._protocol?.connectionLost?.(exc);
    } finally {
      this._pipe.destroy();
    }
  };

  // ------------------------------------------------------------ the ReadTransport API

  /** Whether the transport is closing or closed. */
  override isClosing(): boolean {
    return this._closing;
  }

  /** Whether the protocol receives data (not paused, not closing). */
  override isReading(): boolean {
    return !this._paused && !this._closing;
  }

  /** Stops `dataReceived` calls (and reading the pipe) until `resumeReading()`. No-op if not reading. */
  override pauseReading(): void {
    if (!this.isReading()) return;
    this._inbox.pause();
  }

  /** Resumes `dataReceived` calls. No-op if not paused or closing. */
  override resumeReading(): void {
    if (this._closing || !this._paused) return;
    this._inbox.resume();
  }

  /** Stops reading and closes the pipe; `connectionLost(null)` follows. */
  override close(): void {
    if (!this._closing) this._close(null);
  }

  override setProtocol(protocol: unknown): void {
    if (typeof protocol !== "object" || protocol === null) throw new TypeError(`a protocol object was expected, got ${protocol === null ? "null" : typeof protocol}`);
    this._protocol = protocol;
  }

  override getProtocol(): ProtocolLike | null {
    return this._protocol;
  }

  override toString(): string {
    const info = [this.constructor.name];
    if (this._done) info.push("closed");
    else if (this._closing) info.push("closing");
    if (this._fd !== null) info.push(`fd=${this._fd}`);
    if (!this._done) info.push(this.isReading() ? "polling" : "idle");
    return `<${info.join(" ")}>`;
  }
}

/**
 * The writing end of a pipe (Python's `_UnixWritePipeTransport`): `write()` queues bytes
 * in Node (flow control calls the protocol's `pauseWriting` / `resumeWriting` around the
 * water marks); `close()` / `writeEof()` close the pipe once the buffer is flushed;
 * `abort()` at once. When the reading end goes away (the child exited or closed it),
 * `connectionLost` is called: with null, or with a `BrokenPipeError` if bytes were still
 * waiting; a failed write calls it with Node's error (code `EPIPE`). Writes after the
 * pipe closed are dropped (and logged after a few), as in asyncio. Not constructed by
 * user code. Sync, either flavor.
 */
export class WritePipeTransport extends WriteTransport {
  /** @internal */ readonly _loop: BaseTrioEventLoop;
  /** @internal */ readonly _pipe: Writable;
  /** @internal */ _protocol: BaseProtocolLike | null;
  /** @internal The Context the protocol's callbacks run in. */
  readonly _context: Context;
  private readonly _fd: number | null;
  private readonly _flow: WriteFlowControl;
  private _closing = false;
  private _connLost = 0;
  private _lostScheduled = false;
  private _done = false;
  /** Bytes handed to Node whose write has not completed. */
  private _unflushed = 0;
  private _writeCheckScheduled = false;

  /** @internal */
  constructor(loop: BaseTrioEventLoop, pipe: Writable, protocol: BaseProtocolLike, context: Context) {
    super({ pipe });
    this._loop = loop;
    this._pipe = pipe;
    this._protocol = protocol;
    this._context = context;
    this._fd = fdOf(pipe);
    this._flow = new WriteFlowControl(loop, this);
    unref(pipe);
    pipe.on("error", this._onError);
    pipe.on("close", this._onClose);
    this._schedule(this._connectionMade);
  }

  // ------------------------------------------------------------ Node events

  private readonly _onError = (error: Error): void => {
    if (this._done) return;
    this._schedule(this._writeFailed, error);
  };

  /** Node closed the pipe: the child went away (Node destroys stdin when the child exits). */
  private readonly _onClose = (): void => {
    if (this._done || this._lostScheduled) return;
    this._schedule(this._peerClosed);
  };

  private _schedule<A extends unknown[]>(fn: (...args: A) => unknown, ...args: A): void {
    if (this._loop.isClosed()) {
      this._done = true;
      this._pipe.destroy();
      return;
    }
    this._loop.callSoon(fn, ...args, { context: this._context });
  }

  // ------------------------------------------------------------ loop callbacks

  private readonly _connectionMade = (): void => {
    if (this._lostScheduled) return;
    this._protocol?.connectionMade?.(this as never);
  };

  private readonly _writeFailed = (error: Error): void => {
    if (this._lostScheduled) return;
    this._fatalError(error, "Fatal write error on pipe transport");
  };

  /** Python's `_read_ready` of a write pipe: the reading end closed. */
  private readonly _peerClosed = (): void => {
    if (this._lostScheduled) return;
    if (this._unflushed > 0) this._close(new BrokenPipeError());
    else this._close(null);
  };

  private readonly _onWritten = (error?: Error | null): void => {
    if (error || this._done || this._writeCheckScheduled) return;
    if (this._flow.protocolPaused || this._closing) {
      this._writeCheckScheduled = true;
      this._schedule(this._writeReady);
    }
  };

  /** Node finished some writes: resume the protocol, finish a close (Python's `_write_ready`). */
  private readonly _writeReady = (): void => {
    this._writeCheckScheduled = false;
    if (this._lostScheduled) return;
    this._flow.maybeResume();
    if (this._closing && this.getWriteBufferSize() === 0) {
      this._lostScheduled = true;
      this._callConnectionLost(null);
    }
  };

  /** Python's `_fatal_error`: OS errors (EPIPE...) only close; others are reported too. */
  private _fatalError(exc: Error, message: string): void {
    if (!isOSError(exc)) this._loop.callExceptionHandler({ message, exception: exc, transport: this, protocol: this._protocol });
    this._close(exc);
  }

  /** Python's `_close`: drops the buffer; `connectionLost(exc)` at the next iteration. */
  private _close(exc: Error | null): void {
    this._closing = true;
    if (this._lostScheduled) return;
    this._lostScheduled = true;
    this._connLost++;
    this._pipe.destroy();
    this._schedule(this._callConnectionLost, exc);
  }

  private readonly _callConnectionLost = (exc: Error | null): void => {
    this._done = true;
    try {
      this._protocol?.connectionLost?.(exc);
    } finally {
      this._pipe.destroy();
    }
  };

  // ------------------------------------------------------------ the WriteTransport API

  /**
   * Writes bytes-like `data` (a copy is queued: the caller may reuse its buffer). Throws
   * TypeError for anything else (strings too). Dropped once the pipe is closing or lost.
   */
  override write(data: BytesLike): void {
    const bytes = copyBytes(data);
    if (bytes.length === 0) return;
    if (this._connLost !== 0 || this._closing) {
      if (this._connLost >= LOG_THRESHOLD_FOR_CONNLOST_WRITES) logger.warning("pipe closed by peer or os.write(pipe, data) raised exception.");
      this._connLost++;
      return;
    }
    const n = bytes.length;
    this._unflushed += n;
    this._pipe.write(bytes, (error?: Error | null) => {
      if (!error) this._unflushed -= n;
      this._onWritten(error);
    });
    this._flow.maybePause();
  }

  /** Writes each bytes-like object of `listOfData`, in order. */
  override writelines(listOfData: Iterable<BytesLike>): void {
    const parts = [...listOfData].map(copyBytes);
    this.write(parts.length === 1 ? parts[0] : Buffer.concat(parts));
  }

  /** Closes the pipe once the buffer is flushed (the child reads EOF); `connectionLost(null)` follows. */
  override writeEof(): void {
    if (this._closing) return;
    this._closing = true;
    if (this.getWriteBufferSize() === 0 && !this._lostScheduled) {
      this._lostScheduled = true;
      this._schedule(this._callConnectionLost, null);
    }
  }

  /** True: closing a pipe is its EOF. */
  override canWriteEof(): boolean {
    return true;
  }

  /** `writeEof()`: closes the pipe once the buffer is flushed. */
  override close(): void {
    if (!this._closing) this.writeEof();
  }

  /** Closes at once: the buffer is dropped; `connectionLost(null)` follows. */
  override abort(): void {
    this._close(null);
  }

  /** Whether the transport is closing or closed. */
  override isClosing(): boolean {
    return this._closing;
  }

  /** The number of bytes not yet written to the pipe. */
  override getWriteBufferSize(): number {
    const pipe = this._pipe;
    return pipe.destroyed ? 0 : pipe.writableLength;
  }

  /** `[low, high]`. */
  override getWriteBufferLimits(): [low: number, high: number] {
    return [this._flow.low, this._flow.high];
  }

  /** Sets the water marks (see `SocketTransport.setWriteBufferLimits`). */
  override setWriteBufferLimits(high?: number | null | WriteBufferLimits, low?: number | null): void {
    const [h, l] = limitsArguments(high, low);
    this._flow.setLimits(h, l);
    this._flow.maybePause();
  }

  override setProtocol(protocol: unknown): void {
    if (typeof protocol !== "object" || protocol === null) throw new TypeError(`a protocol object was expected, got ${protocol === null ? "null" : typeof protocol}`);
    this._protocol = protocol;
  }

  override getProtocol(): BaseProtocolLike | null {
    return this._protocol;
  }

  /** @internal */
  _protocolForFlowControl(): BaseProtocolLike | null {
    return this._protocol;
  }

  override toString(): string {
    const info = [this.constructor.name];
    if (this._done) info.push("closed");
    else if (this._closing) info.push("closing");
    if (this._fd !== null) info.push(`fd=${this._fd}`);
    if (!this._done) info.push(`bufsize=${this.getWriteBufferSize()}`);
    return `<${info.join(" ")}>`;
  }
}
