/**
 * The async loop of trio-asyncio (`TrioEventLoop`): an asyncio event loop that runs as
 * a Trio task inside `openLoop`, for as long as its block lasts.
 */
import { RuntimeError } from "../errors/builtins.js";
import { BaseTrioEventLoop, type ExceptionContext } from "../asyncio/base-loop.js";
import type { Future } from "../asyncio/futures.js";
import type { Nursery } from "../loop/nursery.js";
import type { Runner } from "../loop/runner.js";
import { Event } from "../trio/sync/event.js";

const NOT_A_SYNC_LOOP =
  "is not available on a TrioEventLoop: this loop runs inside openLoop(async (loop) => ...) for as long as " +
  "that block lasts. Run asyncio code from Trio with `await aioAsTrio(fn)(...args)`, or use a sync loop " +
  "(asyncio.newEventLoop() outside Trio) for runUntilComplete/runForever.";

/** The entry `stop()` queues: the loop stops when it reaches it, after what was queued before. */
class StopEntry {
  readonly _cancelled = false;
  constructor(
    private readonly loop: TrioEventLoop,
    private readonly waiter: Event,
  ) {}

  _run(): void {
    this.waiter.set();
    this.loop._stopNow = true;
  }

  toString(): string {
    return "<stop>";
  }
}

/**
 * An asyncio event loop running on top of Trio, opened from Trio code with `openLoop`
 * (trio-asyncio's `TrioEventLoop`). It starts with the block and stops when the block
 * ends; it cannot be run with `runUntilComplete` or `runForever`. An error that reaches
 * its default exception handler (an error in a callback, an exception nobody
 * retrieved) is raised out of `openLoop` too, so that it cannot go unnoticed.
 * Its scheduling methods are sync, either flavor.
 */
export class TrioEventLoop extends BaseTrioEventLoop {
  /** @internal The nursery of `openLoop` that errors of the loop are raised into. */
  _loopNursery: Nursery | null = null;
  private _stopWaiter: Event | null = null;
  /** @internal The loop stopped and will not run again. */
  _stoppedForGood = false;

  /** @internal Made by `openLoop`, inside a Trio run. */
  constructor(runner: Runner, options: { queueLen?: number } = {}) {
    super(options);
    this._runner = runner;
  }

  /** @internal */
  protected _ensureRunner(): Runner {
    if (this._runner === null || this._closed) throw new RuntimeError("Event loop is closed");
    return this._runner;
  }

  /** Not on an async loop: throws RuntimeError saying what to use instead. */
  runUntilComplete(_fnOrFuture: unknown): never {
    throw new RuntimeError(`loop.runUntilComplete() ${NOT_A_SYNC_LOOP}`);
  }

  /** Not on an async loop: throws RuntimeError saying what to use instead. */
  runForever(): never {
    throw new RuntimeError(`loop.runForever() ${NOT_A_SYNC_LOOP}`);
  }

  /**
   * Stops the loop once it has run everything queued before this call, and returns a
   * `trio.Event` that is set when it does (`waiter` if given). The loop cannot be
   * restarted: the rest of the `openLoop` block runs without it. Sync, either flavor.
   */
  stop(waiter?: Event): Event {
    if (waiter === undefined) {
      if (this._stopWaiter !== null) return this._stopWaiter;
      waiter = this._stopWaiter = new Event();
    } else if (!(waiter instanceof Event)) {
      throw new TypeError("loop.stop(waiter): waiter must be a trio.Event");
    }
    if (this._stoppedForGood || this._closed) waiter.set();
    else this._enqueue(new StopEntry(this, waiter));
    return waiter;
  }

  /** Closes the loop; it must have stopped (openLoop does both when its block ends). */
  override close(): void {
    if (this._closed) return;
    if (this._running) throw new RuntimeError("You need to stop the loop before closing it");
    super.close();
    this._runner = null;
  }

  /**
   * Logs the report (as asyncio does) and raises its exception out of `openLoop`, so that
   * it cannot go unnoticed (trio-asyncio's rule for async loops). Sync, either flavor.
   */
  override defaultExceptionHandler(context: ExceptionContext): void {
    super.defaultExceptionHandler(context);
    const nursery = this._loopNursery;
    // A closed loop has nowhere to raise to (libraries report unclosed resources late).
    if (nursery === null || nursery._closed) return;
    const error = context.exception ?? new RuntimeError(context.message || "Unhandled error in event loop");
    nursery.startSoon({ name: "asyncio exception handler" }, raiseError, error);
  }

  /** @internal */
  override _checkCanDeliver(future: Future<unknown>): void {
    super._checkCanDeliver(future);
    if (this._stoppedForGood) {
      throw new RuntimeError(`${String(this)} has stopped: ${String(future)} can no longer be waited for from Trio`);
    }
  }

  /** @internal The loop will not run again: Trio tasks waiting for its Futures would hang. */
  protected override _onStopped(): void {
    if (this._draining) return;
    this._stoppedForGood = true;
    this._stopWaiter?.set();
    this._failTrioWaiters();
  }

  /** @internal True while openLoop runs the callbacks left after the loop stopped. */
  _draining = false;

  override toString(): string {
    return `<TrioEventLoop running=${this._closed ? "closed" : this._running ? "yes" : "no"}>`;
  }
}

async function raiseError(error: unknown): Promise<never> {
  throw error;
}
