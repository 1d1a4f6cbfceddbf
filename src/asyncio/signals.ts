/**
 * asyncio's signal handlers (Python's `loop.add_signal_handler` and
 * `loop.remove_signal_handler`, from `unix_events.py`) on Node's `process.on(signal)`.
 *
 * While a loop has a handler for a signal, that signal's other `process.on` listeners
 * are set aside (as Python's `signal.signal` replaces the handler) and the signal no
 * longer has Node's default action; each time the process receives it, the handler's
 * callback is queued on the loop's ready queue and runs as a loop callback
 * (asyncio-flavored, in the Context of the `addSignalHandler` call). Removing the
 * handler, or closing the loop, puts the set-aside listeners back (trio-asyncio restores
 * the previous handler; with none, the signal gets Node's default action again).
 *
 * Signals are given by name ("SIGHUP") or number (Python's `signal.SIGHUP`).
 */
import { isMainThread } from "node:worker_threads";
import { RuntimeError, ValueError } from "../errors/builtins.js";
import { describeValue } from "../errors/describe.js";
import { detachSignalListener, putBackListeners, SIGNALS, signalName, signalNumber, takeOverSignal, UNCATCHABLE, type SignalListener } from "../loop/signal-table.js";
import type { BaseTrioEventLoop } from "./base-loop.js";
import { Handle } from "./handles.js";

/**
 * Python's `signal.NSIG`: one more than the highest signal number. On Linux it counts
 * the real-time signals (65), which Node has no names for and cannot catch.
 */
export const NSIG = process.platform === "linux" ? 65 : Math.max(...Object.values(SIGNALS)) + 1;

/** A validated signal: its number, and Node's name for it (null: Node has none). */
export interface SignalId {
  number: number;
  name: NodeJS.Signals | null;
}

/**
 * @internal Python's `_check_signal`: a signal name Node knows, or an integer in
 * `1 .. NSIG - 1` (0 too with `allowZero`, for `sendSignal`). TypeError for another
 * type, ValueError for an unknown name or a number out of range.
 */
export function checkSignal(sig: unknown, call: string, allowZero = false): SignalId {
  if (typeof sig === "string") {
    const number = signalNumber(sig);
    if (number === undefined) {
      throw new ValueError(`${call}: invalid signal ${JSON.stringify(sig)}: not a signal name this platform knows (see os.constants.signals)`);
    }
    return { number, name: signalName(number) ?? (sig as NodeJS.Signals) };
  }
  if (typeof sig !== "number" || !Number.isInteger(sig)) {
    throw new TypeError(`${call}: sig must be a signal name ("SIGHUP") or an integer, not ${describeValue(sig)}`);
  }
  if (!((allowZero ? 0 : 1) <= sig && sig < NSIG)) throw new ValueError(`sig ${sig} out of range(${allowZero ? 0 : 1}, ${NSIG})`);
  return { number: sig, name: signalName(sig) ?? null };
}

/** One signal handler of one loop. */
interface Registration {
  /** The loop callback each signal queues (replaced when the handler is added again). */
  handle: Handle;
  readonly listener: SignalListener;
  /** The listeners set aside while this handler is installed, restored when it goes. */
  readonly saved: SignalListener[];
}

const registries = new WeakMap<BaseTrioEventLoop, Map<NodeJS.Signals, Registration>>();

/** The handlers of `loop`, made on first use. */
function registry(loop: BaseTrioEventLoop): Map<NodeJS.Signals, Registration> {
  let regs = registries.get(loop);
  if (regs === undefined) {
    regs = new Map();
    registries.set(loop, regs);
  }
  return regs;
}

/**
 * @internal `loop.addSignalHandler(sig, callback, ...args)` (the loop checked `callback`).
 * A second handler for the same signal replaces the first.
 */
export function addSignalHandler(loop: BaseTrioEventLoop, sig: unknown, callback: (...args: never[]) => unknown, args: unknown[]): void {
  const { number, name } = checkSignal(sig, "addSignalHandler()");
  loop._checkClosed();
  if (!isMainThread) {
    throw new RuntimeError("addSignalHandler() works only in the main thread: Node delivers process signals there only");
  }
  if (name === null || UNCATCHABLE.has(name)) throw new RuntimeError(`sig ${number} cannot be caught`);
  const handle = new Handle(callback, args, loop);
  const regs = registry(loop);
  const existing = regs.get(name);
  if (existing !== undefined) {
    existing.handle = handle;
    return;
  }
  const listener: SignalListener = () => {
    const reg = regs.get(name);
    if (reg === undefined || reg.listener !== listener || loop.isClosed()) return;
    try {
      loop._enqueue(reg.handle);
    } catch (error) {
      loop.callExceptionHandler({ message: `Cannot schedule the handler of ${name}`, exception: error, handle: reg.handle });
    }
  };
  let saved: SignalListener[];
  try {
    saved = takeOverSignal(name, listener);
  } catch (error) {
    throw new RuntimeError(`sig ${number} cannot be caught: ${(error as Error).message}`, { cause: error });
  }
  regs.set(name, { handle, listener, saved });
}

/** @internal `loop.removeSignalHandler(sig)`: whether a handler was removed. */
export function removeSignalHandler(loop: BaseTrioEventLoop, sig: unknown): boolean {
  const { name } = checkSignal(sig, "removeSignalHandler()");
  if (name === null) return false;
  const regs = registries.get(loop);
  const reg = regs?.get(name);
  if (reg === undefined) return false;
  regs!.delete(name);
  uninstall(name, reg);
  return true;
}

/** Puts back the listeners set aside (in front, in their order), then detaches ours. */
function uninstall(name: NodeJS.Signals, reg: Registration): void {
  putBackListeners(name, reg.saved);
  detachSignalListener(name, reg.listener);
}

/** @internal Removes every signal handler of `loop` (it closed). */
export function removeAllSignalHandlers(loop: BaseTrioEventLoop): void {
  const regs = registries.get(loop);
  if (regs === undefined) return;
  for (const [name, reg] of [...regs]) {
    regs.delete(name);
    uninstall(name, reg);
  }
}

/** @internal The signals `loop` has handlers for (tests, introspection). */
export function signalHandlersOf(loop: BaseTrioEventLoop): NodeJS.Signals[] {
  return [...(registries.get(loop)?.keys() ?? [])];
}
