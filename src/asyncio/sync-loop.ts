import { RuntimeError } from "../errors/builtins.js";
import type { Clock } from "../loop/clock.js";
import { currentTrioTask } from "../loop/current.js";
import { startRun } from "../loop/run.js";
import type { Runner } from "../loop/runner.js";
import { openNursery } from "../loop/nursery.js";
import { Abort, type Task as TrioTask } from "../loop/task.js";
import { BaseTrioEventLoop } from "./base-loop.js";
import { runningLoopOrNull } from "./current.js";
import { ensureFuture } from "./tasks.js";

/** Options of `SyncTrioEventLoop` (and `asyncio.newEventLoop()` outside Trio). */
export interface SyncLoopOptions {
  /** The clock of the loop's engine run (a `trio.testing.MockClock` gives asyncio code virtual time). */
  clock?: Clock;
  /** See `openLoop`'s `queueLen`. */
  queueLen?: number;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The "sync loop" of trio-asyncio (`SyncTrioEventLoop`): the loop `asyncio.run()` and
 * `asyncio.newEventLoop()` give outside any Trio run. JavaScript cannot block, so
 * `runUntilComplete`, `runForever` and `stop` return Promises; they can be called again
 * and again on the same loop, which keeps its callbacks, timers and tasks between runs.
 * The loop lives in a private Trio run that keeps the Node process alive only while the
 * loop is running. Prefer `openLoop` from Trio code.
 */
export class SyncTrioEventLoop extends BaseTrioEventLoop {
  private readonly clock: Clock | undefined;
  private hostTask: TrioTask | null = null;
  private hostParked = false;
  private hostDone: Promise<unknown> | null = null;
  private runRequested = false;
  private onStopped: ((error?: unknown) => void)[] = [];
  private keepAlive: ReturnType<typeof setInterval> | null = null;

  constructor(options: SyncLoopOptions = {}) {
    super({ queueLen: options.queueLen });
    this.clock = options.clock;
  }

  /** @internal */
  protected _ensureRunner(): Runner {
    if (this._runner !== null) return this._runner;
    if (this._closed) throw new RuntimeError("Event loop is closed");
    const { runner, result } = startRun({ clock: this.clock, keepAlive: false }, host as (...args: unknown[]) => unknown, [this]);
    this._runner = runner;
    this.hostDone = result.then(
      () => this.settleStopped(new RuntimeError("the event loop's engine run ended")),
      (error: unknown) => this.settleStopped(error),
    );
    return runner;
  }

  /**
   * Runs the loop until `stop()` is called; resolves then. Rejects if the loop is
   * closed, already running, or another loop is running in the caller's context.
   */
  async runForever(): Promise<void> {
    this._checkClosed();
    if (this._running || this.runRequested) throw new RuntimeError("This event loop is already running");
    const other = runningLoopOrNull();
    if (other !== null) throw new RuntimeError("Cannot run the event loop while another loop is running");
    this._ensureRunner();
    this.runRequested = true;
    this._running = true;
    this.keepAlive ??= setInterval(() => {}, MAX_TIMER_MS);
    const stopped = new Promise<void>((resolve, reject) => {
      this.onStopped.push((error) => (error === undefined ? resolve() : reject(error)));
    });
    this.wakeHost();
    return stopped;
  }

  /**
   * Runs the loop until `fnOrFuture` completes and returns its result: a function is
   * started as a Task (`runUntilComplete(() => main())`), a Future or Promise is awaited.
   * Rejects with "Event loop stopped before Future completed." if `stop()` came first.
   */
  async runUntilComplete<T>(fnOrFuture: (() => PromiseLike<T> | T) | PromiseLike<T>): Promise<T> {
    this._checkClosed();
    if (this._running || this.runRequested) throw new RuntimeError("This event loop is already running");
    const future = ensureFuture(fnOrFuture, { loop: this });
    const stopLoop = (): void => {
      this._stopping = true;
      this._wake();
    };
    future.addDoneCallback(stopLoop);
    try {
      await this.runForever();
    } finally {
      future.removeDoneCallback(stopLoop);
    }
    if (!future.done()) throw new RuntimeError("Event loop stopped before Future completed.");
    return future.result();
  }

  /**
   * Stops the loop after its current iteration; resolves once it has stopped. Called
   * while the loop is not running, it makes the next run do one iteration and stop.
   */
  stop(): Promise<void> {
    this._stopping = true;
    if (!this._running && !this.runRequested) return Promise.resolve();
    this._wake();
    return new Promise((resolve) => this.onStopped.push(() => resolve()));
  }

  /** Closes the loop and ends its private engine run. Throws if the loop is running. */
  override close(): void {
    if (this._running || this.runRequested) throw new RuntimeError("Cannot close a running event loop");
    if (this._closed) return;
    super.close();
    this.wakeHost();
  }

  /** @internal The loop stopped (or its run ended): settle the waiting run/stop calls. */
  settleStopped(error?: unknown): void {
    this.runRequested = false;
    this._running = false;
    if (this.keepAlive !== null) {
      clearInterval(this.keepAlive);
      this.keepAlive = null;
    }
    const waiters = this.onStopped;
    this.onStopped = [];
    for (const waiter of waiters) waiter(error);
  }

  /** @internal */
  hostParks(task: TrioTask): Promise<unknown> {
    this.hostTask = task;
    this.hostParked = true;
    return task.runner._park(task, () => Abort.FAILED, "SyncTrioEventLoop (waiting for runForever)");
  }

  private wakeHost(): void {
    if (this.hostParked && this.hostTask !== null) {
      this.hostParked = false;
      this.hostTask.runner._reschedule(this.hostTask);
    }
  }

  /** @internal */
  get _runRequested(): boolean {
    return this.runRequested;
  }

  /** @internal */
  get _hostDone(): Promise<unknown> | null {
    return this.hostDone;
  }
}

/**
 * The main task of a sync loop's private run: runs the loop each time it is asked to,
 * with a nursery for the Trio tasks started from asyncio code; they keep running
 * between runs and are cancelled when the loop closes.
 */
async function host(loop: SyncTrioEventLoop): Promise<void> {
  const task = currentTrioTask("SyncTrioEventLoop");
  await openNursery(async (nursery) => {
    loop._nursery = nursery;
    try {
      for (;;) {
        if (!loop._runRequested) {
          if (loop.isClosed()) return;
          await loop.hostParks(task);
          continue;
        }
        try {
          await loop._runUntilStopped();
        } catch (error) {
          loop.settleStopped(error);
          continue;
        }
        loop.settleStopped();
      }
    } finally {
      loop._nursery = null;
      nursery.cancelScope.cancel();
    }
  });
}
