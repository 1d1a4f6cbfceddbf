import type { Context } from "../contextvars/context.js";
import { RuntimeError } from "../errors/builtins.js";
import type { BaseTrioEventLoop } from "./base-loop.js";
import { runningLoopOrNull } from "./current.js";
import { newEventLoop } from "./policy.js";
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
 * called several times; `close()` cancels the remaining tasks, waits for them, and closes
 * the loop. Call from outside any loop; `run`/`close` return Promises.
 */
export class Runner {
  private loop: BaseTrioEventLoop | null = null;
  private state: "initialized" | "closed" = "initialized";

  constructor(private readonly options: RunnerOptions = {}) {}

  /** The runner's loop (created on first use). */
  getLoop(): BaseTrioEventLoop {
    if (this.state === "closed") throw new RuntimeError("Runner is closed");
    if (this.loop === null) {
      this.loop = (this.options.loopFactory ?? newEventLoop)();
      if (this.options.debug !== undefined) this.loop.setDebug(this.options.debug);
    }
    return this.loop;
  }

  /** Runs `fn()` as a task on the loop until it completes; returns its result. */
  async run<T>(fn: () => PromiseLike<T> | T, options: { context?: Context } = {}): Promise<T> {
    if (typeof fn !== "function") {
      throw new TypeError(
        isThenable(fn)
          ? "Runner.run() needs a function, got a Promise: write run(() => main()) instead of run(main())"
          : `Runner.run() needs a function, got ${typeof fn}`,
      );
    }
    if (this.state === "closed") throw new RuntimeError("Runner is closed");
    if (runningLoopOrNull() !== null) throw new RuntimeError("Runner.run() cannot be called from a running event loop");
    const loop = this.getLoop() as SyncTrioEventLoop;
    const task = loop.createTask(fn, { context: options.context });
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
      loop.close();
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
