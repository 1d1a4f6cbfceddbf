/**
 * `trio.toThread`: running blocking or CPU-heavy work in a worker thread while the Trio
 * run goes on (Trio's `trio.to_thread`), on Node's worker threads.
 *
 * A worker thread shares no memory with the Trio thread, so a job crosses as data: a
 * self-contained function is shipped by source (`fn.toString()`) and evaluated again in
 * the worker, or a `{ module, export }` reference names an exported function that the
 * worker imports. Arguments and results are structured-cloned. Inside a job,
 * `trio.fromThread` calls back into the run that started it.
 * @packageDocumentation
 */
import { RuntimeError } from "../errors/builtins.js";
import { currentRunner, currentTrioTask } from "../loop/current.js";
import { Cancelled, RunFinishedError } from "../loop/errors.js";
import type { Runner } from "../loop/runner.js";
import { spawnSystemTask } from "../loop/system.js";
import { Abort, type RaiseCancel, type Task } from "../loop/task.js";
import { checkpointIfCancelled, currentTask, reschedule, waitTaskRescheduled } from "../loop/traps.js";
import { currentTrioToken, type TrioToken } from "../loop/trio-token.js";
import { CapacityLimiter } from "./sync/capacity-limiter.js";
import * as fromThreadNamespace from "./from-thread.js";
// Functions that a job sends back to the Trio thread see the Trio namespace as `trio`.
import * as trioNamespace from "./index.js";
import {
  callableSpec,
  clarifyReferenceError,
  decodeError,
  describeShipped,
  encodeError,
  isThenable,
  loadCallable,
  type CallableSpec,
  type ErrorRecord,
  type ModuleFunction,
} from "./job.js";
import { PooledWorker, type CallMessage, type JobClient } from "./worker-pool.js";

export type { ModuleFunction } from "./job.js";

/**
 * What `toThread.runSync` needs of a limiter: `trio.CapacityLimiter` is one, and so is
 * any object with these two methods (Trio's documented protocol), for custom policies.
 */
export interface ThreadLimiter {
  /** Waits for a token for `borrower` (a placeholder standing for the job's thread). Trio-flavored. */
  acquireOnBehalfOf(borrower: unknown): Promise<void>;
  /** Gives back `borrower`'s token. Sync, either flavor. */
  releaseOnBehalfOf(borrower: unknown): void;
}

/** Options of `trio.toThread.runSync`. */
export interface RunSyncOptions {
  /**
   * Limits how many jobs run at once (default: `currentDefaultThreadLimiter()`, 40
   * tokens per run). One token per job, held until the job's worker is free again.
   */
  limiter?: ThreadLimiter;
  /**
   * What a cancellation does while the job runs. `false` (the default): nothing until the
   * job finishes, since a thread cannot be interrupted; its result is returned and the
   * caller's next checkpoint raises `trio.Cancelled`. `true`: the caller gets
   * `trio.Cancelled` at once, and the job runs on unobserved: its outcome is discarded,
   * its limiter token is released when it finishes (never, if the run has ended by then),
   * and it does not keep the run or the process alive. Only for jobs whose side effects
   * do not matter.
   */
  abandonOnCancel?: boolean;
}

/** Trio's number, "pulled out of the air". */
const DEFAULT_LIMIT = 40;
const defaultLimiters = new WeakMap<Runner, CapacityLimiter>();

/**
 * The CapacityLimiter that `toThread.runSync` uses when given none: one per run, 40
 * tokens, as in Trio. Change its `totalTokens` to allow more (or fewer) jobs at once;
 * the limit is per run because each run, like each Trio run, owns its own.
 * Sync, either flavor (inside the run).
 */
export function currentDefaultThreadLimiter(): CapacityLimiter {
  const runner = currentRunner("trio.toThread.currentDefaultThreadLimiter()");
  let limiter = defaultLimiters.get(runner);
  if (limiter === undefined) {
    limiter = new CapacityLimiter(DEFAULT_LIMIT);
    defaultLimiters.set(runner, limiter);
  }
  return limiter;
}

/** Stands in for a job's thread as the borrower of its limiter token (Trio's ThreadPlaceholder). */
class ThreadPlaceholder {
  constructor(readonly name: string) {}

  toString(): string {
    return `<thread placeholder ${this.name}>`;
  }
}

let jobCounter = 0;
const OPTION_KEYS = new Set(["limiter", "abandonOnCancel"]);

type AnyFunction = (...args: unknown[]) => unknown;

/** A call from the job, its function resolved (or failed to). */
interface PreparedCall {
  readonly message: CallMessage;
  readonly fn: AnyFunction | undefined;
  readonly error: unknown;
}

type HostMessage = { readonly type: "done"; readonly ok: boolean; readonly value: unknown } | { readonly type: "call"; readonly call: PreparedCall };

/**
 * Runs `job(...args)` in a worker thread and returns its result, while the calling task
 * waits and the rest of the run goes on (Trio's `trio.to_thread.run_sync`):
 * `await trio.toThread.runSync((n) => fib(n), 40)` or
 * `await trio.toThread.runSync({ limiter, abandonOnCancel: true }, { module: "/app/resize.mjs", export: "resize" }, image)`.
 *
 * The job crosses to the worker as data, because threads share no memory:
 * - a function is shipped by source and evaluated again in the worker, so it must be
 *   self-contained: it sees its arguments and the worker's globals, not the variables
 *   around it (one that uses them fails with a ReferenceError naming the variable).
 *   In its source, `fromThread` and `trio.fromThread` are in scope (`trio` offers
 *   nothing else in a worker), so code written against this package's imports under
 *   those names runs unchanged;
 * - `{ module, export }` (see `ModuleFunction`) names an exported function the worker
 *   imports: the way to use imports, or this package's own `trio.fromThread`.
 *
 * Arguments and the result are structured-cloned, and contextvars do not cross (Trio
 * copies the caller's context into the thread; a worker has no access to it). The job
 * may be async: the worker awaits it, and runs one job at a time. An error thrown by the job comes back with its
 * name, message, stack, `cause` and cloneable own properties (built-in error classes
 * keep their class; others come back as an `Error` with the original `name`), and an
 * error that crossed into the job from `trio.fromThread` comes back as the very same
 * object (a `trio.Cancelled`, for example).
 *
 * Cancellation follows Trio (see `RunSyncOptions.abandonOnCancel`). Bad arguments are
 * rejected before anything waits: TypeError for a Promise, a value that is neither a
 * function nor a reference, a native or bound function, or a function whose source is
 * not an expression (a method in shorthand form). Trio-flavored.
 */
export function runSync<A extends unknown[], R>(job: (...args: A) => R, ...args: A): Promise<Awaited<R>>;
export function runSync<A extends unknown[], R>(options: RunSyncOptions, job: (...args: A) => R, ...args: A): Promise<Awaited<R>>;
export function runSync(job: ModuleFunction, ...args: unknown[]): Promise<unknown>;
export function runSync(options: RunSyncOptions, job: ModuleFunction, ...args: unknown[]): Promise<unknown>;
export async function runSync(...rest: unknown[]): Promise<unknown> {
  const what = "trio.toThread.runSync()";
  const task = currentTrioTask(what);
  const [options, job, args] = splitArgs(rest, what);
  const spec = callableSpec(job, what);
  const abandonOnCancel = options.abandonOnCancel ?? false;
  if (typeof abandonOnCancel !== "boolean") throw new TypeError(`${what}: abandonOnCancel must be a boolean, got ${describeShipped(abandonOnCancel)}`);
  const chosen = options.limiter;
  if (
    chosen !== undefined &&
    (typeof chosen !== "object" || chosen === null || typeof chosen.acquireOnBehalfOf !== "function" || typeof chosen.releaseOnBehalfOf !== "function")
  ) {
    throw new TypeError(`${what}: limiter must be a trio.CapacityLimiter, or an object with acquireOnBehalfOf() and releaseOnBehalfOf()`);
  }
  await checkpointIfCancelled();
  const limiter = chosen ?? currentDefaultThreadLimiter();
  const placeholder = new ThreadPlaceholder(`trio.toThread.runSync-${jobCounter++}`);
  const call = new ThreadCall(task, currentTrioToken(), limiter, placeholder, abandonOnCancel, spec);
  await limiter.acquireOnBehalfOf(placeholder);
  try {
    const started = PooledWorker.run(spec, args, call);
    call.worker = started.worker;
    call.jobId = started.jobId;
  } catch (error) {
    limiter.releaseOnBehalfOf(placeholder);
    throw error;
  }
  return call.wait();
}

function splitArgs(rest: unknown[], what: string): [RunSyncOptions, unknown, unknown[]] {
  const first = rest[0];
  if (typeof first !== "object" || first === null || "module" in first || isThenable(first)) return [{}, first, rest.slice(1)];
  for (const key of Object.keys(first)) {
    if (!OPTION_KEYS.has(key)) throw new TypeError(`${what}: unknown option ${JSON.stringify(key)} (the options are limiter and abandonOnCancel)`);
  }
  return [first, rest[1], rest.slice(2)];
}

/**
 * One job, seen from the Trio thread. The task that called runSync waits in `wait()`;
 * the pool reports the job's outcome and its calls into Trio from Node's event loop,
 * and they enter the run through `TrioToken.runSyncSoon`, as in Trio. Calls into Trio
 * run in the waiting task itself (so they see its cancel scopes), except for a job that
 * may be abandoned, whose calls run in system tasks: its caller may be gone.
 */
class ThreadCall implements JobClient {
  worker: PooledWorker | null = null;
  jobId = 0;
  private readonly inbox: HostMessage[] = [];
  /** The task waiting for the job, or null once nobody waits (abandoned, or done). */
  private waiter: Task | null;
  private parked = false;
  /** The Cancelled handed to the job for `fromThread.checkCancelled()`. */
  private cancelled: Cancelled | undefined = undefined;
  private readonly sentErrors = new Map<number, unknown>();
  private nextErrorId = 0;

  constructor(
    private readonly task: Task,
    private readonly token: TrioToken,
    private readonly limiter: ThreadLimiter,
    private readonly placeholder: ThreadPlaceholder,
    private readonly abandonOnCancel: boolean,
    private readonly spec: CallableSpec,
  ) {
    this.waiter = task;
  }

  /** The waiting task's loop: runs the job's calls into Trio until the job is done. */
  async wait(): Promise<unknown> {
    for (;;) {
      const message = this.inbox.shift();
      if (message === undefined) {
        this.parked = true;
        await waitTaskRescheduled(this.abort);
        continue;
      }
      if (message.type === "call") {
        await this.runInWaiter(message.call);
        continue;
      }
      this.waiter = null;
      if (message.ok) return message.value;
      if (message.value !== undefined && message.value === this.cancelled) {
        // Raised from the job by checkCancelled(): deliver it as the engine would have.
        this.task._cancelledAt = this.task._cancelStatus;
      }
      throw message.value;
    }
  }

  private readonly abort = (raiseCancel: RaiseCancel): Abort => {
    if (this.cancelled === undefined) {
      try {
        raiseCancel();
      } catch (cancelled) {
        this.cancelled = cancelled as Cancelled;
      }
      this.worker!.signalCancel(this.jobId, this.encodeForWorker(this.cancelled));
    }
    if (!this.abandonOnCancel) return Abort.FAILED;
    this.waiter = null;
    this.parked = false;
    this.worker!.abandon();
    return Abort.SUCCEEDED;
  };

  private deliver(message: HostMessage): boolean {
    const waiter = this.waiter;
    if (waiter === null) return false;
    this.inbox.push(message);
    if (this.parked) {
      this.parked = false;
      reschedule(waiter);
    }
    return true;
  }

  // ------------------------------------------------------------ from the pool (outside the run)

  onDone(ok: boolean, valueOrRecord: unknown): void {
    const value = ok ? valueOrRecord : decodeError(valueOrRecord, (id) => this.sentErrors.get(id));
    this.sentErrors.clear();
    this.report(ok, value);
  }

  onCrash(reason: string, cause: unknown): void {
    this.sentErrors.clear();
    this.report(false, new RuntimeError(`trio.toThread.runSync(): the worker thread running ${this.spec.label} ${reason}`, { cause }));
  }

  private report(ok: boolean, value: unknown): void {
    try {
      this.token.runSyncSoon(this.reportBack, ok, value);
    } catch (error) {
      // The run is over: only an abandoned job outlives it, and Trio then never releases its token.
      if (!(error instanceof RunFinishedError)) throw error;
    }
  }

  /** In the run: gives the token back (its error replaces the outcome), then wakes the waiter, if any. */
  private readonly reportBack = (ok: boolean, value: unknown): void => {
    try {
      this.limiter.releaseOnBehalfOf(this.placeholder);
    } catch (error) {
      // As Python chains the error being handled into __context__.
      if (!ok && typeof error === "object" && error !== null && !("cause" in error)) {
        Object.defineProperty(error, "cause", { value, writable: true, configurable: true, enumerable: false });
      }
      ok = false;
      value = error;
    }
    this.deliver({ type: "done", ok, value });
  };

  onCall(message: CallMessage): void {
    let loaded: AnyFunction | Promise<AnyFunction>;
    try {
      loaded = loadCallable(message.fn, [fromThreadNamespace, trioNamespace]);
    } catch (error) {
      this.dispatch({ message, fn: undefined, error: this.clarify(error, message) });
      return;
    }
    if (loaded instanceof Promise) {
      loaded.then(
        (fn) => this.dispatch({ message, fn, error: undefined }),
        (error: unknown) => this.dispatch({ message, fn: undefined, error }),
      );
    } else {
      this.dispatch({ message, fn: loaded, error: undefined });
    }
  }

  private dispatch(call: PreparedCall): void {
    try {
      this.token.runSyncSoon(this.abandonOnCancel ? this.runInSystem : this.deliverCall, call);
    } catch (error) {
      this.replyCall(call.message, false, error);
    }
  }

  // ------------------------------------------------------------ calls into Trio (in the run)

  private readonly deliverCall = (call: PreparedCall): void => {
    if (!this.deliver({ type: "call", call })) {
      this.replyCall(call.message, false, new RuntimeError(`${callName(call)}: the task that started the job is no longer waiting for it`));
    }
  };

  private async runInWaiter(call: PreparedCall): Promise<void> {
    const [ok, value] = call.message.kind === "runSync" ? this.invokeSync(call) : await this.invokeAsync(call);
    this.replyCall(call.message, ok, value);
  }

  private readonly runInSystem = (call: PreparedCall): void => {
    if (call.message.kind === "runSync") {
      const [ok, value] = this.invokeSync(call);
      this.replyCall(call.message, ok, value);
      return;
    }
    try {
      spawnSystemTask({ name: `${callName(call)}: ${call.message.fn.label}` }, this.systemTask, call);
    } catch (error) {
      this.replyCall(call.message, false, new RunFinishedError("system nursery is closed", { cause: error }));
    }
  };

  private readonly systemTask = async (call: PreparedCall): Promise<void> => {
    const [ok, value] = await this.invokeAsync(call);
    // The Cancelled (the run is shutting down) goes to the job: that is not swallowing it.
    if (!ok && value instanceof Cancelled) currentTask()._cancelledAt = null;
    this.replyCall(call.message, ok, value);
  };

  private invokeSync(call: PreparedCall): [boolean, unknown] {
    if (call.fn === undefined) return [false, call.error];
    try {
      const result = call.fn(...call.message.args);
      if (isThenable(result)) {
        // Already started; its outcome has nowhere to go but the TypeError below.
        void Promise.resolve(result).catch(() => undefined);
        return [
          false,
          new TypeError(
            `trio.fromThread.runSync() expected a synchronous function, but ${call.message.fn.label} appears to be ` +
              "asynchronous (it returned a Promise): use trio.fromThread.run() for async functions",
          ),
        ];
      }
      return [true, result];
    } catch (error) {
      return [false, this.clarify(error, call.message)];
    }
  }

  private async invokeAsync(call: PreparedCall): Promise<[boolean, unknown]> {
    if (call.fn === undefined) return [false, call.error];
    try {
      const result = call.fn(...call.message.args);
      if (!isThenable(result)) {
        return [
          false,
          new TypeError(
            `trio.fromThread.run() expected an async function, but ${call.message.fn.label} appears to be synchronous ` +
              `(it returned ${describeShipped(result)}): use trio.fromThread.runSync() for sync functions`,
          ),
        ];
      }
      return [true, await result];
    } catch (error) {
      return [false, this.clarify(error, call.message)];
    }
  }

  private clarify(error: unknown, message: CallMessage): unknown {
    return clarifyReferenceError(error, message.fn, `trio.fromThread.${message.kind}()`, "in the Trio thread");
  }

  private replyCall(message: CallMessage, ok: boolean, value: unknown): void {
    this.worker?.reply(message.callId, ok, value, this.encodeForWorker, `trio.fromThread.${message.kind}()`);
  }

  /** Errors sent to the job are remembered, so that the one the job throws back is the original object. */
  private readonly encodeForWorker = (error: unknown): ErrorRecord => {
    const record = encodeError(error);
    if ((typeof error === "object" && error !== null) || typeof error === "function") {
      const id = ++this.nextErrorId;
      this.sentErrors.set(id, error);
      record.id = id;
    }
    return record;
  };
}

function callName(call: PreparedCall): string {
  return `trio.fromThread.${call.message.kind}()`;
}
