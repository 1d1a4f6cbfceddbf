/**
 * Trio's high-level networking on `node:net`: `openTcpStream`, `openTcpListeners`,
 * `serveTcp`, `serveListeners`, `SocketListener`, and Unix domain sockets.
 */
import net from "node:net";
import { runInFrame } from "../contextvars/frame.js";
import { ValueError } from "../errors/builtins.js";
import { describeValue } from "../errors/describe.js";
import { currentTrioTask } from "../loop/current.js";
import { BusyResourceError, ClosedResourceError } from "../loop/errors.js";
import { openNursery, TASK_STATUS_IGNORED, type Nursery, type TaskStatus } from "../loop/nursery.js";
import type { Task } from "../loop/task.js";
import { cancelShieldedCheckpoint, checkpoint, checkpointIfCancelled } from "../loop/traps.js";
import { EventWaiter } from "./node-streams.js";
import { SocketStream } from "./socket-stream.js";
import type { AsyncResource, Listener } from "./stream-abc.js";

/** Options of `openTcpStream`. */
export interface OpenTcpStreamOptions {
  /**
   * Happy Eyeballs (RFC 8305): seconds to wait for one address before also trying the
   * next (default 0.25, as Trio; at least 0.01). Node's `autoSelectFamily` does the work.
   */
  happyEyeballsDelay?: number;
  /** The local address to connect from. */
  localAddress?: string;
}

/**
 * @internal Calls `make` in the run's neutral frame: the Node handle it creates, and so
 * its event callbacks, then belong to no task (a wake-up from them is released at once).
 */
export function inRunFrame<T>(task: Task, make: () => T): T {
  return runInFrame(task.runner.frame, make);
}

/** @internal Waits for `socket` to connect (`event`: "connect", or "secureConnect" for TLS). */
export async function waitConnected(task: Task, socket: net.Socket, event: string, what: string): Promise<void> {
  const waiter = new EventWaiter();
  let error: unknown = null;
  const onConnect = (): void => waiter.wake();
  const onError = (e: unknown): void => {
    error = e;
    waiter.wake();
  };
  socket.once(event, onConnect);
  socket.once("error", onError);
  try {
    // A cancel destroys the half-open socket.
    await waiter.wait(task, what, () => socket.destroy());
  } finally {
    socket.off(event, onConnect);
    socket.off("error", onError);
  }
  if (error !== null) {
    socket.destroy();
    throw error;
  }
}

function checkPort(port: unknown, call: string): number {
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError(`${call}: port must be an integer from 0 to 65535, got ${describeValue(port)}`);
  }
  return port;
}

/**
 * Connects to `host`:`port` over TCP and returns a `SocketStream`. With several
 * addresses for the host, tries them with Happy Eyeballs. Errors are Node's (`ENOTFOUND`
 * for an unknown host, `ECONNREFUSED`...). A cancel abandons the attempt. Trio-flavored.
 */
export async function openTcpStream(host: string, port: number, options: OpenTcpStreamOptions = {}): Promise<SocketStream> {
  if (typeof host !== "string" || host === "") throw new TypeError(`openTcpStream(): host must be a non-empty string, got ${describeValue(host)}`);
  checkPort(port, "openTcpStream()");
  const delay = options.happyEyeballsDelay ?? 0.25;
  if (typeof delay !== "number" || !(delay >= 0)) throw new ValueError("happyEyeballsDelay must be a number of seconds >= 0");
  const task = currentTrioTask("trio.openTcpStream()");
  await checkpointIfCancelled();
  const socket = inRunFrame(task, () =>
    net.connect({
      host,
      port,
      // Half-closeable: the peer's end of stream does not end our sending side.
      allowHalfOpen: true,
      localAddress: options.localAddress,
      autoSelectFamily: true,
      autoSelectFamilyAttemptTimeout: Math.max(10, Math.round(delay * 1000)),
    }),
  );
  await waitConnected(task, socket, "connect", `trio.openTcpStream(${JSON.stringify(host)}, ${port})`);
  return new SocketStream(socket);
}

/** Connects to the Unix domain socket at `path` and returns a `SocketStream`. Trio-flavored. */
export async function openUnixSocket(path: string): Promise<SocketStream> {
  if (typeof path !== "string" || path === "") throw new TypeError(`openUnixSocket(): path must be a non-empty string, got ${describeValue(path)}`);
  const task = currentTrioTask("trio.openUnixSocket()");
  await checkpointIfCancelled();
  const socket = inRunFrame(task, () => net.connect({ path, allowHalfOpen: true }));
  await waitConnected(task, socket, "connect", `trio.openUnixSocket(${JSON.stringify(path)})`);
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
  private error: unknown = null;

  constructor(
    /** The listening Node server. */
    readonly server: net.Server,
    /** Wraps each accepted socket (TLS listeners wrap it in a TLS stream). */
    private readonly wrap: (socket: net.Socket) => SocketStream = (socket) => new SocketStream(socket),
    private readonly connectionEvent = "connection",
  ) {
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
    server.on("error", (error) => {
      this.error ??= error;
      this.waiter.wake();
    });
  }

  /** See `trio.abc.Listener.accept`. Trio-flavored. */
  async accept(): Promise<SocketStream> {
    const task = currentTrioTask("SocketListener.accept()");
    if (this.closed) throw new ClosedResourceError("this listener was closed");
    if (this.accepting) throw new BusyResourceError("another task is already accepting on this listener");
    this.accepting = true;
    try {
      await checkpointIfCancelled();
      for (;;) {
        if (this.closed) throw new ClosedResourceError("this listener was closed while accepting");
        const socket = this.pending.shift();
        if (socket !== undefined) {
          const stream = this.wrap(socket);
          socket.off("error", ignore);
          await cancelShieldedCheckpoint();
          return stream;
        }
        if (this.error !== null) throw this.error;
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

function ignore(): void {}

/** @internal Waits until `server` listens (or fails to, e.g. EADDRINUSE). */
export async function waitListening(task: Task, server: net.Server, listen: () => void, what: string): Promise<void> {
  const waiter = new EventWaiter();
  let error: unknown = null;
  const onListening = (): void => waiter.wake();
  const onError = (e: unknown): void => {
    error = e;
    waiter.wake();
  };
  server.once("listening", onListening);
  server.once("error", onError);
  inRunFrame(task, listen);
  try {
    await waiter.wait(task, what, () => server.close());
  } finally {
    server.off("listening", onListening);
    server.off("error", onError);
  }
  if (error !== null) {
    server.close();
    throw error;
  }
}

/** Options of `openTcpListeners` and `serveTcp`. */
export interface TcpListenerOptions {
  /** The address to listen on (default: every interface, IPv6 and IPv4). */
  host?: string;
  /** The listen backlog (default: Node's). */
  backlog?: number;
}

/**
 * Listens on TCP `port` (0 picks a free one: read it from `listeners[0].address`) and
 * returns the listeners (one, dual-stack, when no host is given). Trio-flavored.
 */
export async function openTcpListeners(port: number, options: TcpListenerOptions = {}): Promise<SocketListener[]> {
  checkPort(port, "openTcpListeners()");
  const task = currentTrioTask("trio.openTcpListeners()");
  await checkpointIfCancelled();
  const server = inRunFrame(task, () => net.createServer({ noDelay: true, allowHalfOpen: true }));
  const listener = new SocketListener(server);
  await waitListening(task, server, () => server.listen({ port, host: options.host, backlog: options.backlog }), `trio.openTcpListeners(${port})`);
  return [listener];
}

/** Listens on the Unix domain socket `path`. Trio-flavored. */
export async function openUnixListener(path: string, options: { backlog?: number } = {}): Promise<SocketListener> {
  if (typeof path !== "string" || path === "") throw new TypeError(`openUnixListener(): path must be a non-empty string, got ${describeValue(path)}`);
  const task = currentTrioTask("trio.openUnixListener()");
  await checkpointIfCancelled();
  const server = inRunFrame(task, () => net.createServer({ allowHalfOpen: true }));
  const listener = new SocketListener(server);
  await waitListening(task, server, () => server.listen({ path, backlog: options.backlog }), `trio.openUnixListener(${JSON.stringify(path)})`);
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
export async function serveListeners<S extends SocketStream, L extends Listener<S>>(
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

async function acceptLoop<S extends AsyncResource>(listener: Listener<S>, handler: (stream: S) => Promise<unknown>, handlers: Nursery): Promise<void> {
  try {
    for (;;) {
      const stream = await listener.accept();
      handlers.startSoon({ name: `${handler.name || "handler"}` }, handler, stream);
    }
  } finally {
    await listener.aclose().catch(ignore);
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
