/**
 * Listening (Python's `loop.create_server`, `create_unix_server` and `asyncio.Server`).
 * Each listening address is one Node `net.Server` (a `tls.Server` with `ssl`); each
 * accepted connection gets its protocol from the factory at the loop's next iteration,
 * in a copy of the Context `createServer` was called in, and a SocketTransport.
 *
 * Differences from Python, all due to Node: a Node server binds and listens in one step,
 * so with `startServing: false` the addresses are bound and listening at once, and
 * connections accepted before `startServing()` wait (paused) until then instead of
 * being refused; `reuseAddress` cannot be turned off (libuv sets SO_REUSEADDR on every
 * TCP server); Unix socket files are always removed when the server closes (Python
 * 3.13's `cleanup_socket=True`).
 */
import * as fs from "node:fs";
import * as net from "node:net";
import * as tls from "node:tls";
import { copyContext, type Context } from "../../contextvars/context.js";
import { NotImplementedError, RuntimeError, ValueError } from "../../errors/builtins.js";
import type { AsyncContextManager } from "../../loop/async-context-manager.js";
import type { BaseTrioEventLoop } from "../base-loop.js";
import { currentAioLoop } from "../current.js";
import { CancelledError } from "../errors.js";
import { yieldToLoop, type Future } from "../futures.js";
import { logger } from "../log.js";
import { SSL_HANDSHAKE_TIMEOUT, socket as C } from "./constants.js";
import { resolveAddrInfo, type AddrInfo } from "./dns.js";
import { OSError } from "./errors.js";
import type { ProtocolLike } from "./protocols.js";
import { holdErrors } from "./held-errors.js";
import { SocketTransport } from "./socket-transport.js";
import { checkServerSSL, type ServerSSL } from "./tls.js";
import { TransportSocket } from "./trsock.js";
import { checkLoopCall, checkOptions, checkProtocolFactory, checkSeconds, rejectFromHost, resolveFromHost } from "./util.js";

/** One listening Node server and what the Server needs to know about it. */
interface Listener {
  server: net.Server;
  family: number;
  /** Unix servers: the socket path. */
  path: string | null;
}

function noop(): void {}

/**
 * A listening server (`asyncio.Server`), made by `loop.createServer`,
 * `loop.createUnixServer`, `asyncio.startServer` and `asyncio.startUnixServer`.
 * `close()` stops listening (open connections stay); `waitClosed()` waits until the
 * server is closed and every connection is gone. An async context manager (`aenter` /
 * `aexit`, and `await using`): leaving it closes the server and waits. Sync methods:
 * either flavor; `startServing`, `serveForever`, `waitClosed`, `aenter`/`aexit`:
 * asyncio-flavored.
 */
export class Server implements AsyncContextManager<Server> {
  /** @internal */ readonly _loop: BaseTrioEventLoop;
  /** @internal */ _listeners: Listener[] | null;
  /** @internal The transports of the open connections. */
  readonly _clients = new Set<SocketTransport>();
  private _waiters: Future<void>[] | null = [];
  private _serving = false;
  private _servingForeverFut: Future<void> | null = null;
  /** Connections accepted before serving started. */
  private _held: { socket: net.Socket; listener: Listener }[] = [];
  private readonly _context: Context;

  /** @internal */
  constructor(
    loop: BaseTrioEventLoop,
    listeners: Listener[],
    private readonly _protocolFactory: () => ProtocolLike,
    private readonly _ssl: ServerSSL | null,
  ) {
    this._loop = loop;
    this._listeners = listeners;
    this._context = copyContext();
    for (const listener of listeners) {
      listener.server.off("error", noop);
      listener.server.on(_ssl === null ? "connection" : "secureConnection", (socket: net.Socket) => this._onConnection(socket, listener));
      listener.server.on("error", (error: Error) => this._onListenerError(error));
      if (_ssl !== null) {
        listener.server.on("tlsClientError", (error: Error) => {
          // Python only logs failed handshakes in debug mode (they are the client's problem).
          if (!loop.isClosed() && loop.getDebug()) logger.warning(`${String(this)}: TLS handshake failed: ${error.message}`);
        });
      }
    }
  }

  // ------------------------------------------------------------ connections

  /** A Node server accepted a connection (after the TLS handshake, with ssl). */
  private _onConnection(socket: net.Socket, listener: Listener): void {
    socket.unref();
    if (this._listeners === null || this._loop.isClosed()) {
      socket.destroy();
      return;
    }
    if (!this._serving) {
      socket.pause();
      holdErrors(socket); // the transport reports them when serving starts
      this._held.push({ socket, listener });
      return;
    }
    this._startTransport(socket, listener);
  }

  private _startTransport(socket: net.Socket, listener: Listener): void {
    if (socket.destroyed) return; // gone before the server served it
    const unixNames = listener.path === null ? null : { sockname: listener.path, peername: "" };
    // The protocol is made at the loop's next iteration, in a copy of the server's Context.
    const context = this._context.copy();
    new SocketTransport(this._loop, socket, {
      protocolFactory: this._protocolFactory,
      server: this,
      family: listener.family,
      unixNames,
      sslcontext: this._ssl === null ? undefined : this._ssl,
      context,
    });
  }

  private _onListenerError(error: Error): void {
    if (this._loop.isClosed()) return;
    this._loop.callExceptionHandler({ message: "Error on a listening socket (accepting connections)", exception: error, server: this });
  }

  /** @internal */
  _attach(transport: SocketTransport): void {
    this._clients.add(transport);
  }

  /** @internal */
  _detach(transport: SocketTransport): void {
    this._clients.delete(transport);
    if (this._clients.size === 0 && this._listeners === null) this._wakeup();
  }

  private _wakeup(): void {
    const waiters = this._waiters;
    this._waiters = null;
    if (waiters === null) return;
    for (const waiter of waiters) if (!waiter.done()) waiter.setResult(undefined);
  }

  /** @internal Starts handing accepted connections to protocols. */
  _startServing(): void {
    if (this._serving || this._listeners === null) return;
    this._serving = true;
    const held = this._held;
    this._held = [];
    for (const { socket, listener } of held) this._startTransport(socket, listener);
  }

  // ------------------------------------------------------------ the Server API

  /** The loop the server belongs to. Sync, either flavor. */
  getLoop(): BaseTrioEventLoop {
    return this._loop;
  }

  /** Whether the server accepts connections (it started serving and is not closed). Sync, either flavor. */
  isServing(): boolean {
    return this._serving;
  }

  /** The listening sockets (empty once closed): `getsockname()` gives their addresses. Sync, either flavor. */
  get sockets(): TransportSocket[] {
    if (this._listeners === null) return [];
    return this._listeners.map((l) => new TransportSocket(l.server, l.family, C.SOCK_STREAM, l.path === null ? null : { sockname: l.path, peername: null }));
  }

  /**
   * Stops listening: the listening sockets are closed; open connections are not (see
   * `closeClients`, `abortClients`). A pending `serveForever()` is cancelled. Sync,
   * either flavor.
   */
  close(): void {
    const listeners = this._listeners;
    if (listeners === null) return;
    this._listeners = null;
    for (const listener of listeners) listener.server.close();
    for (const { socket } of this._held) socket.destroy();
    this._held = [];
    this._serving = false;
    const forever = this._servingForeverFut;
    if (forever !== null && !forever.done()) {
      forever.cancel();
      this._servingForeverFut = null;
    }
    if (this._clients.size === 0) this._wakeup();
  }

  /** Closes every open connection (`transport.close()`). Sync, either flavor. */
  closeClients(): void {
    for (const transport of [...this._clients]) transport.close();
  }

  /** Aborts every open connection (`transport.abort()`). Sync, either flavor. */
  abortClients(): void {
    for (const transport of [...this._clients]) transport.abort();
  }

  /** Starts accepting connections (no-op if serving already). asyncio-flavored. */
  async startServing(): Promise<void> {
    currentAioLoop("Server.startServing()");
    this._startServing();
    await yieldToLoop(undefined);
  }

  /**
   * Serves until cancelled: cancelling the task closes the server and waits for it
   * (`waitClosed`) before the CancelledError goes on. Throws RuntimeError if another
   * `serveForever()` is running or the server is closed. asyncio-flavored.
   */
  async serveForever(): Promise<void> {
    currentAioLoop("Server.serveForever()");
    if (this._servingForeverFut !== null) throw new RuntimeError(`server ${String(this)} is already being awaited on serve_forever()`);
    if (this._listeners === null) throw new RuntimeError(`server ${String(this)} is closed`);
    this._startServing();
    const forever = this._loop.createFuture<void>();
    this._servingForeverFut = forever;
    try {
      await forever;
    } catch (error) {
      if (error instanceof CancelledError) {
        // Python's `try: close(); await wait_closed() finally: raise`: the cancellation wins.
        this.close();
        await this.waitClosed().catch(() => undefined);
      }
      throw error;
    } finally {
      if (this._servingForeverFut === forever) this._servingForeverFut = null;
    }
  }

  /**
   * Waits until the server is closed and all its connections are gone (Python 3.12.1's
   * semantics: either order). asyncio-flavored.
   */
  async waitClosed(): Promise<void> {
    currentAioLoop("Server.waitClosed()");
    if (this._waiters === null) return;
    const waiter = this._loop.createFuture<void>();
    this._waiters.push(waiter);
    await waiter;
  }

  /** `async with server`: the server. asyncio-flavored. */
  async aenter(): Promise<Server> {
    currentAioLoop("Server.aenter()");
    return this;
  }

  /** Leaving `async with server`: `close()`, then `waitClosed()`. asyncio-flavored. */
  async aexit(): Promise<void> {
    this.close();
    await this.waitClosed();
  }

  /** `await using server = ...`: closes the server and waits for it. asyncio-flavored. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.aexit();
  }

  toString(): string {
    return `<Server sockets=(${this.sockets.map(String).join(", ")})>`;
  }
}

/** Options of `loop.createServer` (and, with `limit`, of `asyncio.startServer`). */
export interface CreateServerOptions {
  /** `socket.AF_INET` / `AF_INET6` to restrict the addresses (default: both). */
  family?: number;
  /** `getaddrinfo` flags (default `AI_PASSIVE`). */
  flags?: number;
  /** The listen backlog (default 100). */
  backlog?: number;
  /** TLS: Node's TLS server options (`key`, `cert`...). `true` is refused, as in Python. */
  ssl?: ServerSSL | null;
  /** SO_REUSEADDR: always on with Node (libuv sets it); `false` is refused. */
  reuseAddress?: boolean | null;
  /** SO_REUSEPORT (Node 22.12 or 23.1 and later). */
  reusePort?: boolean | null;
  /** SO_KEEPALIVE on accepted connections. */
  keepAlive?: boolean | null;
  /** Seconds the TLS handshake may take (default 60). */
  sslHandshakeTimeout?: number | null;
  /** Start accepting at once (default true); else call `startServing()` or `serveForever()`. */
  startServing?: boolean;
}

const CREATE_SERVER_OPTIONS = ["family", "flags", "backlog", "ssl", "reuseAddress", "reusePort", "keepAlive", "sslHandshakeTimeout", "startServing"] as const;

function nodeSupportsReusePort(): boolean {
  const [major, minor] = process.versions.node.split(".").map(Number);
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}

function makeNodeServer(ssl: ServerSSL | null, handshakeTimeout: number | null, keepAlive: boolean): net.Server {
  const common = { allowHalfOpen: true, keepAlive };
  if (ssl === null) return net.createServer(common);
  return tls.createServer({ ...ssl, ...common, handshakeTimeout: Math.round((handshakeTimeout ?? SSL_HANDSHAKE_TIMEOUT) * 1000) });
}

/** Starts `server` listening; waits for it on the loop. */
async function listen(loop: BaseTrioEventLoop, server: net.Server, options: net.ListenOptions): Promise<void> {
  const listening = loop.createFuture<void>();
  const onListening = (): void => resolveFromHost(listening, undefined);
  const onError = (error: Error): void => rejectFromHost(listening, error);
  server.once("listening", onListening);
  server.once("error", onError);
  server.unref();
  try {
    server.listen(options);
    await listening;
  } catch (error) {
    server.close();
    throw error;
  } finally {
    server.off("listening", onListening);
    server.off("error", onError);
  }
  // Until its Server listens to it (accept errors: rare, and reported by the Server).
  server.on("error", noop);
}

function checkCommonServerOptions(protocolFactory: unknown, options: { ssl?: unknown; sslHandshakeTimeout?: unknown; backlog?: unknown }, call: string): ServerSSL | null {
  checkProtocolFactory(protocolFactory, call);
  if (typeof options.ssl === "boolean") throw new TypeError("ssl argument must be an SSLContext or None: pass TLS server options (an object) or null");
  const ssl = checkServerSSL(options.ssl);
  if (options.sslHandshakeTimeout !== undefined && options.sslHandshakeTimeout !== null && ssl === null) {
    throw new ValueError("ssl_handshake_timeout is only meaningful with ssl");
  }
  checkSeconds(options.sslHandshakeTimeout, "sslHandshakeTimeout");
  const backlog = options.backlog ?? 100;
  if (typeof backlog !== "number" || !Number.isInteger(backlog)) throw new TypeError("backlog must be an integer");
  return ssl;
}

/**
 * Starts a TCP server (Python's `loop.create_server`): listens on every address `host`
 * resolves to (a host, a list of hosts, or null/'' for all interfaces, IPv4 and IPv6)
 * and `port` (0: a free port per address; see `server.sockets`). Each connection calls
 * `protocolFactory()` for its protocol. Bind errors are Node's (`EADDRINUSE`...).
 * asyncio-flavored.
 */
export async function createServer(
  loop: BaseTrioEventLoop,
  protocolFactory: () => ProtocolLike,
  host: string | readonly string[] | null = null,
  port: number | string | null = null,
  options: CreateServerOptions = {},
): Promise<Server> {
  checkLoopCall(loop, "loop.createServer()");
  checkOptions(options, CREATE_SERVER_OPTIONS, "loop.createServer()");
  const ssl = checkCommonServerOptions(protocolFactory, options, "loop.createServer()");
  const { family = C.AF_UNSPEC, flags = C.AI_PASSIVE, backlog = 100, reuseAddress = null, reusePort = null, keepAlive = null, sslHandshakeTimeout = null, startServing = true } = options;
  if (reuseAddress === false) throw new NotImplementedError("reuseAddress: false is not available: libuv always sets SO_REUSEADDR on TCP servers");
  if (reusePort && !nodeSupportsReusePort()) throw new NotImplementedError(`reusePort needs Node >= 22.12 (this is ${process.version})`);
  if (host === null && port === null) throw new ValueError("Neither host/port nor sock were specified");
  const hosts: (string | null)[] = host === "" || host === null ? [null] : typeof host === "string" ? [host] : [...host];
  const seen = new Set<string>();
  const infos: AddrInfo[] = [];
  for (const h of hosts) {
    const found = await resolveAddrInfo(loop, h, port, { family, type: C.SOCK_STREAM, flags });
    if (found.length === 0) throw new OSError(`getaddrinfo(${JSON.stringify(h)}) returned empty list`);
    for (const info of found) {
      const key = `${info[0]}|${info[4][0]}|${info[4][1]}`;
      if (!seen.has(key)) {
        seen.add(key);
        infos.push(info);
      }
    }
  }
  const listeners: Listener[] = [];
  try {
    for (const [af, , , , sockaddr] of infos) {
      const server = makeNodeServer(ssl, sslHandshakeTimeout, Boolean(keepAlive));
      try {
        await listen(loop, server, { host: sockaddr[0], port: sockaddr[1], backlog, ipv6Only: af === C.AF_INET6, ...(reusePort ? { reusePort: true } : {}) });
      } catch (error) {
        // Python skips addresses whose family is not enabled (bpo-30945).
        if ((error as { code?: unknown }).code === "EADDRNOTAVAIL" || (error as { code?: unknown }).code === "EAFNOSUPPORT") continue;
        throw error;
      }
      listeners.push({ server, family: af, path: null });
    }
    if (listeners.length === 0) throw new OSError(`could not bind on any address out of ${JSON.stringify(infos.map((info) => info[4]))}`);
  } catch (error) {
    for (const listener of listeners) listener.server.close();
    throw error;
  }
  return finishServer(loop, new Server(loop, listeners, protocolFactory, ssl), startServing);
}

async function finishServer(_loop: BaseTrioEventLoop, server: Server, startServing: boolean): Promise<Server> {
  if (startServing) {
    server._startServing();
    // As asyncio: one loop iteration, so that serving has begun.
    await yieldToLoop(undefined);
  }
  return server;
}

/** Options of `loop.createUnixServer` (and, with `limit`, of `asyncio.startUnixServer`). */
export interface CreateUnixServerOptions {
  /** The listen backlog (default 100). */
  backlog?: number;
  /** TLS: Node's TLS server options. */
  ssl?: ServerSSL | null;
  /** Seconds the TLS handshake may take (default 60). */
  sslHandshakeTimeout?: number | null;
  /** Start accepting at once (default true). */
  startServing?: boolean;
}

/** The stat of `path`, or null if it does not exist; on the loop. */
async function statOrNull(loop: BaseTrioEventLoop, path: string): Promise<fs.Stats | null> {
  const done = loop.createFuture<fs.Stats | null>();
  fs.stat(path, (error, stats) => {
    if (error) {
      if (error.code === "ENOENT") resolveFromHost(done, null);
      else rejectFromHost(done, error);
    } else {
      resolveFromHost(done, stats);
    }
  });
  return await done;
}

async function unlink(loop: BaseTrioEventLoop, path: string): Promise<void> {
  const done = loop.createFuture<void>();
  fs.unlink(path, (error) => (error && error.code !== "ENOENT" ? rejectFromHost(done, error) : resolveFromHost(done, undefined)));
  await done;
}

/**
 * Starts a Unix domain socket server at `path` (Python's `loop.create_unix_server`); a
 * stale socket file at `path` is removed first. The socket file is removed when the
 * server closes. asyncio-flavored.
 */
export async function createUnixServer(
  loop: BaseTrioEventLoop,
  protocolFactory: () => ProtocolLike,
  path: string | null = null,
  options: CreateUnixServerOptions = {},
): Promise<Server> {
  checkLoopCall(loop, "loop.createUnixServer()");
  checkOptions(options, ["backlog", "ssl", "sslHandshakeTimeout", "startServing"], "loop.createUnixServer()");
  const ssl = checkCommonServerOptions(protocolFactory, options, "loop.createUnixServer()");
  const { backlog = 100, sslHandshakeTimeout = null, startServing = true } = options;
  if (path === null) throw new ValueError("path was not specified, and no sock specified");
  if (typeof path !== "string") throw new TypeError(`path must be a string, not '${typeof path}'`);
  if (path[0] !== "\0") {
    try {
      const stats = await statOrNull(loop, path);
      if (stats !== null && stats.isSocket()) await unlink(loop, path);
    } catch (error) {
      if (error instanceof CancelledError) throw error;
      // Python logs this and goes on: the bind below reports the real problem.
      logger.error(`Unable to check or remove stale UNIX socket ${JSON.stringify(path)}`, error);
    }
  }
  const server = makeNodeServer(ssl, sslHandshakeTimeout, false);
  await listen(loop, server, { path, backlog });
  return finishServer(loop, new Server(loop, [{ server, family: C.AF_UNIX, path }], protocolFactory, ssl), startServing);
}
