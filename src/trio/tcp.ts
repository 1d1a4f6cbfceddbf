/**
 * Trio's high-level networking on `node:net`: `openTcpStream`, `openTcpListeners`,
 * `serveTcp`, `serveListeners`, `SocketListener`, and Unix domain sockets.
 */
import net from "node:net";
import { describeValue } from "../errors/describe.js";
import { currentTrioTask } from "../loop/current.js";
import { BusyResourceError, ClosedResourceError } from "../loop/errors.js";
import { openNursery, TASK_STATUS_IGNORED, type Nursery, type TaskStatus } from "../loop/nursery.js";
import type { Task } from "../loop/task.js";
import { cancelShieldedCheckpoint, checkpoint, checkpointIfCancelled } from "../loop/traps.js";
import { toOSError } from "../errors/os-errors.js";
import { fspath, type PathArg } from "./file-modes.js";
import { EventWaiter } from "./node-streams.js";
import { acloseForcefully } from "./stapled-stream.js";
import { checkHappyEyeballsDelay, checkPort, connectTcp, inRunFrame, lookupAll, waitConnected, waitForEvent } from "./tcp-connect.js";
import { sleep } from "./timeouts.js";
import { SocketStream } from "./socket-stream.js";
import type { AsyncResource, Listener } from "./stream-abc.js";

/** Options of `openTcpStream`. */
export interface OpenTcpStreamOptions {
  /**
   * Happy Eyeballs (RFC 6555): seconds an attempt may stay pending before the next
   * address is also tried (default 0.25, as Trio; `null` means the default). Measured
   * on the run's clock.
   */
  happyEyeballsDelay?: number | null;
  /** The local IP address to connect from (every attempt binds it); `null` lets the OS choose. */
  localAddress?: string | null;
}

/**
 * Connects to `host`:`port` over TCP and returns a `SocketStream`. A host name is
 * resolved to all its addresses (Node's `dns.lookup`, or the run's custom resolver:
 * `trio.socket.setCustomHostnameResolver`), which are tried with Trio's Happy Eyeballs:
 * the next address starts when the previous attempt failed or after
 * `happyEyeballsDelay` seconds, the first connection wins and the other attempts are
 * closed. Errors: one address, its own (Node's code: `ECONNREFUSED`...; `ENOTFOUND` for
 * an unknown host); several, an `OSError` "all attempts to connect to host:port
 * failed" whose `cause` groups every attempt's error. A cancel abandons every attempt.
 * Trio-flavored.
 */
export async function openTcpStream(host: string, port: number, options: OpenTcpStreamOptions = {}): Promise<SocketStream> {
  if (typeof host !== "string" || host === "") throw new TypeError(`openTcpStream(): host must be a non-empty string, got ${describeValue(host)}`);
  checkPort(port, "openTcpStream()");
  const delay = checkHappyEyeballsDelay(options.happyEyeballsDelay);
  const localAddress = options.localAddress ?? undefined;
  // Node binds only a literal address (Trio would also resolve a name here).
  if (localAddress !== undefined && (typeof localAddress !== "string" || net.isIP(localAddress) === 0)) {
    throw new TypeError(`openTcpStream(): localAddress must be an IP address, got ${describeValue(localAddress)}`);
  }
  currentTrioTask("trio.openTcpStream()");
  await checkpointIfCancelled();
  return connectTcp(host, port, { happyEyeballsDelay: delay, localAddress }, "trio.openTcpStream", (socket) => new SocketStream(socket));
}

/**
 * Connects to the Unix domain socket at `path` (a string, `file:` URL or `trio.Path`) and
 * returns a `SocketStream`; a missing socket file is a `FileNotFoundError`. Trio-flavored.
 */
export async function openUnixSocket(path: PathArg): Promise<SocketStream> {
  const file = fspath(path, "openUnixSocket()");
  if (file === "") throw new TypeError("openUnixSocket(): path must not be empty");
  const task = currentTrioTask("trio.openUnixSocket()");
  await checkpointIfCancelled();
  const socket = inRunFrame(task, () => net.connect({ path: file, allowHalfOpen: true }));
  try {
    await waitConnected(task, socket, "connect", `trio.openUnixSocket(${JSON.stringify(file)})`);
  } catch (error) {
    throw toOSError(error);
  }
  return new SocketStream(socket);
}

/**
 * A listening socket as a Trio `Listener` (`trio.SocketListener`): `accept()` returns
 * the next connection as a `SocketStream`. Node accepts connections as they come; they
 * wait here until accepted. `accept` and `aclose` are Trio-flavored.
 */
export class SocketListener implements Listener<SocketStream> {
  private readonly pending: net.Socket[] = [];
  private readonly waiter = new EventWaiter();
  private accepting = false;
  private closed = false;
  private errors: unknown[] = [];

  constructor(
    /** The Node server (listening, or about to). */
    readonly server: net.Server,
    /** Wraps each accepted socket (TLS listeners wrap it in a TLS stream). */
    private readonly wrap: (socket: net.Socket) => SocketStream = (socket) => new SocketStream(socket),
    private readonly connectionEvent = "connection",
  ) {
    if (!(server instanceof net.Server)) throw new TypeError(`SocketListener needs a net.Server (or tls.Server), got ${describeValue(server)}`);
    server.on(connectionEvent, (socket: net.Socket) => {
      if (this.closed) {
        socket.destroy();
        return;
      }
      // Until accepted, a reset by the peer must not become an unhandled error.
      socket.on("error", ignore);
      this.pending.push(socket);
      this.waiter.wake();
    });
    server.on("error", (error: { code?: unknown }) => {
      // As Trio: errors about one incoming connection are not the listener's.
      if (typeof error.code === "string" && IGNORABLE_ACCEPT_ERRORS.has(error.code)) return;
      this.errors.push(error);
      this.waiter.wake();
    });
    // Closed under us (server.close() by someone else): accept() then fails.
    server.on("close", () => {
      this.closed = true;
      this.waiter.wake(new ClosedResourceError("the listening socket was closed"));
    });
  }

  /** See `trio.abc.Listener.accept`. Trio-flavored. */
  async accept(): Promise<SocketStream> {
    const task = currentTrioTask("SocketListener.accept()");
    if (this.accepting) throw new BusyResourceError("another task is already accepting on this listener");
    this.accepting = true;
    try {
      await checkpointIfCancelled();
      for (;;) {
        if (this.closed || !this.server.listening) {
          await cancelShieldedCheckpoint();
          throw new ClosedResourceError("this listener is closed");
        }
        const socket = this.pending.shift();
        if (socket !== undefined) {
          const stream = this.wrap(socket);
          socket.off("error", ignore);
          await cancelShieldedCheckpoint();
          return stream;
        }
        // An error of the listening socket is raised once, by the accept that sees it.
        if (this.errors.length > 0) {
          await cancelShieldedCheckpoint();
          throw this.errors.shift();
        }
        await this.waiter.wait(task, "SocketListener.accept()");
      }
    } finally {
      this.accepting = false;
    }
  }

  /** Stops listening; connections not yet accepted are closed. Trio-flavored. */
  async aclose(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.server.close();
      for (const socket of this.pending.splice(0)) socket.destroy();
      this.waiter.wake(new ClosedResourceError("this listener was closed while accepting"));
    }
    await checkpoint();
  }

  /** `await using`: closes the listener. Trio-flavored. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.aclose();
  }

  /** The address it listens on (`server.address()`): read the port from it. Sync, either flavor. */
  get address(): ReturnType<net.Server["address"]> {
    return this.server.address();
  }
}

/** Errors about one incoming connection, not the listener (Trio's `_ignorable_accept_errno_names`). */
const IGNORABLE_ACCEPT_ERRORS = new Set(["ECONNABORTED", "EPERM", "EPROTO"]);

function ignore(): void {}

/** @internal Calls `listen` and waits until `server` listens (or fails to, e.g. EADDRINUSE); a cancel closes it. */
export function waitListening(task: Task, server: net.Server, listen: () => void, what: string): Promise<void> {
  return waitForEvent(task, server, "listening", what, () => server.close(), listen);
}

/** Options of `openTcpListeners` and `serveTcp`. */
export interface TcpListenerOptions {
  /** The address to listen on, or a name: one listener per address (default: every interface, IPv6 and IPv4, one listener). */
  host?: string;
  /** The listen backlog, an integer (default: Node's, 511; Trio's is larger). */
  backlog?: number;
}

/**
 * Listens on TCP `port` (0 picks a free one: read it from `listeners[0].address`) and
 * returns the listeners (one, dual-stack, when no host is given). Trio-flavored.
 */
export async function openTcpListeners(port: number, options: TcpListenerOptions = {}): Promise<SocketListener[]> {
  checkPort(port, "openTcpListeners()");
  const backlog = checkBacklog(options.backlog);
  const task = currentTrioTask("trio.openTcpListeners()");
  await checkpointIfCancelled();
  // One listener per address of the host, as Trio; with no host, one dual-stack listener.
  const hosts = options.host === undefined ? [undefined] : await hostAddresses(task, options.host);
  const listeners: SocketListener[] = [];
  try {
    for (const host of hosts) {
      const server = inRunFrame(task, () => net.createServer({ noDelay: true, allowHalfOpen: true }));
      const listener = new SocketListener(server);
      listeners.push(listener);
      await waitListening(task, server, () => server.listen({ port, host, backlog, ipv6Only: host !== undefined && net.isIPv6(host) }), `trio.openTcpListeners(${port})`);
    }
  } catch (error) {
    for (const listener of listeners) listener.server.close();
    throw toOSError(error);
  }
  return listeners;
}

function checkBacklog(backlog: unknown): number | undefined {
  if (backlog === undefined || backlog === Infinity) return undefined;
  if (typeof backlog !== "number" || !Number.isInteger(backlog)) throw new TypeError(`backlog must be an integer (or Infinity), got ${describeValue(backlog)}`);
  return backlog;
}

/** Every address of `host` (a name or a literal address), once each, as a cancellable wait. */
async function hostAddresses(task: Task, host: string): Promise<string[]> {
  if (net.isIP(host) !== 0) return [host];
  return [...new Set((await lookupAll(task, host)).map((a) => a.address))];
}

/** Listens on the Unix domain socket `path`. Trio-flavored. */
export async function openUnixListener(path: PathArg, options: { backlog?: number } = {}): Promise<SocketListener> {
  const file = fspath(path, "openUnixListener()");
  if (file === "") throw new TypeError("openUnixListener(): path must not be empty");
  const backlog = checkBacklog(options.backlog);
  const task = currentTrioTask("trio.openUnixListener()");
  await checkpointIfCancelled();
  const server = inRunFrame(task, () => net.createServer({ allowHalfOpen: true }));
  const listener = new SocketListener(server);
  try {
    await waitListening(task, server, () => server.listen({ path: file, backlog }), `trio.openUnixListener(${JSON.stringify(file)})`);
  } catch (error) {
    throw toOSError(error);
  }
  return listener;
}

/** Options of `serveListeners` and `serveTcp`. */
export interface ServeOptions<L> {
  /** Where the handler tasks run (default: a nursery of the serve call). */
  handlerNursery?: Nursery;
  /** From `nursery.start`: `started(listeners)` is called once listening. */
  taskStatus?: TaskStatus<L[]>;
}

/**
 * Accepts connections on every listener forever, running `handler(stream)` for each in
 * `handlerNursery` (a nursery of this call by default). Calls
 * `taskStatus.started(listeners)` once serving. Returns only by cancellation; the
 * listeners are closed then. With `nursery.start`, pass the status it gives as the
 * `taskStatus` option. Trio-flavored.
 */
export async function serveListeners<S extends AsyncResource, L extends Listener<S>>(
  handler: (stream: S) => Promise<unknown>,
  listeners: L[],
  options: ServeOptions<L> = {},
): Promise<never> {
  if (typeof handler !== "function") throw new TypeError(`serveListeners() needs a handler function, got ${describeValue(handler)}`);
  if (!Array.isArray(listeners) || listeners.length === 0) throw new TypeError("serveListeners() needs a non-empty array of listeners");
  const status: TaskStatus<L[]> = options.taskStatus ?? TASK_STATUS_IGNORED;
  await openNursery(async (nursery) => {
    const handlers = options.handlerNursery ?? nursery;
    for (const listener of listeners) nursery.startSoon({ name: "serveListeners accept loop" }, acceptLoop, listener, handler, handlers);
    status.started(listeners);
  });
  // The accept loops never end on their own: only a cancel (caught outside) gets here.
  throw new ClosedResourceError("serveListeners: the listeners were closed");
}

/** Out of a resource: Trio waits this long and accepts again (`ACCEPT_CAPACITY_ERROR_SLEEP`). */
const ACCEPT_CAPACITY_ERROR_SLEEP = 0.1;
const CAPACITY_ERRORS = new Set(["EMFILE", "ENFILE", "ENOMEM", "ENOBUFS"]);

async function acceptLoop<S extends AsyncResource>(listener: Listener<S>, handler: (stream: S) => Promise<unknown>, handlers: Nursery): Promise<void> {
  try {
    for (;;) {
      let stream: S;
      try {
        stream = await listener.accept();
      } catch (error) {
        const code = (error as { code?: unknown } | null)?.code;
        if (typeof code === "string" && CAPACITY_ERRORS.has(code)) {
          await sleep(ACCEPT_CAPACITY_ERROR_SLEEP);
          continue;
        }
        throw error;
      }
      handlers.startSoon({ name: `${handler.name || "handler"}` }, runHandler, handler, stream);
    }
  } finally {
    await listener.aclose().catch(ignore);
  }
}

/** A handler's task: the stream is closed (forcefully) when the handler is done. */
async function runHandler<S extends AsyncResource>(handler: (stream: S) => Promise<unknown>, stream: S): Promise<void> {
  try {
    await handler(stream);
  } finally {
    await acloseForcefully(stream);
  }
}

/**
 * Listens on TCP `port` and serves each connection with `handler(stream)`, forever
 * (`openTcpListeners` + `serveListeners`). Trio-flavored.
 */
export async function serveTcp(
  handler: (stream: SocketStream) => Promise<unknown>,
  port: number,
  options: TcpListenerOptions & ServeOptions<SocketListener> = {},
): Promise<never> {
  const listeners = await openTcpListeners(port, options);
  return serveListeners(handler, listeners, options);
}
