/**
 * The `socket` module constants asyncio's networking API takes (`family`, `type`,
 * `proto`, `flags` of `getaddrinfo`, `createConnection`, `createServer`...), and
 * asyncio's own limits. The values are Linux's; they are tokens of this API only (Node
 * is told `4` / `6` and its own hint flags), so they are the same on every platform.
 */

/** Python's `socket` constants used by asyncio's networking (Linux values). Sync, either flavor. */
export const socket = Object.freeze({
  AF_UNSPEC: 0,
  AF_UNIX: 1,
  AF_INET: 2,
  AF_INET6: 10,
  SOCK_STREAM: 1,
  SOCK_DGRAM: 2,
  SOCK_RAW: 3,
  IPPROTO_IP: 0,
  IPPROTO_TCP: 6,
  IPPROTO_UDP: 17,
  AI_PASSIVE: 0x1,
  AI_CANONNAME: 0x2,
  AI_NUMERICHOST: 0x4,
  AI_V4MAPPED: 0x8,
  AI_ALL: 0x10,
  AI_ADDRCONFIG: 0x20,
  AI_NUMERICSERV: 0x400,
  NI_NUMERICHOST: 0x1,
  NI_NUMERICSERV: 0x2,
  NI_NOFQDN: 0x4,
  NI_NAMEREQD: 0x8,
  NI_DGRAM: 0x10,
});

/** @internal StreamReader's default limit (64 KiB), as asyncio's `_DEFAULT_LIMIT`. */
export const DEFAULT_LIMIT = 2 ** 16;

/** @internal Writes to a lost connection are counted; from this many on, each one is logged. */
export const LOG_THRESHOLD_FOR_CONNLOST_WRITES = 5;

/** @internal Seconds a TLS handshake may take by default (asyncio's `SSL_HANDSHAKE_TIMEOUT`). */
export const SSL_HANDSHAKE_TIMEOUT = 60;

/** @internal Received bytes a transport holds for its protocol before Node stops reading the socket. */
export const MAX_PENDING_READ = 256 * 1024;
