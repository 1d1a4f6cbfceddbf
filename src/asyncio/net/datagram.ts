/**
 * Datagram endpoints (Python's `loop.create_datagram_endpoint` and its
 * `_SelectorDatagramTransport`) on `node:dgram`. Each received datagram is one
 * `datagramReceived(data, addr)` loop callback; failed sends (and socket errors) are
 * `errorReceived(exc)`, the endpoint staying open, as in asyncio. Node's dgram has no
 * Unix domain datagram sockets.
 */
import * as dgram from "node:dgram";
import { copyContext, type Context } from "../../contextvars/context.js";
import { NotImplementedError, ValueError } from "../../errors/builtins.js";
import type { BaseTrioEventLoop } from "../base-loop.js";
import { CancelledError } from "../errors.js";
import type { Future } from "../futures.js";
import { logger } from "../log.js";
import { LOG_THRESHOLD_FOR_CONNLOST_WRITES, socket as C } from "./constants.js";
import { resolveAddrInfo } from "./dns.js";
import type { BaseProtocolLike, DatagramProtocolLike } from "./protocols.js";
import { DatagramTransport, WriteFlowControl, limitsArguments, type BytesLike, type WriteBufferLimits } from "./transports.js";
import { TransportSocket, toSockAddr, type SockAddr } from "./trsock.js";
import { checkLoopCall, checkOptions, checkProtocolFactory, copyBytes, rejectFromHost, resolveFromHost, setResultUnlessCancelled, waitConnectionMade } from "./util.js";

/** Keeps a socket's 'error' events from ending the process before its transport listens. */
function ignoreUntilTransport(): void {}

function sameAddress(a: unknown, b: SockAddr): boolean {
  return Array.isArray(a) && a[0] === b[0] && a[1] === b[1];
}

function formatAddress(addr: SockAddr): string {
  return `[${addr.map((part) => JSON.stringify(part)).join(", ")}]`;
}

/**
 * A datagram transport over a Node `dgram.Socket` (made by
 * `loop.createDatagramEndpoint`). Sync, either flavor.
 */
export class DatagramSocketTransport extends DatagramTransport {
  private readonly _loop: BaseTrioEventLoop;
  private readonly _socket: dgram.Socket;
  private _protocol: DatagramProtocolLike;
  private readonly _address: SockAddr | null;
  private readonly _context: Context;
  private readonly _flow: WriteFlowControl;
  private _bufferSize = 0;
  private _closing = false;
  private _connLost = 0;
  private _done = false;

  /** @internal */
  constructor(loop: BaseTrioEventLoop, socket: dgram.Socket, protocol: DatagramProtocolLike, address: SockAddr | null, waiter: Future<void>, family: number) {
    super();
    this._loop = loop;
    this._socket = socket;
    this._protocol = protocol;
    this._address = address;
    this._context = copyContext();
    this._flow = new WriteFlowControl(loop, this);
    let sockname: SockAddr | null = null;
    try {
      const info = socket.address();
      sockname = toSockAddr(info.address, info.port, info.family);
    } catch {
      // Not bound yet: the first send binds it.
    }
    this._extra = { peername: address, sockname, socket: new TransportSocket(socket, family, C.SOCK_DGRAM) };
    socket.unref();
    socket.off("error", ignoreUntilTransport);
    socket.on("message", this._onMessage);
    socket.on("error", this._onError);
    socket.on("close", this._onClose);
    this._schedule(this._connectionMade);
    this._schedule(setResultUnlessCancelled, waiter);
  }

  private _schedule<A extends unknown[]>(fn: (...args: A) => unknown, ...args: A): void {
    if (this._loop.isClosed()) {
      if (!this._done) {
        this._done = true;
        this._socket.close();
      }
      return;
    }
    this._loop.callSoon(fn, ...args, { context: this._context });
  }

  private readonly _connectionMade = (): void => {
    if (this._connLost !== 0) return;
    this._protocol.connectionMade?.(this as never);
  };

  private readonly _onMessage = (data: Buffer, rinfo: dgram.RemoteInfo): void => {
    if (this._done) return;
    this._schedule(this._datagramReceived, data, toSockAddr(rinfo.address, rinfo.port, rinfo.family));
  };

  private readonly _datagramReceived = (data: Buffer, addr: SockAddr): void => {
    if (this._connLost !== 0) return;
    try {
      this._protocol.datagramReceived?.(data, addr);
    } catch (error) {
      this._fatalError(error, "Fatal error: protocol.datagramReceived() call failed.");
    }
  };

  private readonly _onError = (error: Error): void => {
    if (this._done) return;
    this._schedule(this._errorReceived, error);
  };

  private readonly _errorReceived = (error: Error): void => {
    if (this._connLost !== 0) return;
    try {
      this._protocol.errorReceived?.(error);
    } catch (inner) {
      this._fatalError(inner, "Fatal error: protocol.errorReceived() call failed.");
    }
  };

  private readonly _onClose = (): void => {
    if (this._done) return;
    this._schedule(() => this._forceClose(null));
  };

  private _fatalError(exc: unknown, message: string): void {
    this._loop.callExceptionHandler({ message, exception: exc, transport: this, protocol: this._protocol });
    this._forceClose(exc as Error);
  }

  private _forceClose(exc: Error | null): void {
    if (this._connLost !== 0) return;
    this._closing = true;
    this._connLost++;
    this._schedule(this._callConnectionLost, exc);
  }

  private readonly _callConnectionLost = (exc: Error | null): void => {
    try {
      this._protocol.connectionLost?.(exc);
    } finally {
      if (!this._done) {
        this._done = true;
        this._socket.close();
      }
    }
  };

  private readonly _sent = (size: number, error: Error | null): void => {
    this._bufferSize -= size;
    if (this._done) return;
    if (error) this._schedule(this._errorReceived, error);
    if (this._flow.protocolPaused || this._closing) this._schedule(this._writeReady);
  };

  private readonly _writeReady = (): void => {
    if (this._connLost !== 0) return;
    this._flow.maybeResume();
    if (this._closing && this._bufferSize === 0) {
      this._connLost++;
      this._callConnectionLost(null);
    }
  };

  /**
   * Sends one datagram of bytes-like `data` to `addr` (`[host, port]`, numeric host), or
   * to the remote address the endpoint was created with (then `addr` must be omitted or
   * equal to it). A failed send calls the protocol's `errorReceived`.
   */
  override sendto(data: BytesLike, addr?: SockAddr | null): void {
    const bytes = copyBytes(data);
    let target = addr ?? null;
    if (this._address !== null) {
      if (target !== null && !sameAddress(target, this._address)) throw new ValueError(`Invalid address: must be None or ${formatAddress(this._address)}`);
      target = null;
    } else if (target === null) {
      throw new TypeError("sendto() needs an address: this endpoint has no remote address");
    } else if (!Array.isArray(target) || typeof target[0] !== "string" || typeof target[1] !== "number") {
      throw new TypeError("addr must be a [host, port] array");
    }
    if (this._connLost !== 0) {
      if (this._connLost >= LOG_THRESHOLD_FOR_CONNLOST_WRITES) logger.warning("socket.send() raised exception.");
      this._connLost++;
      return;
    }
    const size = bytes.length;
    this._bufferSize += size;
    const callback = (error: Error | null): void => this._sent(size, error);
    if (target === null) this._socket.send(bytes, callback);
    else this._socket.send(bytes, target[1], target[0], callback);
    this._flow.maybePause();
  }

  /** Closes the endpoint once queued datagrams are sent; `connectionLost(null)` follows. */
  override close(): void {
    if (this._closing) return;
    this._closing = true;
    if (this._bufferSize === 0) {
      this._connLost++;
      this._schedule(this._callConnectionLost, null);
    }
  }

  /** Closes at once; `connectionLost(null)` follows. */
  override abort(): void {
    this._forceClose(null);
  }

  override isClosing(): boolean {
    return this._closing;
  }

  /** Bytes of datagrams handed to Node and not sent yet. */
  getWriteBufferSize(): number {
    return this._bufferSize;
  }

  /** `[low, high]`. */
  getWriteBufferLimits(): [low: number, high: number] {
    return [this._flow.low, this._flow.high];
  }

  /** As `Transport.setWriteBufferLimits`. */
  setWriteBufferLimits(high?: number | null | WriteBufferLimits, low?: number | null): void {
    const [h, l] = limitsArguments(high, low);
    this._flow.setLimits(h, l);
    this._flow.maybePause();
  }

  override setProtocol(protocol: unknown): void {
    if (typeof protocol !== "object" || protocol === null) throw new TypeError("setProtocol() needs a protocol object");
    this._protocol = protocol;
  }

  override getProtocol(): DatagramProtocolLike {
    return this._protocol;
  }

  /** @internal */
  _protocolForFlowControl(): BaseProtocolLike {
    return this._protocol;
  }

  override toString(): string {
    return `<DatagramSocketTransport${this._connLost !== 0 ? " closed" : this._closing ? " closing" : ""} bufsize=${this._bufferSize}>`;
  }
}

/** Options of `loop.createDatagramEndpoint`. */
export interface CreateDatagramEndpointOptions {
  /** The local `[host, port]` to bind to. */
  localAddr?: readonly [host: string | null, port: number | string | null] | null;
  /** The remote `[host, port]`: the endpoint is connected to it (`sendto` without an address). */
  remoteAddr?: readonly [host: string | null, port: number | string | null] | null;
  /** `socket.AF_INET` / `AF_INET6` (required when neither address is given). */
  family?: number;
  /** The protocol passed to `getaddrinfo`. */
  proto?: number;
  /** `getaddrinfo` flags. */
  flags?: number;
  /** SO_REUSEPORT (Node 22.12 or 23.1 and later). */
  reusePort?: boolean | null;
  /** SO_BROADCAST (the remote address is then not connected to). */
  allowBroadcast?: boolean | null;
  /** An existing `dgram.Socket` to use (no other option then). */
  sock?: dgram.Socket | null;
}

const DATAGRAM_OPTIONS = ["localAddr", "remoteAddr", "family", "proto", "flags", "reusePort", "allowBroadcast", "sock"] as const;

async function bindSocket(loop: BaseTrioEventLoop, socket: dgram.Socket, address: SockAddr | null): Promise<void> {
  const bound = loop.createFuture<void>();
  const onError = (error: Error): void => rejectFromHost(bound, error);
  socket.once("error", onError);
  try {
    socket.bind(address === null ? {} : { address: address[0], port: address[1] }, () => resolveFromHost(bound, undefined));
    await bound;
  } finally {
    socket.off("error", onError);
  }
}

async function connectSocket(loop: BaseTrioEventLoop, socket: dgram.Socket, address: SockAddr): Promise<void> {
  const connected = loop.createFuture<void>();
  socket.connect(address[1], address[0], (error?: Error) => (error ? rejectFromHost(connected, error) : resolveFromHost(connected, undefined)));
  await connected;
}

function checkAddrArgument(addr: unknown): void {
  if (addr !== null && addr !== undefined && !(Array.isArray(addr) && addr.length === 2)) {
    throw new TypeError(typeof addr === "string" ? "a [host, port] array is expected (Unix datagram sockets are not available)" : "2-tuple is expected: pass [host, port]");
  }
}

/**
 * Creates a datagram (UDP) endpoint (Python's `loop.create_datagram_endpoint`): binds to
 * `localAddr` and/or connects to `remoteAddr` (resolved with `getaddrinfo`), and returns
 * `[transport, protocol]` once `connectionMade` ran. asyncio-flavored.
 */
export async function createDatagramEndpoint<P extends DatagramProtocolLike>(
  loop: BaseTrioEventLoop,
  protocolFactory: () => P,
  options: CreateDatagramEndpointOptions = {},
): Promise<[DatagramSocketTransport, P]> {
  checkLoopCall(loop, "loop.createDatagramEndpoint()");
  checkProtocolFactory(protocolFactory, "loop.createDatagramEndpoint()");
  checkOptions(options, DATAGRAM_OPTIONS, "loop.createDatagramEndpoint()");
  const { localAddr = null, remoteAddr = null, family = 0, proto = 0, flags = 0, reusePort = null, allowBroadcast = null, sock = null } = options;
  if (reusePort) {
    const [major, minor] = process.versions.node.split(".").map(Number);
    if (!(major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12))) {
      throw new NotImplementedError(`reusePort needs Node >= 22.12 (this is ${process.version})`);
    }
  }
  let socket: dgram.Socket | null = null;
  let remote: SockAddr | null = null;
  let af = family;
  if (sock !== null) {
    if (!(sock instanceof dgram.Socket)) throw new TypeError("sock must be a dgram.Socket");
    const problems = Object.entries({ localAddr, remoteAddr, family, proto, flags, reusePort, allowBroadcast }).filter(([, v]) => v);
    if (problems.length > 0) {
      throw new ValueError(`socket modifier keyword arguments can not be used when sock is specified. (${problems.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ")})`);
    }
    socket = sock;
    let type = "udp4";
    try {
      type = sock.address().family === "IPv6" ? "udp6" : "udp4";
    } catch {
      // unbound
    }
    af = type === "udp6" ? C.AF_INET6 : C.AF_INET;
  } else {
    if (family === C.AF_UNIX) throw new NotImplementedError("Unix datagram sockets are not available: Node's dgram module has no AF_UNIX");
    checkAddrArgument(localAddr);
    checkAddrArgument(remoteAddr);
    let pairs: { family: number; local: SockAddr | null; remote: SockAddr | null }[];
    if (!localAddr && !remoteAddr) {
      if (family === 0) throw new ValueError("unexpected address family");
      pairs = [{ family, local: null, remote: null }];
    } else {
      const byKey = new Map<string, { family: number; local: SockAddr | null; remote: SockAddr | null }>();
      for (const [which, addr] of [
        ["local", localAddr],
        ["remote", remoteAddr],
      ] as const) {
        if (addr === null || addr === undefined) continue;
        const infos = await resolveAddrInfo(loop, addr[0], addr[1], { family, type: C.SOCK_DGRAM, proto, flags });
        if (infos.length === 0) throw new ValueError("getaddrinfo() returned empty list");
        for (const [fam, , pro, , address] of infos) {
          const key = `${fam}|${pro}`;
          let entry = byKey.get(key);
          if (entry === undefined) byKey.set(key, (entry = { family: fam, local: null, remote: null }));
          entry[which] ??= address;
        }
      }
      pairs = [...byKey.values()].filter((p) => !((localAddr && p.local === null) || (remoteAddr && p.remote === null)));
      if (pairs.length === 0) throw new ValueError("can not get address information");
    }
    const exceptions: unknown[] = [];
    for (const pair of pairs) {
      const candidate = dgram.createSocket({ type: pair.family === C.AF_INET6 ? "udp6" : "udp4", ...(reusePort ? { reusePort: true } : {}) } as dgram.SocketOptions);
      candidate.unref();
      candidate.on("error", ignoreUntilTransport);
      try {
        if (pair.local !== null || allowBroadcast) await bindSocket(loop, candidate, pair.local);
        if (allowBroadcast) candidate.setBroadcast(true);
        if (pair.remote !== null && !allowBroadcast) await connectSocket(loop, candidate, pair.remote);
      } catch (error) {
        candidate.close();
        if (error instanceof CancelledError) throw error;
        exceptions.push(error);
        continue;
      }
      socket = candidate;
      remote = pair.remote;
      af = pair.family;
      break;
    }
    if (socket === null) throw exceptions[0];
  }
  let protocol: P;
  try {
    protocol = protocolFactory();
  } catch (error) {
    socket.close();
    throw error;
  }
  const waiter = loop.createFuture<void>();
  const transport = new DatagramSocketTransport(loop, socket, protocol, remote, waiter, af);
  await waitConnectionMade(waiter, transport);
  return [transport, protocol];
}
