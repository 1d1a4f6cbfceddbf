/**
 * `TrioExecutor` and `loop.runInExecutor`: asyncio's executors, as Trio worker-thread
 * jobs (`trio.toThread.runSync`) under a `trio.CapacityLimiter`.
 */
import { executorHooks } from "../asyncio/base-loop.js";
import { RuntimeError, ValueError } from "../errors/builtins.js";
import { CapacityLimiter } from "../trio/sync/capacity-limiter.js";
import { runSync, type ModuleFunction, type ThreadLimiter } from "../trio/to-thread.js";

/** Options of `TrioExecutor`. */
export interface TrioExecutorOptions {
  /** The limiter the jobs share (one token per running job). */
  limiter?: ThreadLimiter;
  /** Without a limiter: at most this many jobs at once (a new CapacityLimiter). */
  maxWorkers?: number;
}

/**
 * An executor that runs each job in a pooled Node worker thread
 * (`trio.toThread.runSync`), as trio-asyncio's `TrioExecutor`. A job is a self-contained
 * function, shipped to the worker by its source (it cannot use variables from around
 * it: pass values as arguments), or a `{ module, export }` reference; arguments and
 * results are structured-cloned. With a `limiter` (or `maxWorkers`), at most that many
 * jobs run at once; otherwise the run's default thread limiter applies. Construct
 * anywhere; `submit` is Trio-flavored.
 */
export class TrioExecutor {
  private readonly limiter: ThreadLimiter | undefined;
  private running = true;

  constructor(options: TrioExecutorOptions = {}) {
    if (typeof options !== "object" || options === null) throw new TypeError("TrioExecutor(options): options must be an object { limiter, maxWorkers }");
    const { limiter, maxWorkers } = options;
    if (maxWorkers !== undefined && (!Number.isInteger(maxWorkers) || maxWorkers < 1)) {
      throw new ValueError(`maxWorkers must be a positive integer, got ${String(maxWorkers)}`);
    }
    this.limiter = limiter ?? (maxWorkers === undefined ? undefined : new CapacityLimiter(maxWorkers));
  }

  /**
   * Runs `job(...args)` in a worker thread and returns its result (the limiter's token is
   * taken by `toThread.runSync`, once). Trio-flavored.
   */
  async submit<A extends unknown[], R>(job: ((...args: A) => R) | ModuleFunction, ...args: A): Promise<Awaited<R>> {
    if (!this.running) throw new RuntimeError("Executor is down: shutdown() was called");
    const options = this.limiter === undefined ? {} : { limiter: this.limiter };
    return runSync(options, job as (...a: A) => R, ...args);
  }

  /** Refuses new jobs from now on (the running ones finish). Sync, either flavor. */
  shutdown(): void {
    this.running = false;
  }
}

executorHooks.isExecutor = (value) => value instanceof TrioExecutor;
executorHooks.createDefault = () => new TrioExecutor();
