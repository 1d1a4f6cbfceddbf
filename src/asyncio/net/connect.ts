/**
 * Opening connections (Python's `loop.create_connection`, `create_unix_connection`,
 * `connect_accepted_socket`): resolve, connect one address after the other (or race
 * them, Happy Eyeballs), optionally shake hands over TLS, then wrap the Node socket in a
 * SocketTransport. Connection errors are Node's (`ECONNREFUSED`...).
 */
import * as net from "node:net";
import type * as tls from "node:tls";
import { ValueError } from "../../errors/builtins.js";
import { ExceptionGroup } from "../../errors/exception-group.js";
import type { BaseTrioEventLoop } from "../base-loop.js";
import { CancelledError, TimeoutError } from "../errors.js";
import type { Future } from "../futures.js";
import type { TimerHandle } from "../handles.js";
import type { Task } from "../tasks.js";
import { socket as C } from "./constants.js";
import { interleaveAddrinfos, resolveAddrInfo, type AddrInfo } from "./dns.js";
import { OSError } from "./errors.js";
import type { ProtocolLike } from "./protocols.js";
import { holdErrors } from "./held-errors.js";
import { SocketTransport, type ServerLike } from "./socket-transport.js";
import { clientSSLOptions, tlsClientHandshake, tlsServerHandshake, type ClientSSL, type ServerSSL } from "./tls.js";
import { familyOfAddress } from "./trsock.js";
import { checkLoopCall, checkOptions, checkProtocolFactory, checkSeconds, rejectFromHost, resolveFromHost, waitConnectionMade } from "./util.js";

/** A local or remote address to resolve: `[host, port]`. */
export type HostPort = readonly [host: string | null, port: number | string | null];

/** Options of `loop.createConnection` (and, with `limit`, of `asyncio.openConnection`). */
export interface CreateConnectionOptions {
  /** TLS: `true` (Node's defaults, the certificate and host name are checked) or Node's `tls.ConnectionOptions`. */
  ssl?: ClientSSL | null;
  /** `socket.AF_INET` / `AF_INET6` to restrict the addresses tried (default: both). */
  family?: number;
  /** The protocol passed to `getaddrinfo`. */
  proto?: number;
  /** `getaddrinfo` flags. */
  flags?: number;
  /** An already connected (or connecting) `net.Socket` to use instead of host and port. */
  sock?: net.Socket | null;
  /** The local `[host, port]` to bind to. */
  localAddr?: HostPort | null;
  /** The name the server certificate must match, and the SNI name (default: `host`; '' for neither). */
  serverHostname?: string | null;
  /** Seconds the TLS handshake may take (default 60). */
  sslHandshakeTimeout?: number | null;
  /** Happy Eyeballs (RFC 8305): start the next address's attempt after this many seconds (recommended: 0.25). */
  happyEyeballsDelay?: number | null;
  /** Reorder the addresses by family; the count of the first family to try first (default 1 with Happy Eyeballs). */
  interleave?: number | null;
  /** Throw an ExceptionGroup of every attempt's error instead of one error. */
  allErrors?: boolean;
}

const CREATE_CONNECTION_OPTIONS = [
  "ssl",
  "family",
  "proto",
  "flags",
  "sock",
  "localAddr",
  "serverHostname",
  "sslHandshakeTimeout",
  "happyEyeballsDelay",
  "interleave",
  "allErrors",
] as const;

/** Waits on the loop until `socket` connects; destroys it on failure or cancellation. */
async function waitConnected(loop: BaseTrioEventLoop, socket: net.Socket): Promise<net.Socket> {
  if (socket.readyState === "closed") throw new OSError("the socket is not connected", { code: "ENOTCONN" });
  if (socket.readyState !== "opening") return socket;
  const connected = loop.createFuture<void>();
  const onConnect = (): void => resolveFromHost(connected, undefined);
  const onError = (error: Error): void => rejectFromHost(connected, error);
  socket.once("connect", onConnect);
  socket.on("error", onError);
  try {
    await connected;
  } catch (error) {
    socket.destroy();
    throw error;
  } finally {
    socket.off("connect", onConnect);
    socket.off("error", onError);
  }
  // Its transport may be made a loop iteration later (Happy Eyeballs, a TLS handshake).
  holdErrors(socket);
  return socket;
}

/** Python's `_connect_sock`: one attempt; its errors go to `sink`. */
async function connectSock(loop: BaseTrioEventLoop, sink: unknown[], addrinfo: AddrInfo, localInfos: AddrInfo[] | null): Promise<net.Socket> {
  const [family, , , , address] = addrinfo;
  const options: net.TcpNetConnectOpts = { host: address[0], port: address[1], family: family === C.AF_INET6 ? 6 : 4, allowHalfOpen: true };
  if (localInfos !== null) {
    const local = localInfos.find((info) => info[0] === family);
    if (local === undefined) {
      const error = new OSError(`no matching local address with family=${family} found`);
      sink.push(error);
      throw error;
    }
    options.localAddress = local[4][0];
    options.localPort = local[4][1];
  }
  const socket = new net.Socket({ allowHalfOpen: true });
  socket.unref();
  try {
    socket.connect(options);
    return await waitConnected(loop, socket);
  } catch (error) {
    socket.destroy();
    if (!(error instanceof CancelledError)) sink.push(error);
    throw error;
  }
}

/**
 * Python's `staggered.staggered_race`: starts the attempts one after the other, the next
 * one `delay` seconds after the previous started or as soon as it failed; the first
 * success wins and the others are cancelled (a late success is closed).
 */
async function staggeredRace(loop: BaseTrioEventLoop, attempts: (() => Promise<net.Socket>)[], delay: number): Promise<net.Socket | null> {
  const tasks: Task<net.Socket>[] = [];
  const finished = loop.createFuture<void>();
  let winner: net.Socket | null = null;
  let next = 0;
  let running = 0;
  let timer: TimerHandle | null = null;
  const settleIfOver = (): void => {
    if ((winner !== null || (next >= attempts.length && running === 0)) && !finished.done()) finished.setResult(undefined);
  };
  const onDone = (task: Future<net.Socket>): void => {
    running--;
    const ok = !task.cancelled() && task.exception() === undefined;
    if (ok) {
      if (winner === null) winner = task.result();
      else task.result().destroy();
    } else if (winner === null) {
      startNext();
    }
    settleIfOver();
  };
  const startNext = (): void => {
    timer?.cancel();
    timer = null;
    if (winner !== null || next >= attempts.length) {
      settleIfOver();
      return;
    }
    const task = loop.createTask(attempts[next++]);
    running++;
    tasks.push(task);
    task.addDoneCallback(onDone);
    if (next < attempts.length) timer = loop.callLater(delay, startNext);
  };
  startNext();
  try {
    await finished;
  } finally {
    (timer as TimerHandle | null)?.cancel();
    for (const task of tasks) if (!task.done()) task.cancel();
  }
  return winner;
}

/** Python's error choice when every attempt failed. */
function connectionFailure(exceptions: unknown[], allErrors: boolean): unknown {
  if (allErrors) return exceptions.length > 0 ? new ExceptionGroup("createConnection failed", exceptions) : new TimeoutError("createConnection failed");
  if (exceptions.length === 1) return exceptions[0];
  if (exceptions.length > 1) {
    const text = (e: unknown): string => (e instanceof Error ? e.message : String(e));
    const model = text(exceptions[0]);
    if (exceptions.every((e) => text(e) === model)) return exceptions[0];
    return new OSError(`Multiple exceptions: ${exceptions.map(text).join(", ")}`);
  }
  return new TimeoutError("createConnection failed");
}

/**
 * @internal Python's `_create_connection_transport`: makes the protocol, shakes hands
 * over TLS if asked, wraps the socket and waits for `connectionMade` to have run.
 */
async function createConnectionTransport<P extends ProtocolLike>(
  loop: BaseTrioEventLoop,
  socket: net.Socket,
  protocolFactory: () => P,
  tlsSetup: { ssl: tls.ConnectionOptions | ServerSSL; serverSide: boolean; serverHostname: string; timeout: number | null | undefined } | null,
  family: number,
  unixNames: { sockname: string; peername: string | null } | null,
  server: ServerLike | null = null,
): Promise<[SocketTransport, P]> {
  let protocol: P;
  try {
    protocol = protocolFactory();
    if (typeof protocol !== "object" || protocol === null) {
      throw new TypeError(`the protocol factory must return a protocol object, got ${protocol === null ? "null" : typeof protocol}`);
    }
  } catch (error) {
    socket.destroy();
    throw error;
  }
  let stream: net.Socket = socket;
  if (tlsSetup !== null) {
    stream = tlsSetup.serverSide
      ? await tlsServerHandshake(loop, socket, tlsSetup.ssl as ServerSSL, tlsSetup.timeout)
      : await tlsClientHandshake(loop, socket, tlsSetup.ssl as tls.ConnectionOptions, tlsSetup.serverHostname, tlsSetup.timeout);
  }
  const waiter = loop.createFuture<void>();
  const transport = new SocketTransport(loop, stream, { protocol, waiter, family, unixNames, server, sslcontext: tlsSetup === null ? undefined : tlsSetup.ssl });
  await waitConnectionMade(waiter, transport);
  return [transport, protocol];
}

function checkNodeSocket(sock: unknown, call: string): net.Socket {
  if (!(sock instanceof net.Socket)) throw new TypeError(`${call}: sock must be a net.Socket (Node cannot adopt raw file descriptors here)`);
  return sock;
}

/**
 * Opens a TCP connection to `host`:`port` (Python's `loop.create_connection`) and returns
 * `[transport, protocol]` once `protocol.connectionMade(transport)` ran. The host is
 * resolved with `getaddrinfo`; its addresses are tried in turn (or raced, with
 * `happyEyeballsDelay`). Errors are Node's: `ECONNREFUSED` (Python's
 * ConnectionRefusedError), `ENOTFOUND` for an unknown host (Python's socket.gaierror)...;
 * several different errors become one OSError("Multiple exceptions: ...") (or an
 * ExceptionGroup with `allErrors`). asyncio-flavored.
 */
export async function createConnection<P extends ProtocolLike>(
  loop: BaseTrioEventLoop,
  protocolFactory: () => P,
  host: string | null = null,
  port: number | string | null = null,
  options: CreateConnectionOptions = {},
): Promise<[SocketTransport, P]> {
  checkLoopCall(loop, "loop.createConnection()");
  checkProtocolFactory(protocolFactory, "loop.createConnection()");
  checkOptions(options, CREATE_CONNECTION_OPTIONS, "loop.createConnection()");
  const { ssl = null, family = 0, proto = 0, flags = 0, sock = null, localAddr = null, sslHandshakeTimeout = null, happyEyeballsDelay = null, allErrors = false } = options;
  let { serverHostname = null, interleave = null } = options;
  if (serverHostname !== null && !ssl) throw new ValueError("server_hostname is only meaningful with ssl");
  if (serverHostname === null && ssl) {
    if (!host) throw new ValueError("You must set server_hostname when using ssl without a host");
    serverHostname = host;
  }
  if (sslHandshakeTimeout !== null && !ssl) throw new ValueError("ssl_handshake_timeout is only meaningful with ssl");
  checkSeconds(sslHandshakeTimeout, "sslHandshakeTimeout");
  if (happyEyeballsDelay !== null) {
    if (typeof happyEyeballsDelay !== "number" || Number.isNaN(happyEyeballsDelay) || happyEyeballsDelay < 0) {
      throw new ValueError(`happyEyeballsDelay must be a non-negative number of seconds, got ${String(happyEyeballsDelay)}`);
    }
    interleave ??= 1;
  }
  const sslOptions = ssl ? clientSSLOptions(ssl) : null;
  let socket: net.Socket | null = null;
  if (host !== null || port !== null) {
    if (sock !== null) throw new ValueError("host/port and sock can not be specified at the same time");
    let infos = await resolveAddrInfo(loop, host, port, { family, type: C.SOCK_STREAM, proto, flags });
    if (infos.length === 0) throw new OSError("getaddrinfo() returned empty list");
    let localInfos: AddrInfo[] | null = null;
    if (localAddr !== null) {
      localInfos = await resolveAddrInfo(loop, localAddr[0], localAddr[1], { family, type: C.SOCK_STREAM, proto, flags });
      if (localInfos.length === 0) throw new OSError("getaddrinfo() returned empty list");
    }
    if (interleave) infos = interleaveAddrinfos(infos, interleave);
    const exceptions: unknown[] = [];
    if (happyEyeballsDelay === null) {
      for (const info of infos) {
        try {
          socket = await connectSock(loop, exceptions, info, localInfos);
          break;
        } catch (error) {
          if (!exceptions.includes(error)) throw error; // cancelled, not a connection error
        }
      }
    } else {
      socket = await staggeredRace(
        loop,
        infos.map((info) => () => connectSock(loop, exceptions, info, localInfos)),
        happyEyeballsDelay,
      );
    }
    if (socket === null) throw connectionFailure(exceptions, allErrors);
  } else {
    if (sock === null) throw new ValueError("host and port was not specified and no sock specified");
    socket = await waitConnected(loop, checkNodeSocket(sock, "loop.createConnection()"));
  }
  const af = familyOfAddress(socket.remoteAddress ?? "") || C.AF_INET;
  const tlsSetup = sslOptions === null ? null : { ssl: sslOptions, serverSide: false, serverHostname: serverHostname!, timeout: sslHandshakeTimeout };
  return createConnectionTransport(loop, socket, protocolFactory, tlsSetup, af, null);
}

/** Options of `loop.createUnixConnection`. */
export interface CreateUnixConnectionOptions {
  /** TLS (`serverHostname` is then required). */
  ssl?: ClientSSL | null;
  /** A connected `net.Socket` to use instead of `path`. */
  sock?: net.Socket | null;
  /** The name the server certificate must match ('' for none). */
  serverHostname?: string | null;
  /** Seconds the TLS handshake may take (default 60). */
  sslHandshakeTimeout?: number | null;
}

const CREATE_UNIX_CONNECTION_OPTIONS = ["ssl", "sock", "serverHostname", "sslHandshakeTimeout"] as const;

/**
 * Opens a Unix domain socket connection to `path` (Python's
 * `loop.create_unix_connection`); returns `[transport, protocol]`. A missing socket
 * file fails with Node's `ENOENT`, nobody listening with `ECONNREFUSED`.
 * asyncio-flavored.
 */
export async function createUnixConnection<P extends ProtocolLike>(
  loop: BaseTrioEventLoop,
  protocolFactory: () => P,
  path: string | null = null,
  options: CreateUnixConnectionOptions = {},
): Promise<[SocketTransport, P]> {
  checkLoopCall(loop, "loop.createUnixConnection()");
  checkProtocolFactory(protocolFactory, "loop.createUnixConnection()");
  checkOptions(options, CREATE_UNIX_CONNECTION_OPTIONS, "loop.createUnixConnection()");
  const { ssl = null, sock = null, serverHostname = null, sslHandshakeTimeout = null } = options;
  if (ssl) {
    if (serverHostname === null) throw new ValueError("you have to pass server_hostname when using ssl");
  } else {
    if (serverHostname !== null) throw new ValueError("server_hostname is only meaningful with ssl");
    if (sslHandshakeTimeout !== null) throw new ValueError("ssl_handshake_timeout is only meaningful with ssl");
  }
  checkSeconds(sslHandshakeTimeout, "sslHandshakeTimeout");
  let socket: net.Socket;
  let target = "";
  if (path !== null) {
    if (sock !== null) throw new ValueError("path and sock can not be specified at the same time");
    if (typeof path !== "string") throw new TypeError(`path must be a string, not '${typeof path}'`);
    target = path;
    socket = new net.Socket({ allowHalfOpen: true });
    socket.unref();
    socket.connect({ path });
    socket = await waitConnected(loop, socket);
  } else {
    if (sock === null) throw new ValueError("no path and sock were specified");
    socket = await waitConnected(loop, checkNodeSocket(sock, "loop.createUnixConnection()"));
  }
  const tlsSetup = ssl ? { ssl: clientSSLOptions(ssl), serverSide: false, serverHostname: serverHostname!, timeout: sslHandshakeTimeout } : null;
  return createConnectionTransport(loop, socket, protocolFactory, tlsSetup, C.AF_UNIX, { sockname: "", peername: target });
}

/** Options of `loop.connectAcceptedSocket`. */
export interface ConnectAcceptedSocketOptions {
  /** TLS server options: this side is the TLS server. */
  ssl?: ServerSSL | null;
  /** Seconds the TLS handshake may take (default 60). */
  sslHandshakeTimeout?: number | null;
}

/**
 * Wraps a connection that was accepted outside asyncio (a `net.Socket` from a Node
 * `net.Server`) into a transport and protocol (Python's `loop.connect_accepted_socket`).
 * asyncio-flavored.
 */
export async function connectAcceptedSocket<P extends ProtocolLike>(
  loop: BaseTrioEventLoop,
  protocolFactory: () => P,
  sock: net.Socket,
  options: ConnectAcceptedSocketOptions = {},
): Promise<[SocketTransport, P]> {
  checkLoopCall(loop, "loop.connectAcceptedSocket()");
  checkProtocolFactory(protocolFactory, "loop.connectAcceptedSocket()");
  checkOptions(options, ["ssl", "sslHandshakeTimeout"], "loop.connectAcceptedSocket()");
  const { ssl = null, sslHandshakeTimeout = null } = options;
  if (sslHandshakeTimeout !== null && !ssl) throw new ValueError("ssl_handshake_timeout is only meaningful with ssl");
  checkSeconds(sslHandshakeTimeout, "sslHandshakeTimeout");
  if (ssl !== null && typeof ssl !== "object") throw new TypeError("ssl must be an object of TLS server options (tls.TlsOptions) or null");
  const socket = await waitConnected(loop, checkNodeSocket(sock, "loop.connectAcceptedSocket()"));
  socket.unref();
  const remote = socket.remoteAddress;
  const unix = remote === undefined;
  const tlsSetup = ssl === null ? null : { ssl, serverSide: true, serverHostname: "", timeout: sslHandshakeTimeout };
  return createConnectionTransport(loop, socket, protocolFactory, tlsSetup, unix ? C.AF_UNIX : familyOfAddress(remote), unix ? { sockname: "", peername: "" } : null);
}
