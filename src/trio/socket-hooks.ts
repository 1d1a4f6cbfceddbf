/**
 * `trio.socket`: the hooks of Trio's `trio.socket` module that decide how Trio's
 * networking finds addresses and makes sockets: `setCustomHostnameResolver` and
 * `setCustomSocketFactory`. Trio keeps them in a RunVar; here they live per engine run
 * too, so one run's fake resolver never leaks into another run.
 * @packageDocumentation
 */
import type net from "node:net";
import { describeValue } from "../errors/describe.js";
import { currentRunner } from "../loop/current.js";
import type { Runner } from "../loop/runner.js";

/** Options a `HostnameResolver` is asked with (Trio passes getaddrinfo's family, type, proto and flags). */
export interface HostnameResolverOptions {
  /** The address family wanted: 0 for any (Python's `AF_UNSPEC`), 4 or 6. `openTcpStream` asks for 0. */
  readonly family: 0 | 4 | 6;
}

/** One address a `HostnameResolver` found: Node's `dns.LookupAddress` shape. */
export interface ResolvedAddress {
  /** An IPv4 or IPv6 address (not a name). */
  readonly address: string;
  /** 4 or 6; when left out, taken from `address`. */
  readonly family?: number;
}

/**
 * Resolves host names for Trio's networking (Trio's `trio.abc.HostnameResolver`), in
 * place of Node's `dns.lookup`. `getaddrinfo` is called from a Trio task, so it may use
 * Trio primitives (`trio.sleep` on a MockClock, cancellation); it returns every address
 * of `host`, in the order they should be tried, or throws (an `OSError` as `dns.lookup`'s
 * errors become, by convention). Numeric addresses never reach it. Trio-flavored.
 */
export interface HostnameResolver {
  /** Every address of `host` (a name, never an IP address) for a connection to `port`. Trio-flavored. */
  getaddrinfo(host: string, port: number, options: HostnameResolverOptions): Promise<readonly ResolvedAddress[]>;
}

/** What a `SocketFactory` is asked to connect: one address of a Happy Eyeballs attempt. */
export interface ConnectTarget {
  /** 4 or 6: the family of `address`. */
  readonly family: 4 | 6;
  /** The IP address to connect to. */
  readonly address: string;
  /** The port to connect to. */
  readonly port: number;
  /** The local address to bind before connecting (`openTcpStream`'s `localAddress`), if any. */
  readonly localAddress: string | undefined;
}

/**
 * Makes the socket of one connection attempt (Trio's `trio.abc.SocketFactory`). Node
 * creates and connects a socket in one call (`net.connect`), so unlike Trio's,
 * `socket(target)` returns a socket that is already connecting to `target` (as
 * `net.connect` does), or already connected, or a promise of one. `openTcpStream` then
 * owns it: it waits for its `"connect"` event while `socket.connecting` is true (an
 * `"error"` event fails the attempt), wraps the winner in a `SocketStream`, and calls
 * `destroy()` on every other socket, including on cancellation. A fake for tests can
 * subclass `net.Socket` (no handle needed), set `connecting`, and emit `"connect"` or
 * `"error"` later. Errors the factory throws that are `OSError`s (or Node system errors)
 * fail just that attempt, as a refused connect does; other errors abort the whole open.
 * `socket` is called from the attempt's Trio task, so it may use Trio primitives; until
 * it returns, a socket it made is its own to close. Trio-flavored.
 */
export interface SocketFactory {
  /** A socket connecting to `target` (see the interface). Trio-flavored. */
  socket(target: ConnectTarget): net.Socket | Promise<net.Socket>;
}

interface RunHooks {
  resolver: HostnameResolver | null;
  factory: SocketFactory | null;
}

// Keyed by the run: a finished run's hooks are collected with it.
const hooksByRun = new WeakMap<Runner, RunHooks>();

function hooksOf(runner: Runner): RunHooks {
  let hooks = hooksByRun.get(runner);
  if (hooks === undefined) {
    hooks = { resolver: null, factory: null };
    hooksByRun.set(runner, hooks);
  }
  return hooks;
}

function hasMethod(value: unknown, name: string): boolean {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as Record<string, unknown>)[name] === "function";
}

/**
 * Makes Trio's networking resolve host names with `resolver` for the rest of this run
 * (Trio's `trio.socket.set_custom_hostname_resolver`); `null` restores Node's
 * `dns.lookup`. Returns the resolver that was set before (`null` for the default). Sync;
 * call it inside a run (either flavor).
 */
export function setCustomHostnameResolver(resolver: HostnameResolver | null): HostnameResolver | null {
  if (resolver !== null && !hasMethod(resolver, "getaddrinfo")) {
    throw new TypeError(`setCustomHostnameResolver() needs an object with a getaddrinfo(host, port, options) method, or null, got ${describeValue(resolver)}`);
  }
  const hooks = hooksOf(currentRunner("trio.socket.setCustomHostnameResolver()"));
  const previous = hooks.resolver;
  hooks.resolver = resolver;
  return previous;
}

/**
 * Makes Trio's networking create its connecting sockets with `factory` for the rest of
 * this run (Trio's `trio.socket.set_custom_socket_factory`); `null` restores
 * `net.connect`. Returns the factory that was set before (`null` for the default). Sync;
 * call it inside a run (either flavor).
 */
export function setCustomSocketFactory(factory: SocketFactory | null): SocketFactory | null {
  if (factory !== null && !hasMethod(factory, "socket")) {
    throw new TypeError(`setCustomSocketFactory() needs an object with a socket(target) method, or null, got ${describeValue(factory)}`);
  }
  const hooks = hooksOf(currentRunner("trio.socket.setCustomSocketFactory()"));
  const previous = hooks.factory;
  hooks.factory = factory;
  return previous;
}

/** @internal The run's custom resolver, or null for Node's `dns.lookup`. */
export function customHostnameResolver(runner: Runner): HostnameResolver | null {
  return hooksByRun.get(runner)?.resolver ?? null;
}

/** @internal The run's custom socket factory, or null for `net.connect`. */
export function customSocketFactory(runner: Runner): SocketFactory | null {
  return hooksByRun.get(runner)?.factory ?? null;
}
