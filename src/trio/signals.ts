/**
 * Trio's `open_signal_receiver` on Node's `process.on(signal)`: a receiver that catches
 * the given signals while it is open and yields them to a Trio task, with Trio's
 * coalescing and re-delivery rules.
 */
import { isMainThread } from "node:worker_threads";
import { RuntimeError, ValueError } from "../errors/builtins.js";
import { describeValue } from "../errors/describe.js";
import { currentTrioTask } from "../loop/current.js";
import {
  detachSignalListener,
  IGNORED_BY_NODE,
  lateListeners,
  otherListeners,
  outsideFrames,
  putBackListeners,
  signalName,
  signalNumber,
  takeOverSignal,
  UNCATCHABLE,
  type SignalListener,
} from "../loop/signal-table.js";
import { checkpoint } from "../loop/traps.js";
import { ConflictDetector } from "./conflict-detector.js";
import { EventWaiter } from "./node-streams.js";

/**
 * @internal Validates a signal given by name or number and returns its name. Throws
 * TypeError for a value of the wrong type, ValueError for an unknown signal.
 */
export function toSignalName(sig: unknown, call: string): NodeJS.Signals {
  if (typeof sig === "string") {
    if (signalNumber(sig) === undefined) {
      throw new ValueError(`${call}: invalid signal value ${JSON.stringify(sig)}: not a signal name this platform knows (see os.constants.signals)`);
    }
    return sig as NodeJS.Signals;
  }
  if (typeof sig === "number") {
    if (!Number.isInteger(sig)) throw new TypeError(`${call}: a signal number must be an integer, got ${describeValue(sig)}`);
    const name = signalName(sig);
    if (name === undefined) throw new ValueError(`${call}: signal number out of range: ${sig}`);
    return name;
  }
  throw new TypeError(`${call}: a signal must be a name ("SIGHUP") or a number, got ${describeValue(sig)}`);
}

/** Keeps a first error visible when a second one replaces it, as Python's `__context__` does. */
function chain(error: unknown, first: unknown): unknown {
  if (typeof error === "object" && error !== null && !("cause" in error) && Object.isExtensible(error)) {
    Object.defineProperty(error, "cause", { value: first, writable: true, configurable: true, enumerable: false });
  }
  return error;
}

/**
 * What `trio.openSignalReceiver(...)` returns: an async iterator of the signals caught
 * while it is open (`trio`'s `SignalReceiver`). Each signal is yielded by name
 * ("SIGHUP"), whether it was listed by name or by number.
 *
 * Signals are batched as in Trio: a signal that arrives again before the previous one
 * was read is coalesced (kept once, at its first place), and distinct signals come out
 * in arrival order, so one busy signal cannot starve another.
 *
 * Close it with `close()` (sync, as Python's `with` block), `using`, `await using`,
 * `aclose()` or `asyncWith`. Signals caught but not read when it closes are re-delivered
 * to whatever handled them before (the previous listeners, or Node's default action);
 * so is a signal already on its way when it closes. `break` out of a `for await` loop
 * does not close it: a later loop reads on.
 */
export class SignalReceiver implements AsyncIterator<NodeJS.Signals, never>, AsyncDisposable, Disposable {
  /** The signals caught, by name, without duplicates. */
  readonly signals: readonly NodeJS.Signals[];
  private readonly pending = new Set<NodeJS.Signals>();
  private readonly waiter = new EventWaiter();
  private readonly detector = new ConflictDetector("only one task can iterate on a signal receiver at a time");
  /** The listeners this receiver took away, per signal, restored on close. */
  private readonly saved = new Map<NodeJS.Signals, SignalListener[]>();
  private closed = false;
  private attached = false;

  /** @internal Use `trio.openSignalReceiver(...signals)`. */
  constructor(signals: readonly NodeJS.Signals[]) {
    this.signals = Object.freeze([...signals]);
    this.install();
  }

  /** Our one listener, for every signal of this receiver. */
  private readonly listener: SignalListener = (name) => {
    const sig = name as NodeJS.Signals;
    if (!this.closed) {
      this.pending.add(sig);
      this.waiter.wake();
      return;
    }
    // Closed, still attached: a signal that was on its way when the receiver closed.
    // Other listeners got this same emission; with none, Node's default action applies.
    if (otherListeners(sig, this.listener) === 0) this.defaultAction(sig);
  };

  private install(): void {
    const installed: NodeJS.Signals[] = [];
    try {
      for (const sig of this.signals) {
        this.saved.set(sig, takeOverSignal(sig, this.listener));
        installed.push(sig);
      }
      this.attached = true;
    } catch (error) {
      // Node refused a signal (libuv cannot watch it on this platform): undo everything.
      for (const sig of installed) this.restore(sig);
      for (const sig of installed) this.detach(sig);
      throw new ValueError(`openSignalReceiver(): cannot catch ${this.signals[installed.length]} here: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Puts back the listeners this receiver took away, in front, in their order. */
  private restore(sig: NodeJS.Signals): void {
    putBackListeners(sig, this.saved.get(sig) ?? []);
    this.saved.delete(sig);
  }

  /** Removes our listener from `sig` for good, keeping Node's "ignore" where it applied. */
  private detach(sig: NodeJS.Signals): void {
    detachSignalListener(sig, this.listener);
  }

  /** What the signal would have done with no receiver and no listener. */
  private defaultAction(sig: NodeJS.Signals): void {
    this.detach(sig);
    if (!IGNORED_BY_NODE.has(sig) && process.listenerCount(sig) === 0) process.kill(process.pid, sig);
  }

  /** Hands a caught, unread signal back to whatever handled it before. */
  private redeliver(sig: NodeJS.Signals): void {
    if (otherListeners(sig, this.listener) > 0) {
      // Synchronous, like Python's `signal.raise_signal`: a listener's error comes out here.
      (process.emit as (event: string, ...args: unknown[]) => boolean)(sig, sig, signalNumber(sig));
    } else {
      this.defaultAction(sig);
    }
  }

  /**
   * Waits for the next signal and returns `{ value: name, done: false }` (the receiver
   * never ends by itself). Throws `BusyResourceError` if another task is already
   * waiting on this receiver, `RuntimeError` once it is closed. A cancel loses no
   * signal. Trio-flavored.
   */
  async next(): Promise<IteratorResult<NodeJS.Signals, never>> {
    const task = currentTrioTask("SignalReceiver.next()");
    if (this.closed) throw new RuntimeError("openSignalReceiver(): this receiver was already closed");
    this.detector.enter();
    try {
      if (this.pending.size === 0) await this.waiter.wait(task, "SignalReceiver.next()");
      else await checkpoint();
      const first = this.pending.values().next();
      if (first.done === true) throw new RuntimeError("openSignalReceiver(): the receiver was closed while this task waited for a signal");
      this.pending.delete(first.value);
      return { value: first.value, done: false };
    } finally {
      this.detector.exit();
    }
  }

  /** `for await (const sig of receiver)`: the receiver is its own iterator. Either flavor (each step is Trio-flavored). */
  [Symbol.asyncIterator](): this {
    return this;
  }

  /**
   * Stops catching the signals: the previous listeners are back at once, signals caught
   * but not read are re-delivered to them (synchronously; if some throw, the last error
   * is thrown, with the one before as its `cause`), or get Node's default action if
   * there were none. A task waiting in `next()` gets RuntimeError. Closing twice does
   * nothing. Sync, either flavor.
   *
   * For two turns of Node's event loop the receiver's own listener stays attached, in
   * a forwarding role: a signal that reached libuv just before the close still reaches
   * the previous listeners (or the default action) instead of being dropped with a
   * closed handle. Then it detaches. A Node limitation remains: once a signal has no
   * listener at all, libuv gives it the OS default, so a SIGUSR1 sent later kills the
   * process instead of starting Node's inspector (SIGPIPE and SIGXFSZ, which Node
   * ignores, stay ignored).
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const sig of this.signals) this.restore(sig);
    if (this.attached) {
      this.attached = false;
      lateListeners.add(this.listener);
      outsideFrames(() => {
        setImmediate(() =>
          setImmediate(() => {
            lateListeners.delete(this.listener);
            for (const sig of this.signals) {
              if (process.rawListeners(sig).includes(this.listener)) this.detach(sig);
            }
          }),
        );
      });
    }
    this.waiter.wake(new RuntimeError("openSignalReceiver(): the receiver was closed while this task waited for a signal"));
    let error: unknown;
    let failed = false;
    for (const sig of [...this.pending]) {
      this.pending.delete(sig);
      try {
        this.redeliver(sig);
      } catch (e) {
        error = failed ? chain(e, error) : e;
        failed = true;
      }
    }
    if (failed) throw error;
  }

  /** `using receiver = trio.openSignalReceiver(...)`: `close()`. Sync, either flavor. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** `await using`: `close()`; not a checkpoint (Python's block exit is not one). Either flavor. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  /** Closes the receiver (`close()`), then a checkpoint, as every `aclose()`. Trio-flavored. */
  async aclose(): Promise<void> {
    currentTrioTask("SignalReceiver.aclose()");
    this.close();
    await checkpoint();
  }

  /** Entering `asyncWith(receiver, body)`: gives the receiver itself (already open). Either flavor. */
  aenter(): Promise<this> {
    return Promise.resolve(this);
  }

  /** Leaving `asyncWith(receiver, body)`: `close()`; never swallows the body's error. Either flavor. */
  async aexit(): Promise<boolean> {
    this.close();
    return false;
  }

  /** @internal Signals caught and not yet read (Trio's `get_pending_signal_count`). */
  get _pendingCount(): number {
    return this.pending.size;
  }

  /** `<trio.SignalReceiver SIGHUP, SIGTERM>`, with ` (closed)` once closed. Sync, either flavor. */
  toString(): string {
    return `<trio.SignalReceiver ${this.signals.join(", ")}${this.closed ? " (closed)" : ""}>`;
  }
}

/**
 * Starts catching `signals` (names like "SIGHUP", or numbers) and returns a
 * `SignalReceiver` that yields them as they arrive (`trio.open_signal_receiver`):
 *
 * ```ts
 * using receiver = trio.openSignalReceiver("SIGHUP", "SIGTERM");
 * for await (const sig of receiver) {
 *   if (sig === "SIGHUP") reloadConfiguration();
 *   else break;
 * }
 * ```
 *
 * While the receiver is open it replaces the signals' other `process.on` listeners (as
 * Python's `signal.signal` replaces the handler: an inner receiver takes a signal from an
 * outer one until it closes); closing it restores them. Listeners added while it is open
 * are left alone. Close it, or the listeners stay replaced.
 *
 * Throws TypeError if no signal is given or one has the wrong type, ValueError for an
 * unknown signal or one that cannot be caught (SIGKILL, SIGSTOP, or one Node cannot
 * watch on this platform), RuntimeError outside the main thread (Node delivers signals
 * there only). Trio-flavored: it needs the run whose task it wakes.
 */
export function openSignalReceiver(...signals: (NodeJS.Signals | number)[]): SignalReceiver {
  currentTrioTask("trio.openSignalReceiver()");
  if (signals.length === 0) throw new TypeError("openSignalReceiver(): No signals were provided");
  const names = new Set<NodeJS.Signals>();
  for (const sig of signals) {
    const name = toSignalName(sig, "openSignalReceiver()");
    if (UNCATCHABLE.has(name)) throw new ValueError(`openSignalReceiver(): ${name} cannot be caught: the OS never lets a process handle it`);
    names.add(name);
  }
  if (!isMainThread) {
    throw new RuntimeError("openSignalReceiver() works only in the main thread: Node delivers process signals there only");
  }
  return new SignalReceiver([...names]);
}
