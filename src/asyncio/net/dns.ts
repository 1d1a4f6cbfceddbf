/**
 * `loop.getaddrinfo` and `loop.getnameinfo` on Node's resolver (`dns.lookup`, which is
 * the system's getaddrinfo run on libuv's thread pool, and `dns.lookupService`), with
 * Python's result shapes. Resolver errors are Node's (`ENOTFOUND` for an unknown host:
 * Python's `socket.gaierror`).
 */
import * as dns from "node:dns";
import { isIP } from "node:net";
import { ValueError } from "../../errors/builtins.js";
import type { BaseTrioEventLoop } from "../base-loop.js";
import { socket as C } from "./constants.js";
import { gaiError } from "./errors.js";
import { toSockAddr, type SockAddr } from "./trsock.js";
import { checkLoopCall, checkOptions, rejectFromHost, resolveFromHost } from "./util.js";

/** One result of `getaddrinfo`: `[family, type, proto, canonname, sockaddr]`, as in Python. */
export type AddrInfo = [family: number, type: number, proto: number, canonname: string, sockaddr: SockAddr];

/** Options of `loop.getaddrinfo` (the `socket` constants: `socket.AF_INET`, `socket.SOCK_STREAM`, `socket.AI_PASSIVE`...). */
export interface GetaddrinfoOptions {
  /** `AF_UNSPEC` (0, the default), `AF_INET` or `AF_INET6`. */
  family?: number;
  /** `SOCK_STREAM`, `SOCK_DGRAM`, `SOCK_RAW`, or 0 (the default: all three). */
  type?: number;
  /** The protocol (default 0: the type's usual one). */
  proto?: number;
  /** `AI_*` flags: `AI_PASSIVE`, `AI_NUMERICHOST`, `AI_CANONNAME`, `AI_ADDRCONFIG`, `AI_V4MAPPED`, `AI_ALL`, `AI_NUMERICSERV`. */
  flags?: number;
}

const GETADDRINFO_OPTIONS = ["family", "type", "proto", "flags"] as const;

/** @internal The port of `getaddrinfo`: a number, a numeric string, or null/undefined (0). */
export function parsePort(port: unknown, host: string | null): number {
  if (port === null || port === undefined) return 0;
  if (typeof port === "number") {
    if (!Number.isInteger(port)) throw new TypeError(`port must be an integer, got ${port}`);
    if (port < 0 || port > 65535) throw new ValueError(`port must be 0-65535, got ${port}`);
    return port;
  }
  if (typeof port === "string") {
    if (/^\d+$/.test(port)) return parsePort(Number(port), host);
    throw gaiError("EAI_SERVICE", "getaddrinfo", host, `service name ${JSON.stringify(port)} is not supported (Node has no services database): pass a port number`);
  }
  throw new TypeError(`port must be an integer, a numeric string or null, not '${typeof port}'`);
}

function nodeFamily(family: number, host: string | null): 0 | 4 | 6 {
  if (family === C.AF_UNSPEC) return 0;
  if (family === C.AF_INET) return 4;
  if (family === C.AF_INET6) return 6;
  throw gaiError("EAI_FAMILY", "getaddrinfo", host, `address family ${family} is not supported (use socket.AF_INET, socket.AF_INET6 or socket.AF_UNSPEC)`);
}

function typesAndProtos(type: number, proto: number): [number, number][] {
  const usual = (t: number): number => (proto !== 0 ? proto : t === C.SOCK_STREAM ? C.IPPROTO_TCP : t === C.SOCK_DGRAM ? C.IPPROTO_UDP : 0);
  const types = type === 0 ? [C.SOCK_STREAM, C.SOCK_DGRAM, C.SOCK_RAW] : [type];
  return types.map((t) => [t, usual(t)]);
}

/** The addresses a host stands for: numeric hosts as they are, others through `dns.lookup`. */
function lookupAddresses(loop: BaseTrioEventLoop, host: string | null, family: 0 | 4 | 6, flags: number): Promise<{ address: string; family: number }[]> | { address: string; family: number }[] {
  if (host === null || host === "") {
    // Python's host None: the wildcard addresses with AI_PASSIVE, else the loopback ones.
    const passive = (flags & C.AI_PASSIVE) !== 0;
    const list = [
      { address: passive ? "0.0.0.0" : "127.0.0.1", family: 4 },
      { address: passive ? "::" : "::1", family: 6 },
    ];
    return list.filter((a) => family === 0 || a.family === family);
  }
  const version = isIP(host);
  if (version !== 0) {
    if (family !== 0 && family !== version) {
      throw gaiError("EAI_ADDRFAMILY", "getaddrinfo", host, "the address does not belong to the requested family");
    }
    return [{ address: host, family: version }];
  }
  if ((flags & C.AI_NUMERICHOST) !== 0) throw gaiError("ENOTFOUND", "getaddrinfo", host, "AI_NUMERICHOST was given and the host is not a numeric address");
  let hints = 0;
  if ((flags & C.AI_ADDRCONFIG) !== 0) hints |= dns.ADDRCONFIG;
  if ((flags & C.AI_V4MAPPED) !== 0) hints |= dns.V4MAPPED;
  if ((flags & C.AI_ALL) !== 0) hints |= dns.ALL;
  const future = loop.createFuture<{ address: string; family: number }[]>();
  dns.lookup(host, { all: true, family, hints, verbatim: true }, (error, addresses) => {
    if (error) rejectFromHost(future, error);
    else resolveFromHost(future, addresses);
  });
  return awaitFuture(future);
}

async function awaitFuture<T>(future: PromiseLike<T>): Promise<T> {
  return await future;
}

/** @internal `getaddrinfo` without the caller check (the networking coroutines use it). */
export async function resolveAddrInfo(
  loop: BaseTrioEventLoop,
  host: string | null | undefined,
  port: unknown,
  options: GetaddrinfoOptions = {},
): Promise<AddrInfo[]> {
  const name = host ?? null;
  if (name !== null && typeof name !== "string") throw new TypeError(`host must be a string or null, not '${typeof name}'`);
  const { family = 0, type = 0, proto = 0, flags = 0 } = options;
  const portNumber = parsePort(port, name);
  const addresses = await lookupAddresses(loop, name, nodeFamily(family, name), flags);
  const result: AddrInfo[] = [];
  const pairs = typesAndProtos(type, proto);
  for (const { address, family: version } of addresses) {
    const af = version === 6 ? C.AF_INET6 : C.AF_INET;
    for (const [t, p] of pairs) {
      const canonname = result.length === 0 && (flags & C.AI_CANONNAME) !== 0 && name !== null ? name : "";
      result.push([af, t, p, canonname, toSockAddr(address, portNumber, version)]);
    }
  }
  return result;
}

/**
 * Resolves `host` and `port` into socket addresses (Python's `loop.getaddrinfo`): a list
 * of `[family, type, proto, canonname, sockaddr]`. Numeric hosts are not looked up;
 * a null host gives the wildcard addresses with `AI_PASSIVE`, else the loopback ones.
 * An unknown host fails with Node's `ENOTFOUND` error (Python's `socket.gaierror`).
 * Ports are numbers (or numeric strings): Node has no services database. `canonname`
 * (with `AI_CANONNAME`) is the host as given, since Node's resolver does not report
 * canonical names. asyncio-flavored.
 */
export async function getaddrinfo(loop: BaseTrioEventLoop, host: string | null | undefined, port: unknown, options: GetaddrinfoOptions = {}): Promise<AddrInfo[]> {
  checkLoopCall(loop, "loop.getaddrinfo()");
  checkOptions(options, GETADDRINFO_OPTIONS, "loop.getaddrinfo()");
  return resolveAddrInfo(loop, host, port, options);
}

/**
 * Turns a socket address into `[host, service]` (Python's `loop.getnameinfo`) with
 * `dns.lookupService`; the host must be a numeric address, as in Python. `NI_NUMERICHOST`
 * and `NI_NUMERICSERV` keep the address and the port as they are. asyncio-flavored.
 */
export async function getnameinfo(loop: BaseTrioEventLoop, sockaddr: readonly unknown[], flags = 0): Promise<[host: string, service: string]> {
  checkLoopCall(loop, "loop.getnameinfo()");
  if (!Array.isArray(sockaddr) || sockaddr.length < 2 || sockaddr.length > 4) {
    throw new TypeError("getnameinfo() argument 1 must be a sockaddr array: [host, port] or [host, port, flowinfo, scopeId]");
  }
  const [host, port] = sockaddr as [unknown, unknown];
  if (typeof host !== "string") throw new TypeError(`getnameinfo(): the host must be a string, not '${typeof host}'`);
  if (typeof flags !== "number" || !Number.isInteger(flags)) throw new TypeError("getnameinfo(): flags must be an integer");
  const portNumber = parsePort(port, host);
  if (isIP(host) === 0) throw gaiError("ENOTFOUND", "getnameinfo", host, "the host must be a numeric address");
  const numericHost = (flags & C.NI_NUMERICHOST) !== 0;
  const numericServ = (flags & C.NI_NUMERICSERV) !== 0;
  if (numericHost && numericServ) return [host, String(portNumber)];
  const future = loop.createFuture<[string, string]>();
  dns.lookupService(host, portNumber, (error, hostname, service) => {
    if (error) rejectFromHost(future, error);
    else resolveFromHost(future, [numericHost ? host : hostname, numericServ ? String(portNumber) : service]);
  });
  return await future;
}

/**
 * @internal Python's `_interleave_addrinfos`: alternates address families, starting with
 * the first one's (`firstAddressFamilyCount` of it first), for Happy Eyeballs.
 */
export function interleaveAddrinfos(infos: AddrInfo[], firstAddressFamilyCount = 1): AddrInfo[] {
  const byFamily = new Map<number, AddrInfo[]>();
  for (const info of infos) {
    const list = byFamily.get(info[0]);
    if (list === undefined) byFamily.set(info[0], [info]);
    else list.push(info);
  }
  const lists = [...byFamily.values()];
  const reordered: AddrInfo[] = [];
  if (firstAddressFamilyCount > 1) {
    reordered.push(...lists[0].slice(0, firstAddressFamilyCount - 1));
    lists[0] = lists[0].slice(firstAddressFamilyCount - 1);
  }
  const longest = Math.max(0, ...lists.map((l) => l.length));
  for (let i = 0; i < longest; i++) for (const list of lists) if (i < list.length) reordered.push(list[i]);
  return reordered;
}
