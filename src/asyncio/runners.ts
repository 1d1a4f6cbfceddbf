import { copyContext, type Context } from "../contextvars/context.js";
import { RuntimeError } from "../errors/builtins.js";
import type { BaseTrioEventLoop } from "./base-loop.js";
import { runningLoopOrNull } from "./current.js";
import { newEventLoop, setEventLoop } from "./policy.js";
import { Future } from "./futures.js";
import { describeValue } from "../errors/describe.js";
import type { SyncTrioEventLoop } from "./sync-loop.js";

/** Options of `asyncio.run` and `asyncio.Runner`. */
export interface RunnerOptions {
  /** Debug mode for the loop (slow callbacks are logged). */
  debug?: boolean;
  /** Makes the loop (default: `asyncio.newEventLoop()`, a sync loop). */
  loopFactory?: () => BaseTrioEventLoop;
}

function isThenable(value: unknown): boolean {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as { then?: unknown }).then === "function";
}

/**
 * Runs asyncio functions on one loop, then cleans up (`asyncio.Runner`): `run()` may be
 * called several times, each run in the runner's one Context (so contextvars set by one
 * run are seen by the next); `close()` cancels the remaining tasks, waits for them, and
 * closes the loop. Without a `loopFactory` the runner's loop becomes the current event
 * loop until `close()`. Call from outside any loop; `run`/`close` return Promises.
 */
export class Runner {
  private loop: BaseTrioEventLoop | null = null;
  private state: "initialized" | "closed" = "initialized";
  private context: Context | null = null;
  private setEventLoopCalled = false;

  constructor(private readonly options: RunnerOptions = {}) {}

  /** The runner's loop (created on first use). */
  getLoop(): BaseTrioEventLoop {
    if (this.state === "closed") throw new RuntimeError("Runner is closed");
    if (this.loop === null) {
      if (this.options.loopFactory === undefined) {
        this.loop = newEventLoop();
        setEventLoop(this.loop);
        this.setEventLoopCalled = true;
      } else {
        this.loop = this.options.loopFactory();
      }
      if (this.options.debug !== undefined) this.loop.setDebug(this.options.debug);
      this.context = copyContext();
    }
    return this.loop;
  }

  /**
   * Runs `fn()` as a task on the loop until it completes; returns its result. Also takes
   * an awaitable (a Future, or a Promise that needs no loop of its own), as Python 3.12
   * does; `options.context` replaces the runner's Context for this run.
   */
  async run<T>(fn: (() => PromiseLike<T> | T) | PromiseLike<T>, options: { context?: Context } = {}): Promise<T> {
    if (typeof fn !== "function" && !isThenable(fn)) {
      throw new TypeError(`An asyncio.Future, a function to run as a task, or an awaitable is required, got ${describeValue(fn)}`);
    }
    if (this.state === "closed") throw new RuntimeError("Runner is closed");
    if (runningLoopOrNull() !== null) throw new RuntimeError("Runner.run() cannot be called from a running event loop");
    const loop = this.getLoop() as SyncTrioEventLoop;
    const context = options.context ?? this.context!;
    if (fn instanceof Future) return loop.runUntilComplete(fn as Future<T>);
    const awaitable = fn as PromiseLike<T>;
    const body = typeof fn === "function" ? fn : (): PromiseLike<T> => awaitable;
    const task = loop.createTask(body, { context });
    return loop.runUntilComplete(task);
  }

  /** Cancels the loop's remaining tasks, waits for them, and closes the loop. */
  async close(): Promise<void> {
    if (this.state === "closed") return;
    const loop = this.loop as SyncTrioEventLoop | null;
    this.state = "closed";
    if (loop === null || loop.isClosed()) return;
    try {
      await cancelAllTasks(loop);
      await loop.runUntilComplete(loop.shutdownAsyncgens());
      await loop.runUntilComplete(loop.shutdownDefaultExecutor());
    } finally {
      if (this.setEventLoopCalled) setEventLoop(null);
      loop.close();
      this.loop = null;
    }
  }
}

async function cancelAllTasks(loop: SyncTrioEventLoop): Promise<void> {
  const tasks = [...loop._allTasks()];
  if (tasks.length === 0) return;
  for (const task of tasks) task.cancel();
  await loop.runUntilComplete(async () => {
    await Promise.allSettled(tasks);
  });
  for (const task of tasks) {
    if (task.cancelled()) continue;
    const exception = task.exception();
    if (exception !== undefined) {
      loop.callExceptionHandler({ message: "unhandled exception during asyncio.run() shutdown", exception, task });
    }
  }
}

/**
 * Runs `main()` on a new loop and returns its result (`asyncio.run`): the loop is closed
 * afterwards, after cancelling the tasks still running. Call from outside any loop.
 */
export async function run<T>(main: () => PromiseLike<T> | T, options: RunnerOptions = {}): Promise<T> {
  if (typeof main !== "function") {
    throw new TypeError(
      isThenable(main)
        ? "asyncio.run() needs a function, got a Promise: write asyncio.run(() => main()) instead of asyncio.run(main())"
        : `asyncio.run() needs a function, got ${typeof main}`,
    );
  }
  if (runningLoopOrNull() !== null) throw new RuntimeError("asyncio.run() cannot be called from a running event loop");
  const runner = new Runner(options);
  try {
    return await runner.run(main);
  } finally {
    await runner.close();
  }
}
