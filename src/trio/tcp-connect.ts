/**
 * The connecting side of Trio's TCP: resolving a host (Node's `dns.lookup` or the run's
 * custom resolver), one connection attempt per address (`net.connect` or the run's
 * custom socket factory), raced by Happy Eyeballs; and the waits every Trio socket
 * opener shares.
 */
import dns from "node:dns";
import type { EventEmitter } from "node:events";
import net from "node:net";
import { runInFrame } from "../contextvars/frame.js";
import { ValueError } from "../errors/builtins.js";
import { describeValue } from "../errors/describe.js";
import { OSError, toOSError } from "../errors/os-errors.js";
import { currentTrioTask } from "../loop/current.js";
import type { Task } from "../loop/task.js";
import { DEFAULT_HAPPY_EYEBALLS_DELAY, formatHostPort, happyEyeballs, type HappyEyeballsTarget } from "./happy-eyeballs.js";
import { EventWaiter } from "./node-streams.js";
import { customHostnameResolver, customSocketFactory } from "./socket-hooks.js";

/**
 * @internal Calls `make` in the run's neutral frame: the Node handle it creates, and so
 * its event callbacks, then belong to no task (a wake-up from them is released at once).
 */
export function inRunFrame<T>(task: Task, make: () => T): T {
  return runInFrame(task.runner.frame, make);
}

/**
 * @internal Waits until `emitter` emits `event`, or throws the error it emits first.
 * `start` (if any) runs once the listeners are on, in the run's frame. `abandon` (destroy
 * the socket, close the server) runs on a cancel or an error.
 */
export async function waitForEvent(task: Task, emitter: EventEmitter, event: string, what: string, abandon: () => void, start?: () => void): Promise<void> {
  const waiter = new EventWaiter();
  let error: unknown = null;
  const onEvent = (): void => waiter.wake();
  const onError = (e: unknown): void => {
    error = e;
    waiter.wake();
  };
  emitter.once(event, onEvent);
  emitter.once("error", onError);
  if (start !== undefined) inRunFrame(task, start);
  try {
    await waiter.wait(task, what, abandon);
  } finally {
    emitter.off(event, onEvent);
    emitter.off("error", onError);
  }
  if (error !== null) {
    abandon();
    throw error;
  }
}

/** @internal Waits for `socket` to connect (`event`: "connect", or "secureConnect" for TLS); a cancel destroys the half-open socket. */
export function waitConnected(task: Task, socket: net.Socket, event: string, what: string): Promise<void> {
  return waitForEvent(task, socket, event, what, () => socket.destroy());
}

/** @internal The `happyEyeballsDelay` option, checked: seconds >= 0 (default: Trio's 0.25). */
export function checkHappyEyeballsDelay(value: unknown): number {
  const delay = value ?? DEFAULT_HAPPY_EYEBALLS_DELAY;
  if (typeof delay !== "number" || !(delay >= 0)) throw new ValueError("happyEyeballsDelay must be a number of seconds >= 0");
  return delay;
}

export function checkPort(port: unknown, call: string): number {
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError(`${call}: port must be an integer from 0 to 65535, got ${describeValue(port)}`);
  }
  return port;
}

/**
 * @internal The connect routine of `openTcpStream` and `openSslOverTcpStream` (options
 * already checked): resolves `host`, runs Happy Eyeballs over its addresses, and returns
 * `wrap(socket)` for the winning socket (closed if `wrap` throws). `call`
 * ("trio.openTcpStream") names the caller in errors and wait descriptions. Trio-flavored.
 */
export async function connectTcp<R>(
  host: string,
  port: number,
  options: { happyEyeballsDelay: number; localAddress?: string },
  call: string,
  wrap: (socket: net.Socket) => R,
): Promise<R> {
  checkPort(port, `${call}()`);
  const what = `${call}(${JSON.stringify(host)}, ${port})`;
  const targets = await resolveTargets(host, port, what);
  const attempt = (target: HappyEyeballsTarget, track: (socket: net.Socket) => void): Promise<net.Socket> =>
    connectAttempt(target, port, options.localAddress, what, track);
  return happyEyeballs(targets, options.happyEyeballsDelay, attempt, wrap, formatHostPort(host, port));
}

/** Every address of `host` to try, in the resolver's order; a literal address is its own. */
async function resolveTargets(host: string, port: number, call: string): Promise<HappyEyeballsTarget[]> {
  const literal = net.isIP(host);
  if (literal !== 0) return [{ family: literal, address: host }];
  const task = currentTrioTask(call);
  const resolver = customHostnameResolver(task.runner);
  // `verbatim`: the system resolver's order, which Trio trusts, even when
  // `--dns-result-order=ipv4first` or `dns.setDefaultResultOrder` say otherwise.
  if (resolver === null) return (await lookupAll(task, host, { verbatim: true })).map((a) => ({ family: a.family, address: a.address }));
  return checkResolved(await resolver.getaddrinfo(host, port, { family: 0 }));
}

/**
 * @internal Node's `dns.lookup` of every address of `host`, as a cancellable wait (an
 * abandoned lookup's answer is dropped); its errors as OSErrors. Trio-flavored.
 */
export async function lookupAll(task: Task, host: string, options: { verbatim?: boolean } = {}): Promise<dns.LookupAddress[]> {
  const waiter = new EventWaiter();
  let result: dns.LookupAddress[] | null = null;
  let failure: unknown = null;
  dns.lookup(host, { ...options, all: true }, (error, addresses) => {
    if (error !== null) failure = toOSError(error);
    else result = addresses;
    waiter.wake();
  });
  await waiter.wait(task, `resolving ${JSON.stringify(host)}`);
  if (failure !== null) throw failure;
  return result!;
}

/** A custom resolver's answer, checked: a wrong shape fails here, not as a strange connect error later. */
function checkResolved(answer: unknown): HappyEyeballsTarget[] {
  if (!Array.isArray(answer)) {
    throw new TypeError(`the custom hostname resolver's getaddrinfo() must return an array of { address, family }, got ${describeValue(answer)}`);
  }
  return answer.map((entry: unknown): HappyEyeballsTarget => {
    const { address, family } = (typeof entry === "object" && entry !== null ? entry : {}) as { address?: unknown; family?: unknown };
    const actual = typeof address === "string" ? net.isIP(address) : 0;
    if (actual === 0) {
      throw new TypeError(`the custom hostname resolver's getaddrinfo() returned ${describeValue(entry)}: each entry needs an IP address as \`address\``);
    }
    if (family !== undefined && family !== actual) {
      throw new TypeError(`the custom hostname resolver's getaddrinfo() returned family ${describeValue(family)} for ${String(address)}, an IPv${actual} address`);
    }
    return { family: actual, address: address as string };
  });
}

/**
 * One Happy Eyeballs attempt (in its own task): the socket from the run's socket factory
 * (or `net.connect`), tracked at once so that a cancel closes it, then its connection.
 */
async function connectAttempt(
  target: HappyEyeballsTarget,
  port: number,
  localAddress: string | undefined,
  call: string,
  track: (socket: net.Socket) => void,
): Promise<net.Socket> {
  const task = currentTrioTask(call);
  const family = target.family === 6 ? 6 : 4;
  const factory = customSocketFactory(task.runner);
  let socket: net.Socket;
  if (factory === null) {
    // Half-closeable: the peer's end of stream does not end our sending side.
    socket = inRunFrame(task, () => net.connect({ host: target.address, port, family, localAddress, allowHalfOpen: true }));
  } else {
    socket = checkFactorySocket(await factory.socket({ family, address: target.address, port, localAddress }));
  }
  track(socket);
  if (socket.connecting) {
    try {
      await waitConnected(task, socket, "connect", call);
    } catch (error) {
      throw attemptError(error, localAddress, target.address, port);
    }
  } else if (socket.destroyed) {
    throw new OSError(`the socket for ${formatHostPort(target.address, port)} was closed before it connected`);
  }
  return socket;
}

function checkFactorySocket(socket: unknown): net.Socket {
  const s = socket as Partial<net.Socket> | null;
  if (typeof s !== "object" || s === null || typeof s.once !== "function" || typeof s.off !== "function" || typeof s.destroy !== "function") {
    throw new TypeError(`the custom socket factory's socket() must return a net.Socket (or a promise of one), got ${describeValue(socket)}`);
  }
  return socket as net.Socket;
}

/**
 * An attempt's error as Trio reports it: a failed bind of `localAddress` says which
 * local and remote addresses clash (Node's code and error kept); others as OSErrors.
 */
function attemptError(error: unknown, localAddress: string | undefined, address: string, port: number): unknown {
  const e = error as { code?: unknown; syscall?: unknown; errno?: unknown } | null;
  if (localAddress !== undefined && typeof e === "object" && e !== null && e.syscall === "bind" && typeof e.code === "string") {
    return new OSError(`localAddress=${JSON.stringify(localAddress)} is incompatible with remote address ${formatHostPort(address, port)}`, {
      code: e.code,
      errno: typeof e.errno === "number" ? e.errno : undefined,
      syscall: "bind",
      cause: error,
    });
  }
  return toOSError(error);
}
