/**
 * What both flavors' signal support shares about Node's process signals: the names and
 * numbers of this platform, the signals that cannot be caught, the ones Node ignores at
 * startup, and how a listener is attached without any task's async context.
 */
import type { ChildProcess } from "node:child_process";
import os from "node:os";
import { runInFrame, type Frame } from "../contextvars/frame.js";

/** @internal Node's signal names and their numbers on this platform. */
export const SIGNALS = os.constants.signals as Readonly<Record<string, number>>;

const NAMES_BY_NUMBER = new Map<number, NodeJS.Signals>();
for (const [name, number] of Object.entries(SIGNALS)) {
  if (!NAMES_BY_NUMBER.has(number)) NAMES_BY_NUMBER.set(number, name as NodeJS.Signals);
}

/** @internal The number of signal `name` on this platform, or undefined. */
export function signalNumber(name: string): number | undefined {
  return Object.prototype.hasOwnProperty.call(SIGNALS, name) ? SIGNALS[name] : undefined;
}

/** @internal The canonical name of signal `number` (the first Node lists: SIGABRT before SIGIOT), or undefined. */
export function signalName(number: number): NodeJS.Signals | undefined {
  return NAMES_BY_NUMBER.get(number);
}

/** @internal Signals no process can catch (the OS refuses). */
export const UNCATCHABLE: ReadonlySet<string> = new Set(["SIGKILL", "SIGSTOP"]);

/**
 * @internal Signals Node ignores at startup. Once the last listener of such a signal goes,
 * libuv gives it the OS default (which for these kills the process), so `keepIgnored` is
 * left installed instead, keeping Node's behaviour.
 */
export const IGNORED_BY_NODE: ReadonlySet<string> = new Set(["SIGPIPE", "SIGXFSZ"]);

/** @internal The do-nothing listener that keeps an IGNORED_BY_NODE signal ignored (one for both flavors). */
export function keepIgnored(): void {}

/** @internal A process signal listener. */
export type SignalListener = (...args: unknown[]) => void;

/**
 * @internal Listeners of closed Trio signal receivers, still attached for a moment (see
 * trio/signals.ts `SignalReceiver.close`): nobody's listener to set aside or count.
 */
export const lateListeners = new Set<SignalListener>();

/** @internal How many listeners `sig` has besides `ours` and the late ones. */
export function otherListeners(sig: NodeJS.Signals, ours: SignalListener): number {
  let count = 0;
  for (const listener of process.rawListeners(sig)) {
    if (listener !== ours && !lateListeners.has(listener as SignalListener)) count++;
  }
  return count;
}

/**
 * @internal Attaches `listener` to `sig`, then sets aside the listeners it had (but the
 * late ones), returned in their order. Attach first: the signal's handle never closes
 * in between, so the signal never falls back to its OS default meanwhile. Throws what
 * Node throws for a signal it cannot watch, with nothing set aside.
 */
export function takeOverSignal(sig: NodeJS.Signals, listener: SignalListener): SignalListener[] {
  const previous = (process.rawListeners(sig) as SignalListener[]).filter((other) => !lateListeners.has(other));
  outsideFrames(() => process.on(sig, listener));
  for (const other of previous) process.removeListener(sig, other);
  return previous;
}

/** @internal Puts back listeners `takeOverSignal` set aside: in front, in their order. */
export function putBackListeners(sig: NodeJS.Signals, saved: readonly SignalListener[]): void {
  for (let i = saved.length - 1; i >= 0; i--) process.prependListener(sig, saved[i]);
}

/** @internal Removes `listener` from `sig` for good, keeping Node's "ignore" where it applied. */
export function detachSignalListener(sig: NodeJS.Signals, listener: SignalListener): void {
  if (IGNORED_BY_NODE.has(sig) && otherListeners(sig, listener) === 0 && !process.rawListeners(sig).includes(keepIgnored)) {
    process.on(sig, keepIgnored);
  }
  process.removeListener(sig, listener);
}

/**
 * @internal Runs `fn` outside every async-context frame: the Node signal handle that the
 * first listener of a signal creates outlives the caller's task, and must not keep its
 * frame; callbacks from it belong to no task.
 */
export function outsideFrames(fn: () => void): void {
  runInFrame(undefined as unknown as Frame, fn);
}

/**
 * @internal `child.kill(sig)`, throwing Node's error when the OS refuses (EPERM...):
 * Node reports that as an 'error' event on the child, synchronously, not as a throw.
 */
export function killChild(child: ChildProcess, sig: NodeJS.Signals | number): void {
  let error: unknown = null;
  const onError = (e: unknown): void => {
    error ??= e;
  };
  child.on("error", onError);
  try {
    child.kill(sig);
  } finally {
    child.off("error", onError);
  }
  if (error !== null) throw error;
}
