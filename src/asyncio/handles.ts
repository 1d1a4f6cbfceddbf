import { frameContext, snapshotContext, type Context } from "../contextvars/context.js";
import { Frame, runInFrame1 } from "../contextvars/frame.js";
import type { BaseTrioEventLoop } from "./base-loop.js";
import { describeValue } from "../errors/describe.js";

type Callback = (...args: never[]) => unknown;

/** Calls a Handle's callback (spreading its arguments only when there are several). */
function invokeCallback(handle: Handle): void {
  const callback = handle._callback as (...args: unknown[]) => unknown;
  const args = handle._args!;
  switch (args.length) {
    case 0:
      callback();
      return;
    case 1:
      callback(args[0]);
      return;
    default:
      callback(...args);
  }
}

function describeCallback(callback: Callback | null, args: readonly unknown[] | null): string {
  if (callback === null) return "";
  const name = callback.name || "<anonymous>";
  const shown = (args ?? []).map((a) => describeValue(a));
  return `${name}(${shown.join(", ")})`;
}

/**
 * A callback scheduled with `loop.callSoon` (`asyncio.Handle`): `cancel()` it to keep it
 * from running. The callback runs in the Context captured when it was scheduled, with
 * `currentAsyncLibrary() === "asyncio"`; a Handle is itself the async context frame of
 * its callback. Sync, either flavor.
 */
export class Handle extends Frame {
  /** @internal */ _callback: Callback | null;
  /** @internal */ _args: unknown[] | null;
  /** @internal */ _cancelled = false;
  /** @internal */ readonly _loop: BaseTrioEventLoop;
  /** @internal */
  constructor(callback: Callback, args: unknown[], loop: BaseTrioEventLoop, context?: Context) {
    super(context ?? (null as unknown as Context), "asyncio", undefined, undefined);
    this.aio = this;
    this._callback = callback;
    this._args = args;
    this._loop = loop;
    // Without a Context given, a copy of the caller's is made only if the callback needs
    // one: a queued callback holds no Context object (cheap bursts for the GC).
    if (context === undefined) this.snapshot = snapshotContext();
  }

  /** Keeps the callback from running (no effect once it ran). */
  cancel(): void {
    if (this._cancelled) return;
    this._cancelled = true;
    this._callback = null;
    this._args = null;
  }

  /** Whether `cancel()` was called. */
  cancelled(): boolean {
    return this._cancelled;
  }

  /** The contextvars Context the callback runs in. */
  getContext(): Context {
    return frameContext(this);
  }

  /** @internal Runs the callback in its frame; errors go to the loop's exception handler. */
  _run(): void {
    try {
      runInFrame1(this, invokeCallback, this);
    } catch (error) {
      this._loop.callExceptionHandler({ message: `Exception in callback ${describeCallback(this._callback, this._args)}`, exception: error, handle: this });
    }
  }

  /** @internal The words of `toString` (Python's `_repr_info`). */
  _reprInfo(): string[] {
    const info = [this.constructor.name];
    if (this._cancelled) info.push("cancelled");
    if (this._callback !== null) info.push(describeCallback(this._callback, this._args));
    return info;
  }

  override toString(): string {
    return `<${this._reprInfo().join(" ")}>`;
  }
}

/**
 * A callback scheduled for a time (`loop.callLater` / `loop.callAt`,
 * `asyncio.TimerHandle`). Its deadline lives on the engine's deadline heap, so the
 * run's clock (a `MockClock` too) drives it; a cancelled timer leaves the heap at once.
 * Sync, either flavor.
 */
export class TimerHandle extends Handle {
  /** @internal */ readonly _when: number;
  /** @internal */ deadlineKey: number;
  /** @internal */ deadlineSeq = 0;
  /** @internal */ heapIndex = -1;

  /** @internal */
  constructor(when: number, callback: Callback, args: unknown[], loop: BaseTrioEventLoop, context?: Context) {
    super(callback, args, loop, context);
    this._when = when;
    this.deadlineKey = when;
  }

  /** The time (loop clock) this callback is scheduled for. */
  when(): number {
    return this._when;
  }

  override cancel(): void {
    if (!this._cancelled) this._loop._timerHandleCancelled(this);
    super.cancel();
  }

  /** @internal The deadline passed: the engine hands the timer to its loop. */
  expire(): void {
    this._loop._timerDue(this);
  }

  /** @internal */
  override _reprInfo(): string[] {
    const info = super._reprInfo();
    info.splice(this._cancelled ? 2 : 1, 0, `when=${this._when}`);
    return info;
  }
}
