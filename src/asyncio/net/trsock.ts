/**
 * Socket addresses in Python's shape, and `TransportSocket` (Python's
 * `asyncio.trsock.TransportSocket`): what `transport.getExtraInfo("socket")` and
 * `server.sockets` give, a read-only view of a Node socket or server.
 */
import { isIP } from "node:net";
import type * as dgram from "node:dgram";
import type * as net from "node:net";
import { socket as C } from "./constants.js";

/**
 * An IP socket address as Python gives it: `[host, port]` for IPv4,
 * `[host, port, flowinfo, scopeId]` for IPv6. Unix socket addresses are path strings.
 */
export type SockAddr = [host: string, port: number] | [host: string, port: number, flowinfo: number, scopeId: number];

/** @internal The address family (`AF_INET` / `AF_INET6`) of a numeric IP address, or 0. */
export function familyOfAddress(address: string): number {
  const version = isIP(address);
  return version === 4 ? C.AF_INET : version === 6 ? C.AF_INET6 : 0;
}

/** @internal A Python-shaped socket address from Node's address, port and family (`"IPv6"`, 6, `AF_INET6`...). */
export function toSockAddr(address: string, port: number, family?: string | number): SockAddr {
  const v6 = family === undefined ? isIP(address) === 6 : family === "IPv6" || family === 6 || family === C.AF_INET6;
  return v6 ? [address, port, 0, 0] : [address, port];
}

function familyName(family: number): string {
  return family === C.AF_INET ? "AF_INET" : family === C.AF_INET6 ? "AF_INET6" : family === C.AF_UNIX ? "AF_UNIX" : String(family);
}

function formatAddr(addr: SockAddr | string | null): string {
  if (addr === null) return "None";
  if (typeof addr === "string") return JSON.stringify(addr);
  return `(${addr.map((part) => (typeof part === "string" ? `'${part}'` : String(part))).join(", ")})`;
}

/**
 * A view of a Node socket or listening server in the shape of Python's socket object:
 * `family`, `type`, `proto`, `getsockname()`, `getpeername()`; `nodeSocket` is the Node
 * object itself, for the options this view does not cover (`setKeepAlive`...). Sync,
 * either flavor.
 */
export class TransportSocket {
  /** @internal */
  constructor(
    /** The Node socket (`net.Socket`, `tls.TLSSocket`, `dgram.Socket`) or server (`net.Server`). */
    readonly nodeSocket: net.Socket | net.Server | dgram.Socket,
    /** `AF_INET`, `AF_INET6` or `AF_UNIX`. */
    readonly family: number,
    /** `SOCK_STREAM` or `SOCK_DGRAM`. */
    readonly type: number,
    private readonly unixNames: { sockname: string; peername: string | null } | null = null,
  ) {}

  /** The protocol number: `IPPROTO_TCP`, `IPPROTO_UDP`, or 0 for Unix sockets. */
  get proto(): number {
    if (this.family === C.AF_UNIX) return 0;
    return this.type === C.SOCK_DGRAM ? C.IPPROTO_UDP : C.IPPROTO_TCP;
  }

  /** The local address: `[host, port]` (IPv6: `[host, port, 0, 0]`), or a Unix socket's path. */
  getsockname(): SockAddr | string {
    if (this.unixNames !== null) return this.unixNames.sockname;
    // net.Socket, net.Server and dgram.Socket all tell their local address with address().
    let info: ReturnType<net.Server["address"]>;
    try {
      info = (this.nodeSocket as net.Server).address();
    } catch {
      info = null; // an unbound datagram socket
    }
    if (typeof info === "string") return info;
    if (info === null || info.address === undefined) return this.family === C.AF_INET6 ? ["::", 0, 0, 0] : ["0.0.0.0", 0];
    return toSockAddr(info.address, info.port, info.family);
  }

  /** The peer's address (same shapes as `getsockname()`); throws if there is no peer. */
  getpeername(): SockAddr | string {
    if (this.unixNames !== null) {
      if (this.unixNames.peername === null) throw notConnected();
      return this.unixNames.peername;
    }
    const handle = this.nodeSocket as Partial<net.Socket & dgram.Socket>;
    if (typeof handle.remoteAddress === "function") {
      let remote: ReturnType<dgram.Socket["remoteAddress"]>;
      try {
        remote = (handle as dgram.Socket).remoteAddress();
      } catch {
        throw notConnected();
      }
      return toSockAddr(remote.address, remote.port, remote.family);
    }
    const s = handle as net.Socket;
    if (typeof s.remoteAddress !== "string") throw notConnected();
    return toSockAddr(s.remoteAddress, s.remotePort ?? 0, s.remoteFamily);
  }

  toString(): string {
    let laddr: string;
    try {
      laddr = formatAddr(this.getsockname());
    } catch {
      laddr = "None";
    }
    let raddr = "";
    try {
      raddr = ` raddr=${formatAddr(this.getpeername())}`;
    } catch {
      // Not connected (a listening socket).
    }
    const type = this.type === C.SOCK_DGRAM ? "SOCK_DGRAM" : "SOCK_STREAM";
    return `<asyncio.TransportSocket family=${familyName(this.family)} type=${type} proto=${this.proto} laddr=${laddr}${raddr}>`;
  }
}

function notConnected(): Error {
  return Object.assign(new Error("Transport endpoint is not connected"), { code: "ENOTCONN" });
}
