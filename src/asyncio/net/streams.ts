/**
 * asyncio's streams (Python's `asyncio.streams`): `openConnection` / `startServer` (and
 * their Unix versions) give `StreamReader` / `StreamWriter` pairs over a transport,
 * joined by a `StreamReaderProtocol`. `StreamWriter.drain()` is the flow control: it
 * waits while the transport has paused the protocol's writing.
 */
import type * as tls from "node:tls";
import { NotImplementedError } from "../../errors/builtins.js";
import type { BaseTrioEventLoop } from "../base-loop.js";
import { currentAioLoop, defaultLoop } from "../current.js";
import { yieldToLoop, type Future } from "../futures.js";
import type { Task } from "../tasks.js";
import type { CreateConnectionOptions, CreateUnixConnectionOptions } from "./connect.js";
import { ConnectionResetError } from "./errors.js";
import { Protocol } from "./protocols.js";
import type { CreateServerOptions, CreateUnixServerOptions, Server } from "./server.js";
import { isFreshChunk } from "./read-inbox.js";
import { StreamReader } from "./stream-reader.js";
import type { StartTlsOptions } from "./tls.js";
import type { BytesLike, Transport } from "./transports.js";

/**
 * The callback of `startServer`: called with each connection's reader and writer. An
 * async function runs as a Task of its own; a plain function is called in the
 * protocol's `connectionMade` (a Promise it returns is awaited by a Task). An error it
 * throws goes to the loop's exception handler and closes the connection.
 */
export type ClientConnectedCallback = (reader: StreamReader, writer: StreamWriter) => unknown;

const DRAINED: Promise<void> = Promise.resolve();

function isAsyncFunction(fn: unknown): boolean {
  const tag = (fn as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag];
  return tag === "AsyncFunction" || tag === "AsyncGeneratorFunction";
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as { then?: unknown }).then === "function";
}

/**
 * Flow control for `StreamWriter.drain()` (Python's `asyncio.streams.FlowControlMixin`):
 * records `pauseWriting` / `resumeWriting` and wakes the tasks waiting in `drain()`.
 * Subclasses that override these methods call the base ones. Sync, either flavor.
 */
export class FlowControlMixin extends Protocol {
  /** @internal */ readonly _loop: BaseTrioEventLoop;
  /** @internal */ _paused = false;
  /** @internal */ _drainWaiters: Future<void>[] = [];
  /** @internal */ _connectionLost = false;

  constructor(loop?: BaseTrioEventLoop) {
    super();
    this._loop = loop ?? defaultLoop.get();
  }

  override pauseWriting(): void {
    this._paused = true;
  }

  override resumeWriting(): void {
    this._paused = false;
    for (const waiter of this._drainWaiters) if (!waiter.done()) waiter.setResult(undefined);
  }

  override connectionLost(exc: Error | null): void {
    this._connectionLost = true;
    // Wake up the writers if they are paused.
    if (!this._paused) return;
    for (const waiter of this._drainWaiters) {
      if (waiter.done()) continue;
      if (exc === null) waiter.setResult(undefined);
      else waiter.setException(exc);
    }
  }

  /**
   * @internal What `drain()` waits for: nothing unless writing is paused. Not an async
   * function: most drains get a settled promise, with no async call of their own (as
   * Python's drain() returns without suspending).
   */
  _drainHelper(): Promise<void> {
    if (this._connectionLost) return Promise.reject(new ConnectionResetError("Connection lost"));
    if (!this._paused) return DRAINED;
    return this._waitResumed();
  }

  private async _waitResumed(): Promise<void> {
    const waiter = this._loop.createFuture<void>();
    this._drainWaiters.push(waiter);
    try {
      await waiter;
    } finally {
      const index = this._drainWaiters.indexOf(waiter);
      if (index >= 0) this._drainWaiters.splice(index, 1);
    }
  }

  /** @internal */
  _getCloseWaiter(_stream: StreamWriter): Future<void> {
    throw new NotImplementedError("FlowControlMixin subclasses provide _getCloseWaiter()");
  }
}

/**
 * The protocol between a transport and a StreamReader (`asyncio.StreamReaderProtocol`):
 * feeds the reader, and with a `clientConnected` callback (servers) makes the writer
 * and calls it for each connection. Sync, either flavor.
 */
export class StreamReaderProtocol extends FlowControlMixin {
  /** @internal */ _streamReader: StreamReader | null;
  /** @internal */ _streamWriter: StreamWriter | null = null;
  /** @internal */ _transport: Transport | null = null;
  /** @internal */ readonly _clientConnectedCb: ClientConnectedCallback | null;
  /** @internal The Task running the `clientConnected` callback, if it is async. */
  _task: Task<unknown> | null = null;
  private _overSsl = false;
  private readonly _closed: Future<void>;

  constructor(streamReader: StreamReader | null, clientConnectedCb: ClientConnectedCallback | null = null, loop?: BaseTrioEventLoop) {
    super(loop);
    if (clientConnectedCb !== null && typeof clientConnectedCb !== "function") throw new TypeError("clientConnectedCb must be a function or null");
    this._streamReader = streamReader;
    this._clientConnectedCb = clientConnectedCb;
    this._closed = this._loop.createFuture<void>();
  }

  /** @internal `StreamWriter.startTls` moved the writer to a new transport. */
  _replaceTransport(writer: StreamWriter): void {
    const transport = writer.transport;
    this._streamWriter = writer;
    this._transport = transport;
    this._overSsl = transport.getExtraInfo("sslcontext") !== null;
    if (this._streamReader !== null) this._streamReader._transport = transport;
  }

  override connectionMade(transport: Transport): void {
    this._transport = transport;
    const reader = this._streamReader;
    reader?.setTransport(transport);
    this._overSsl = transport.getExtraInfo("sslcontext") !== null;
    const callback = this._clientConnectedCb;
    if (callback === null) return;
    const writer = new StreamWriter(transport, this, reader, this._loop);
    this._streamWriter = writer;
    let task: Task<unknown> | null = null;
    if (isAsyncFunction(callback)) {
      task = this._loop.createTask(() => callback(reader!, writer) as PromiseLike<unknown>);
    } else {
      const result = callback(reader!, writer);
      if (isThenable(result)) task = this._loop.createTask(() => result);
    }
    if (task !== null) {
      this._task = task;
      task.addDoneCallback((done) => {
        if (done.cancelled()) {
          transport.close();
          return;
        }
        const exc = done.exception();
        if (exc !== undefined) {
          this._loop.callExceptionHandler({ message: "Unhandled exception in client_connected_cb", exception: exc, transport });
          transport.close();
        }
      });
    }
  }

  override connectionLost(exc: Error | null): void {
    const reader = this._streamReader;
    if (reader !== null) {
      if (exc === null) reader.feedEof();
      else reader.setException(exc);
    }
    if (!this._closed.done()) {
      if (exc === null) {
        this._closed.setResult(undefined);
      } else {
        this._closed.setException(exc);
        // Nobody has to call waitClosed(): the error is not "never retrieved" (Python's __del__).
        this._closed.exception();
      }
    }
    super.connectionLost(exc);
    this._streamReader = null;
    this._streamWriter = null;
    this._task = null;
    this._transport = null;
  }

  override dataReceived(data: Buffer): void {
    this._streamReader?._feed(data, isFreshChunk(data));
  }

  override eofReceived(): boolean {
    this._streamReader?.feedEof();
    // Over TLS the transport closes anyway; returning true would only log a warning.
    return !this._overSsl;
  }

  /** @internal */
  override _getCloseWaiter(_stream: StreamWriter): Future<void> {
    return this._closed;
  }
}

/** Options of `StreamWriter.startTls`. */
export interface StreamStartTlsOptions {
  /** Client side: the name the certificate must match and the SNI name (default: the peer's address). */
  serverHostname?: string | null;
  /** Seconds the handshake may take (default 60). */
  sslHandshakeTimeout?: number | null;
}

/**
 * The writing end of a stream connection (`asyncio.StreamWriter`): wraps the transport
 * and adds `drain()` (wait while the transport's buffer is over its high-water mark)
 * and `waitClosed()`. `await using` closes it and waits. Sync methods: either flavor;
 * `drain`, `waitClosed` and `startTls` are asyncio-flavored.
 */
export class StreamWriter {
  /** @internal */ _transport: Transport;
  /** @internal */ readonly _protocol: StreamReaderProtocol | FlowControlMixin;
  /** @internal */ readonly _reader: StreamReader | null;
  /** @internal */ readonly _loop: BaseTrioEventLoop;

  constructor(transport: Transport, protocol: StreamReaderProtocol | FlowControlMixin, reader: StreamReader | null, loop: BaseTrioEventLoop) {
    if (reader !== null && !(reader instanceof StreamReader)) throw new TypeError("reader must be a StreamReader or null");
    this._transport = transport;
    this._protocol = protocol;
    this._reader = reader;
    this._loop = loop;
  }

  /** The transport. */
  get transport(): Transport {
    return this._transport;
  }

  /** Writes bytes (`transport.write`): buffered; follow with `await drain()`. */
  write(data: BytesLike): void {
    this._transport.write(data);
  }

  /** Writes a list of bytes objects (`transport.writelines`). */
  writelines(data: Iterable<BytesLike>): void {
    this._transport.writelines(data);
  }

  /** Closes the write end after the buffer is flushed (`transport.writeEof`). */
  writeEof(): void {
    this._transport.writeEof();
  }

  /** Whether `writeEof()` is supported (not over TLS). */
  canWriteEof(): boolean {
    return this._transport.canWriteEof();
  }

  /** Closes the stream (`transport.close()`); follow with `await waitClosed()`. */
  close(): void {
    this._transport.close();
  }

  /** Whether the stream is closing or closed. */
  isClosing(): boolean {
    return this._transport.isClosing();
  }

  /** Waits until the connection is closed; throws the error that closed it, if any. asyncio-flavored. */
  async waitClosed(): Promise<void> {
    currentAioLoop("StreamWriter.waitClosed()");
    await this._protocol._getCloseWaiter(this);
  }

  /** `transport.getExtraInfo(name, defaultValue)`. */
  getExtraInfo(name: string, defaultValue: unknown = null): unknown {
    return this._transport.getExtraInfo(name, defaultValue);
  }

  /**
   * Waits until it is appropriate to write again: while the transport's write buffer is
   * over its high-water mark. Throws the reader's error, or ConnectionResetError once the
   * connection is lost. asyncio-flavored.
   */
  drain(): Promise<void> {
    try {
      currentAioLoop("StreamWriter.drain()");
      if (this._reader !== null) {
        const exc = this._reader.exception();
        if (exc !== null) throw exc;
      }
    } catch (error) {
      return Promise.reject(error);
    }
    return this._transport.isClosing() ? this._drainClosing() : this._protocol._drainHelper();
  }

  private async _drainClosing(): Promise<void> {
    // Let connectionLost() run, so that a write/drain loop on a closed socket sees the error.
    await yieldToLoop(undefined);
    await this._protocol._drainHelper();
  }

  /**
   * Upgrades the connection to TLS (Python's `StreamWriter.start_tls`): the server side
   * (a stream from `startServer`) takes TLS server options, the client side TLS
   * connection options. The reader and writer go on over TLS. asyncio-flavored.
   */
  async startTls(sslcontext: tls.ConnectionOptions | tls.TlsOptions, options: StreamStartTlsOptions = {}): Promise<void> {
    currentAioLoop("StreamWriter.startTls()");
    const protocol = this._protocol as StreamReaderProtocol;
    const serverSide = protocol._clientConnectedCb !== null && protocol._clientConnectedCb !== undefined;
    await this.drain();
    const startOptions: StartTlsOptions = { serverSide, sslHandshakeTimeout: options.sslHandshakeTimeout ?? null };
    if (!serverSide) startOptions.serverHostname = options.serverHostname ?? null;
    this._transport = await this._loop.startTls(this._transport, protocol, sslcontext, startOptions);
    protocol._replaceTransport(this);
  }

  /** `await using writer`: closes the stream and waits for it. asyncio-flavored. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (!this._transport.isClosing()) this.close();
    try {
      await this.waitClosed();
    } catch {
      // The connection was lost with an error: it is closed, which is what was asked.
    }
  }

  toString(): string {
    const info = ["StreamWriter", `transport=${String(this._transport)}`];
    if (this._reader !== null) info.push(`reader=${String(this._reader)}`);
    return `<${info.join(" ")}>`;
  }
}

/** Options of `asyncio.openConnection`: `createConnection`'s, and the reader's `limit`. */
export interface OpenConnectionOptions extends CreateConnectionOptions {
  /** The StreamReader's limit (default 64 KiB). */
  limit?: number;
}

/** Options of `asyncio.openUnixConnection`. */
export interface OpenUnixConnectionOptions extends CreateUnixConnectionOptions {
  /** The StreamReader's limit (default 64 KiB). */
  limit?: number;
}

/** Options of `asyncio.startServer`. */
export interface StartServerOptions extends CreateServerOptions {
  /** Each StreamReader's limit (default 64 KiB). */
  limit?: number;
}

/** Options of `asyncio.startUnixServer`. */
export interface StartUnixServerOptions extends CreateUnixServerOptions {
  /** Each StreamReader's limit (default 64 KiB). */
  limit?: number;
}

function splitLimit<O extends { limit?: number }>(options: O): [number | undefined, Omit<O, "limit">] {
  if (typeof options !== "object" || options === null) throw new TypeError("the options must be an object");
  const { limit, ...rest } = options;
  return [limit, rest];
}

/**
 * Opens a TCP connection (`loop.createConnection`'s arguments and options) and returns
 * `[reader, writer]`. asyncio-flavored.
 */
export async function openConnection(host: string | null = null, port: number | string | null = null, options: OpenConnectionOptions = {}): Promise<[StreamReader, StreamWriter]> {
  const loop = currentAioLoop("asyncio.openConnection()");
  const [limit, rest] = splitLimit(options);
  const reader = new StreamReader({ limit, loop });
  const protocol = new StreamReaderProtocol(reader, null, loop);
  const [transport] = await loop.createConnection(() => protocol, host, port, rest);
  return [reader, new StreamWriter(transport, protocol, reader, loop)];
}

/**
 * Starts a TCP server (`loop.createServer`'s arguments and options) that calls
 * `clientConnected(reader, writer)` for each connection; returns the Server.
 * asyncio-flavored.
 */
export async function startServer(
  clientConnected: ClientConnectedCallback,
  host: string | readonly string[] | null = null,
  port: number | string | null = null,
  options: StartServerOptions = {},
): Promise<Server> {
  const loop = currentAioLoop("asyncio.startServer()");
  if (typeof clientConnected !== "function") throw new TypeError("startServer() needs a clientConnected callback (reader, writer) => ...");
  const [limit, rest] = splitLimit(options);
  const factory = (): StreamReaderProtocol => new StreamReaderProtocol(new StreamReader({ limit, loop }), clientConnected, loop);
  return loop.createServer(factory, host, port, rest);
}

/** Opens a Unix domain socket connection; returns `[reader, writer]`. asyncio-flavored. */
export async function openUnixConnection(path: string | null = null, options: OpenUnixConnectionOptions = {}): Promise<[StreamReader, StreamWriter]> {
  const loop = currentAioLoop("asyncio.openUnixConnection()");
  const [limit, rest] = splitLimit(options);
  const reader = new StreamReader({ limit, loop });
  const protocol = new StreamReaderProtocol(reader, null, loop);
  const [transport] = await loop.createUnixConnection(() => protocol, path, rest);
  return [reader, new StreamWriter(transport, protocol, reader, loop)];
}

/** Starts a Unix domain socket server calling `clientConnected(reader, writer)`. asyncio-flavored. */
export async function startUnixServer(clientConnected: ClientConnectedCallback, path: string | null = null, options: StartUnixServerOptions = {}): Promise<Server> {
  const loop = currentAioLoop("asyncio.startUnixServer()");
  if (typeof clientConnected !== "function") throw new TypeError("startUnixServer() needs a clientConnected callback (reader, writer) => ...");
  const [limit, rest] = splitLimit(options);
  const factory = (): StreamReaderProtocol => new StreamReaderProtocol(new StreamReader({ limit, loop }), clientConnected, loop);
  return loop.createUnixServer(factory, path, rest);
}
