/**
 * The stream transport of asyncio's networking on a Node socket (`net.Socket`, or a
 * `tls.TLSSocket`): Python's `_SelectorSocketTransport` (and, over TLS, the transport
 * of its `SSLProtocol`).
 *
 * How the Node socket maps onto asyncio's transport:
 * - Reading. The socket flows; every Node event (a chunk, the end, an error, the close)
 *   goes into the transport's inbox, and one loop callback (`callSoon`, in the
 *   transport's Context) drains the inbox into the protocol: its callbacks run in the
 *   loop's ready queue, in the order the events happened. `pauseReading()` pauses the
 *   Node socket (the kernel buffer then fills and the peer is slowed down) and keeps
 *   what already arrived for `resumeReading()`; no `dataReceived` is called while
 *   paused. If the loop does not drain the inbox, the socket is paused past
 *   MAX_PENDING_READ bytes.
 * - Writing. `write()` hands the bytes to Node at once, without a copy (as asyncio's
 *   transports since Python 3.12: bytes the kernel did not take at once stay in the
 *   caller's buffer until sent, so change it only after a drain); the write buffer is
 *   the socket's `writableLength` (bytes not yet taken by the kernel). The protocol's
 *   `pauseWriting()` is called inside `write()` when it goes over the high-water mark,
 *   and `resumeWriting()` from a loop callback once Node reports writes done and it is
 *   at or below the low-water mark.
 * - Closing. `close()` stops reading, waits until the write buffer is empty, then calls
 *   `connectionLost(null)` and closes the socket; `abort()` drops the buffer and does
 *   it at once; an error (a reset) calls `connectionLost(error)`.
 * - The socket is unref'd: a running loop keeps the process alive, not its sockets.
 */
import type * as net from "node:net";
import type * as tls from "node:tls";
import { copyContext, type Context } from "../../contextvars/context.js";
import { NotImplementedError, RuntimeError } from "../../errors/builtins.js";
import { describeError } from "../../errors/describe.js";
import { needsCallbackPerWrite, writeReportingFlush } from "../../loop/node-write.js";
import type { BaseTrioEventLoop } from "../base-loop.js";
import type { Future } from "../futures.js";
import { logger } from "../log.js";
import { LOG_THRESHOLD_FOR_CONNLOST_WRITES, socket as C } from "./constants.js";
import { isOSError } from "./errors.js";
import { takeHeldError } from "./held-errors.js";
import type { BaseProtocolLike, ProtocolLike } from "./protocols.js";
import { CLOSED, CLOSED_ENTRY, DATA, delivering, EOF, ERROR, ReadInbox, type InboxEntry } from "./read-inbox.js";
import { Transport, WriteFlowControl, limitsArguments, type BytesLike, type WriteBufferLimits } from "./transports.js";
import { TransportSocket, toSockAddr } from "./trsock.js";
import { bufferOf, setResultUnlessCancelled } from "./util.js";

/** @internal What a transport tells the Server that accepted its connection. */
export interface ServerLike {
  _attach(transport: SocketTransport): void;
  _detach(transport: SocketTransport): void;
}

/** @internal Options of a SocketTransport. */
export interface SocketTransportOptions {
  /** The protocol (client side: the caller made it), or */
  protocol?: ProtocolLike;
  /** the factory called at the first loop callback (accepted connections). */
  protocolFactory?: () => ProtocolLike;
  /** Set once `connectionMade` ran. */
  waiter?: Future<void> | null;
  server?: ServerLike | null;
  /** The TLS options the socket was made with (a TLSSocket). */
  sslcontext?: unknown;
  /** False after `startTls`: the protocol is already connected. */
  callConnectionMade?: boolean;
  /** `AF_INET`, `AF_INET6` or `AF_UNIX`. */
  family: number;
  /** Unix sockets: the names Node does not report. */
  unixNames?: { sockname: string; peername: string | null } | null;
  /** The Context the protocol's callbacks run in (default: a copy of the caller's). */
  context?: Context;
}


function noop(): void {}


/**
 * A stream transport over a Node socket (see the module comment). Created by
 * `loop.createConnection`, `loop.createServer`, their Unix versions and `startTls`;
 * not constructed by user code. Sync, either flavor.
 */
export class SocketTransport extends Transport {
  /** @internal */ readonly _loop: BaseTrioEventLoop;
  /** @internal */ _socket: net.Socket;
  /** @internal */ _protocol: ProtocolLike | null = null;
  /** @internal */ _server: ServerLike | null;
  /** @internal The Context the protocol's callbacks run in. */
  readonly _context: Context;
  /** @internal Whether the socket is a TLS socket. */
  readonly _tls: boolean;
  private _protocolConnected = false;
  private _buffered = false;
  private _closing = false;
  private _eof = false;
  private _connLost = 0;
  private readonly _inbox: ReadInbox;
  private _writeCheckScheduled = false;
  /** Set when the socket went to a TLS transport (`startTls`). */
  private _successor: SocketTransport | null = null;
  /** No Node event matters any more (the connection is lost, or the socket moved on). */
  private get _done(): boolean {
    return this._inbox.done;
  }

  private set _done(done: boolean) {
    this._inbox.done = done;
  }

  private get _paused(): boolean {
    return this._inbox.paused;
  }
  private readonly _flow: WriteFlowControl;
  /** Whether each write carries `_onWritten` (see loop/node-write.ts): TLS sockets. */
  private readonly _callbackPerWrite: boolean;

  /** @internal */
  constructor(loop: BaseTrioEventLoop, socket: net.Socket, options: SocketTransportOptions) {
    super();
    this._loop = loop;
    this._socket = socket;
    this._server = options.server ?? null;
    this._tls = options.sslcontext !== undefined;
    this._callbackPerWrite = needsCallbackPerWrite(socket);
    this._context = options.context ?? copyContext();
    this._flow = new WriteFlowControl(loop, this);
    this._inbox = new ReadInbox(socket, () => this._schedule(this._drainInbox));
    this._extra = makeExtra(socket, options);
    if (options.protocol !== undefined) this.setProtocol(options.protocol);
    socket.setNoDelay?.(true);
    socket.unref();
    this._inbox.listen();
    const held = takeHeldError(socket);
    // An accepted connection waits paused until its server serves.
    socket.resume();
    this._server?._attach(this);
    if (options.protocolFactory !== undefined) this._schedule(this._makeProtocol, options.protocolFactory);
    if (options.callConnectionMade !== false) this._schedule(this._connectionMade);
    const waiter = options.waiter;
    if (waiter !== undefined && waiter !== null) this._schedule(setResultUnlessCancelled, waiter);
    // A socket that failed or closed before the transport existed (an accepted connection
    // waiting for its server to serve...) reports it through the inbox.
    if (held !== undefined) this._inbox.push({ kind: ERROR, error: held });
    if (socket.destroyed) this._inbox.push(CLOSED_ENTRY);
  }

  /** Runs `fn(...args)` as a callback of the loop, in the transport's Context; a closed loop drops the connection instead. */
  private _schedule<A extends unknown[]>(fn: (...args: A) => unknown, ...args: A): boolean {
    if (this._loop.isClosed()) {
      this._done = true;
      this._socket.destroy();
      return false;
    }
    this._loop.callSoon(fn, ...args, { context: this._context });
    return true;
  }

  // ------------------------------------------------------------ loop callbacks

  private readonly _makeProtocol = (factory: () => ProtocolLike): void => {
    try {
      this.setProtocol(factory());
    } catch (error) {
      this._loop.callExceptionHandler({ message: "Error on transport creation for incoming connection", exception: error, transport: this });
      this._forceClose(error as Error);
    }
  };

  private readonly _connectionMade = (): void => {
    if (this._connLost !== 0 || this._protocol === null) return;
    // As in asyncio, an error here is reported as an error in a callback; the connection stays.
    this._protocol.connectionMade?.(this as never);
  };

  /** Hands what arrived to the protocol, in order, as long as it is reading. */
  private readonly _drainInbox = (): void => {
    const inbox = this._inbox;
    inbox.drainStarted();
    const entries = inbox.entries;
    while (entries.length > 0 && !this._done) {
      const entry = entries[0];
      if (entry.kind === DATA || entry.kind === EOF) {
        if (this._closing || this._connLost !== 0) {
          // Closed for reading: what arrives now is dropped (Python removes its reader).
          inbox.shift();
          continue;
        }
        if (this._paused) {
          // An error or the close still counts while paused: it ends the connection.
          const index = entries.findIndex((e) => e.kind === ERROR || e.kind === CLOSED);
          if (index < 0) break;
          const [fatal] = entries.splice(index, 1);
          this._handleEnd(fatal);
          continue;
        }
        inbox.shift();
        if (entry.kind === DATA) this._deliver(entry.data);
        else this._eofReceived();
        continue;
      }
      inbox.shift();
      this._handleEnd(entry);
    }
    inbox.drainFinished(this._closing);
  };

  private _handleEnd(entry: InboxEntry): void {
    if (entry.kind === ERROR) this._fatalError(entry.error, "Fatal read error on socket transport", true);
    else if (entry.kind === CLOSED && this._connLost === 0) this._forceClose(null);
  }

  private _deliver(data: Buffer): void {
    const protocol = this._protocol;
    if (protocol === null) return;
    if (!this._buffered) {
      delivering.chunk = data;
      try {
        protocol.dataReceived?.(data);
      } catch (error) {
        this._fatalError(error, "Fatal error: protocol.dataReceived() call failed.");
      } finally {
        delivering.chunk = null;
      }
      return;
    }
    let offset = 0;
    while (offset < data.length) {
      let buffer: Uint8Array;
      try {
        buffer = protocol.getBuffer!(data.length - offset);
        if (!(buffer instanceof Uint8Array)) throw new TypeError(`getBuffer() must return a Uint8Array, got ${describeError(buffer)}`);
        if (buffer.length === 0) throw new RuntimeError("getBuffer() returned an empty buffer");
      } catch (error) {
        this._fatalError(error, "Fatal error: protocol.getBuffer() call failed.");
        return;
      }
      const n = Math.min(buffer.length, data.length - offset);
      buffer.set(data.subarray(offset, offset + n));
      offset += n;
      try {
        protocol.bufferUpdated?.(n);
      } catch (error) {
        this._fatalError(error, "Fatal error: protocol.bufferUpdated() call failed.");
        return;
      }
      if (offset < data.length && (this._paused || this._closing)) {
        // Paused (or closed) from bufferUpdated: the rest waits for resumeReading().
        const rest = data.subarray(offset);
        this._inbox.unshiftData(rest);
        return;
      }
    }
  }

  /** Python's `_read_ready__on_eof`. */
  private _eofReceived(): void {
    let keepOpen: unknown;
    try {
      keepOpen = this._protocol?.eofReceived?.();
    } catch (error) {
      this._fatalError(error, "Fatal error: protocol.eofReceived() call failed.");
      return;
    }
    if (this._tls) {
      if (keepOpen) logger.warning("returning true from eofReceived() has no effect when using ssl");
      this.close();
    } else if (!keepOpen) {
      this.close();
    }
  }

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
    if (this._connLost !== 0) return;
    this._flow.maybeResume();
    if (this._closing && this.getWriteBufferSize() === 0) {
      this._connLost++;
      this._callConnectionLost(null);
    }
  };

  private readonly _callConnectionLost = (exc: Error | null): void => {
    this._done = true;
    this._inbox.clear();
    try {
      if (this._protocolConnected) this._protocol?.connectionLost?.(exc);
    } finally {
      const socket = this._socket;
      // Over TLS, end() first sends close_notify; destroySoon() closes once it is out.
      if (this._tls && exc === null && !socket.destroyed) socket.destroySoon();
      else socket.destroy();
      const server = this._server;
      this._server = null;
      server?._detach(this);
    }
  };

  // ------------------------------------------------------------ errors and closing

  /** Python's `_fatal_error`: OS errors (resets...) only close; other errors are reported too. */
  private _fatalError(exc: unknown, message: string, quiet = isOSError(exc)): void {
    if (!quiet) this._loop.callExceptionHandler({ message, exception: exc, transport: this, protocol: this._protocol });
    this._forceClose(exc as Error);
  }

  /** Python's `_force_close`: drops the write buffer; `connectionLost(exc)` at the next iteration. */
  private _forceClose(exc: Error | null): void {
    if (this._connLost !== 0) return;
    if (this.getWriteBufferSize() > 0) this._socket.destroy();
    if (!this._closing) {
      this._closing = true;
      this._socket.pause();
    }
    this._connLost++;
    this._schedule(this._callConnectionLost, exc);
  }

  // ------------------------------------------------------------ the Transport API

  /** Whether the transport is closing or closed. */
  override isClosing(): boolean {
    return this._closing;
  }

  /** Whether the protocol receives data (not paused, not closing). */
  override isReading(): boolean {
    return !this._closing && !this._paused;
  }

  /** Stops `dataReceived` calls (and reading from the socket) until `resumeReading()`. No-op if not reading. */
  override pauseReading(): void {
    if (!this.isReading()) return;
    this._inbox.pause();
  }

  /** Resumes `dataReceived` calls after `pauseReading()`. No-op if not paused or closing. */
  override resumeReading(): void {
    if (this._closing || !this._paused) return;
    this._inbox.resume();
  }

  /** @internal Whether the protocol was told to pause writing (sendfile's fallback reads it). */
  get _protocolPaused(): boolean {
    return this._flow.protocolPaused;
  }

  /**
   * Writes bytes-like `data`. As in asyncio since Python 3.12 the bytes are not copied:
   * what the kernel does not take at once is sent from the caller's buffer later, so the
   * caller changes that buffer only once the write buffer is empty (after `drain()`).
   * Throws TypeError for anything else (strings too), RuntimeError after `writeEof()`.
   * Writes after the connection was lost are dropped (and logged after a few).
   */
  override write(data: BytesLike): void {
    const bytes = bufferOf(data);
    if (this._successor !== null) throw new RuntimeError("this transport was upgraded with startTls(): write to the transport startTls() returned");
    if (this._eof) throw new RuntimeError("Cannot call write() after write_eof()");
    if (bytes.length === 0) return;
    this._send(bytes);
  }

  /** Writes each bytes-like object of `listOfData` (any iterable), in order. */
  override writelines(listOfData: Iterable<BytesLike>): void {
    if (this._eof) throw new RuntimeError("Cannot call writelines() after write_eof()");
    const parts = [...listOfData].map(bufferOf);
    const bytes = parts.length === 1 ? parts[0] : Buffer.concat(parts);
    if (bytes.length === 0) return;
    this._send(bytes);
  }

  private _send(bytes: Buffer): void {
    if (this._connLost !== 0) {
      if (this._connLost >= LOG_THRESHOLD_FOR_CONNLOST_WRITES) logger.warning("socket.send() raised exception.");
      this._connLost++;
      return;
    }
    // `_onWritten` only where Node's buffer holds bytes (see loop/node-write.ts).
    writeReportingFlush(this._socket, bytes, this._onWritten, this._callbackPerWrite);
    this._flow.maybePause();
  }

  /** Closes the write end once the buffer is flushed (the peer gets EOF); reading goes on. */
  override writeEof(): void {
    if (this._tls) throw new NotImplementedError("SSL doesn't support half-closes: canWriteEof() is false for TLS transports");
    if (this._closing || this._eof) return;
    this._eof = true;
    this._socket.end();
  }

  /** True, except for TLS transports. */
  override canWriteEof(): boolean {
    return !this._tls;
  }

  /** Stops reading, flushes the write buffer, then calls `connectionLost(null)` and closes the socket. */
  override close(): void {
    if (this._successor !== null) {
      this._successor.close();
      return;
    }
    if (this._closing) return;
    this._closing = true;
    this._socket.pause();
    if (this.getWriteBufferSize() === 0) {
      this._connLost++;
      this._schedule(this._callConnectionLost, null);
    }
  }

  /** Closes at once: the write buffer is dropped; `connectionLost(null)` follows. */
  override abort(): void {
    if (this._successor !== null) {
      this._successor.abort();
      return;
    }
    this._forceClose(null);
  }

  /** The number of bytes not yet handed to the kernel. */
  override getWriteBufferSize(): number {
    const socket = this._socket;
    return socket.destroyed ? 0 : socket.writableLength;
  }

  /** `[low, high]`. */
  override getWriteBufferLimits(): [low: number, high: number] {
    return [this._flow.low, this._flow.high];
  }

  /**
   * Sets the water marks: `pauseWriting()` is called when the buffer goes over `high`,
   * `resumeWriting()` when it falls to `low`. Defaults: high 64 KiB (or 4 x low), low
   * high / 4. Throws ValueError unless 0 ≤ low ≤ high.
   */
  override setWriteBufferLimits(high?: number | null | WriteBufferLimits, low?: number | null): void {
    const [h, l] = limitsArguments(high, low);
    this._flow.setLimits(h, l);
    this._flow.maybePause();
  }

  override setProtocol(protocol: unknown): void {
    if (typeof protocol !== "object" || protocol === null) throw new TypeError(`a protocol object was expected, got ${protocol === null ? "null" : typeof protocol}`);
    const p = protocol as ProtocolLike;
    this._protocol = p;
    this._buffered = typeof p.getBuffer === "function";
    this._protocolConnected = true;
  }

  override getProtocol(): ProtocolLike | null {
    return this._protocol;
  }

  /** @internal */
  _protocolForFlowControl(): BaseProtocolLike | null {
    return this._protocol;
  }

  /** @internal Whether `connectionLost` was scheduled or called. */
  get _isLost(): boolean {
    return this._connLost !== 0;
  }

  /**
   * @internal Hands the socket over to a TLS transport (`startTls`): this transport stops
   * listening to it; bytes it received but did not deliver go back into the socket, so
   * that the TLS layer reads them first.
   */
  _detachForTls(): net.Socket {
    const socket = this._socket;
    socket.pause();
    this._inbox.unlisten();
    // The TLS socket reports the errors; this one must not crash the process with them.
    socket.on("error", noop);
    const leftover = this._inbox.entries.filter((e): e is { kind: typeof DATA; data: Buffer } => e.kind === DATA).map((e) => e.data);
    this._inbox.clear();
    this._done = true;
    this._closing = true;
    if (leftover.length > 0) socket.unshift(Buffer.concat(leftover));
    return socket;
  }

  /** @internal After `startTls`: `close()`/`abort()` of this transport go to the TLS one. */
  _setSuccessor(successor: SocketTransport): void {
    this._successor = successor;
    const server = this._server;
    this._server = null;
    if (server !== null) {
      successor._server = server;
      server._attach(successor);
      server._detach(this);
    }
  }

  /** @internal The TLS transport failed to start: the connection is lost with `exc`. */
  _lostDuringTls(exc: Error): void {
    this._done = false;
    this._closing = false;
    this._forceClose(exc);
  }

  override toString(): string {
    const info = [this.constructor.name];
    const closed = this._done && this._successor === null;
    if (closed) info.push("closed");
    else if (this._closing) info.push("closing");
    const peer = this._extra.peername;
    if (Array.isArray(peer)) info.push(`peername=${String(peer[0])}:${String(peer[1])}`);
    else if (typeof peer === "string" && peer !== "") info.push(`peername=${peer}`);
    if (!closed) {
      info.push(`read=${this._paused ? "paused" : this._closing ? "idle" : "polling"}`);
      info.push(`write=<bufsize=${this.getWriteBufferSize()}>`);
    }
    return `<${info.join(" ")}>`;
  }
}

/** Python's `extra` of a socket transport: peername, sockname, socket, and the TLS items. */
function makeExtra(socket: net.Socket, options: SocketTransportOptions): Record<string, unknown> {
  const unix = options.unixNames ?? null;
  const extra: Record<string, unknown> = {
    socket: new TransportSocket(socket, options.family, C.SOCK_STREAM, unix),
  };
  if (unix !== null) {
    extra.sockname = unix.sockname;
    extra.peername = unix.peername;
  } else {
    extra.peername = socket.remoteAddress === undefined ? null : toSockAddr(socket.remoteAddress, socket.remotePort ?? 0, socket.remoteFamily);
    extra.sockname = socket.localAddress === undefined ? null : toSockAddr(socket.localAddress, socket.localPort ?? 0, socket.localFamily);
  }
  if (options.sslcontext !== undefined) {
    const tlsSocket = socket as tls.TLSSocket;
    extra.sslcontext = options.sslcontext;
    extra.ssl_object = tlsSocket;
    extra.sslObject = tlsSocket;
    const cert = tlsSocket.getPeerCertificate?.();
    extra.peercert = cert !== undefined && cert !== null && Object.keys(cert).length > 0 ? cert : null;
    const cipher = tlsSocket.getCipher?.();
    extra.cipher = cipher ? [cipher.name, cipher.version, null] : null;
    extra.compression = null;
  }
  return extra;
}
