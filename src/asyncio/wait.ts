/**
 * Waiting for several asyncio Futures: `wait` (until a condition, with a timeout),
 * `waitFor` (one awaitable with a timeout, Python 3.12 semantics) and `asCompleted`
 * (results in completion order, as an iterator and an async iterator).
 */
import { ValueError } from "../errors/builtins.js";
import { describeValue } from "../errors/describe.js";
import type { BaseTrioEventLoop } from "./base-loop.js";
import { currentAioLoop, noRunningLoop, runningLoopOrNull } from "./current.js";
import { CancelledError, TimeoutError } from "./errors.js";
import { Future } from "./futures.js";
import { ensureFuture } from "./tasks.js";
import { timeout as withTimeout } from "./timeouts.js";

/** `wait` returns when any Future finishes or is cancelled. */
export const FIRST_COMPLETED = "FIRST_COMPLETED";
/** `wait` returns when any Future finishes with an error, or when all are done. */
export const FIRST_EXCEPTION = "FIRST_EXCEPTION";
/** `wait` returns when all Futures are done (the default). */
export const ALL_COMPLETED = "ALL_COMPLETED";

/** When `wait` returns. */
export type ReturnWhen = typeof FIRST_COMPLETED | typeof FIRST_EXCEPTION | typeof ALL_COMPLETED;

/** Options of `wait`. */
export interface WaitOptions {
  /** Seconds to wait at most (null or absent: no limit). Reaching it is not an error. */
  timeout?: number | null;
  /** When to return (default `ALL_COMPLETED`). */
  returnWhen?: ReturnWhen;
}

/** Options of `asCompleted`. */
export interface AsCompletedOptions {
  /** Seconds until the remaining awaitables throw `TimeoutError` (null or absent: none). */
  timeout?: number | null;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as { then?: unknown }).then === "function";
}

function isIterable(value: unknown): value is Iterable<unknown> {
  return typeof value === "object" && value !== null && typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function";
}

function checkTimeout(value: unknown, call: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "number") throw new TypeError(`${call}: timeout must be a number of seconds or null, got ${describeValue(value)}`);
  if (Number.isNaN(value)) throw new ValueError(`${call}: timeout must not be NaN`);
  return value;
}

function checkIterableOfAwaitables(aws: unknown, call: string): asserts aws is Iterable<unknown> {
  if (aws instanceof Future || isThenable(aws) || typeof aws === "function" || !isIterable(aws)) {
    throw new TypeError(`${call} expects an iterable of Futures (an array, a Set...), not ${describeValue(aws)}`);
  }
}

function releaseWaiter(waiter: Future<undefined>): void {
  if (!waiter.done()) waiter.setResult(undefined);
}

/**
 * Waits for the Futures and Tasks of `aws` (`asyncio.wait`) until `returnWhen` holds or
 * `timeout` seconds pass, and returns `[done, pending]`, two Sets. It raises nothing on a
 * timeout and cancels nothing: the pending ones go on running.
 *
 * `aws` is an iterable (array, Set, generator) of asyncio Futures and Tasks; a Promise in
 * it is awaited by a new Task, and that Task (not the Promise) is what appears in the
 * result sets. Functions are refused, as asyncio refuses coroutines: start them with
 * `asyncio.createTask(fn)` first, so that you can find them in the sets.
 * asyncio-flavored.
 */
export async function wait<T = unknown>(
  aws: Iterable<Future<T> | PromiseLike<T>>,
  options: WaitOptions = {},
): Promise<[Set<Future<T>>, Set<Future<T>>]> {
  const loop = currentAioLoop("asyncio.wait()");
  checkIterableOfAwaitables(aws, "asyncio.wait()");
  if (typeof options !== "object" || options === null) throw new TypeError("asyncio.wait(): options must be an object { timeout, returnWhen }");
  const timeout = checkTimeout(options.timeout, "asyncio.wait()");
  const returnWhen = options.returnWhen ?? ALL_COMPLETED;
  if (returnWhen !== FIRST_COMPLETED && returnWhen !== FIRST_EXCEPTION && returnWhen !== ALL_COMPLETED) {
    throw new ValueError(`Invalid return_when value: ${String(returnWhen)}`);
  }
  const fs = new Set<Future<T>>();
  const wrapped = new Map<unknown, Future<T>>();
  for (const aw of new Set<unknown>(aws)) {
    if (aw instanceof Future) {
      fs.add(aw as Future<T>);
    } else if (typeof aw === "function") {
      throw new TypeError("Passing functions to asyncio.wait() is forbidden: start them as tasks first, wait([asyncio.createTask(fn)])");
    } else if (isThenable(aw)) {
      let task = wrapped.get(aw);
      if (task === undefined) {
        task = ensureFuture(aw as PromiseLike<T>, { loop });
        wrapped.set(aw, task);
      }
      fs.add(task);
    } else {
      throw new TypeError(`asyncio.wait() takes asyncio Futures, Tasks or Promises; got ${describeValue(aw)}`);
    }
  }
  if (fs.size === 0) throw new ValueError("Set of Tasks/Futures is empty.");
  return waitInternal(fs, timeout, returnWhen, loop);
}

async function waitInternal<T>(
  fs: Set<Future<T>>,
  timeout: number | null,
  returnWhen: ReturnWhen,
  loop: BaseTrioEventLoop,
): Promise<[Set<Future<T>>, Set<Future<T>>]> {
  const waiter = loop.createFuture<undefined>();
  const timeoutHandle = timeout === null ? null : loop.callLater(timeout, releaseWaiter, waiter);
  let counter = fs.size;
  const onCompletion = (f: Future<T>): void => {
    counter--;
    if (
      counter <= 0 ||
      returnWhen === FIRST_COMPLETED ||
      (returnWhen === FIRST_EXCEPTION && !f.cancelled() && f.exception() !== undefined)
    ) {
      timeoutHandle?.cancel();
      releaseWaiter(waiter);
    }
  };
  for (const f of fs) f.addDoneCallback(onCompletion);
  try {
    await waiter;
  } finally {
    timeoutHandle?.cancel();
    for (const f of fs) f.removeDoneCallback(onCompletion);
  }
  const done = new Set<Future<T>>();
  const pending = new Set<Future<T>>();
  for (const f of fs) (f.done() ? done : pending).add(f);
  return [done, pending];
}

/** Cancels `fut` and waits until it is done, without awaiting `fut` itself (so the wait stays cancellable). */
async function cancelAndWait<T>(fut: Future<T>, loop: BaseTrioEventLoop): Promise<void> {
  const waiter = loop.createFuture<undefined>();
  const release = (): void => releaseWaiter(waiter);
  fut.addDoneCallback(release);
  try {
    fut.cancel();
    await waiter;
  } finally {
    fut.removeDoneCallback(release);
  }
}

/**
 * Waits for one awaitable with a timeout (`asyncio.wait_for`, Python 3.12 semantics) and
 * returns its value. With a timeout (seconds; null for none), this is
 * `asyncio.timeout(timeout, ...)` around the wait: when it expires, the work is cancelled,
 * `waitFor` waits until it has really finished, and throws `TimeoutError`. A value or an
 * error that the work produces despite the cancellation is returned or thrown instead.
 *
 * `fnOrAwaitable`:
 * - a function: called in the calling task (as Python 3.12 awaits a coroutine in place),
 *   so the timeout cancels whatever it awaits;
 * - an asyncio Future or Task: awaited; the timeout cancels it, and so does cancelling
 *   the caller;
 * - a Promise: awaited by a new Task, which the timeout cancels; a plain Promise cannot
 *   be interrupted, so `waitFor` then waits for it to settle before throwing
 *   `TimeoutError` (pass the task's `signal` to abortable APIs to stop them early).
 *
 * A timeout of 0 or less cancels the work at once: a function is then never called.
 * asyncio-flavored.
 */
export async function waitFor<T>(fnOrAwaitable: (() => PromiseLike<T> | T) | Future<T> | PromiseLike<T>, timeout: number | null): Promise<T> {
  const loop = currentAioLoop("asyncio.waitFor()");
  if (timeout === undefined) throw new TypeError("asyncio.waitFor() needs a timeout (seconds, or null for none)");
  const seconds = checkTimeout(timeout, "asyncio.waitFor()");
  const kind = typeof fnOrAwaitable === "function" ? "function" : fnOrAwaitable instanceof Future || isThenable(fnOrAwaitable) ? "awaitable" : null;
  if (kind === null) throw new TypeError(`asyncio.waitFor() takes a function, an asyncio Future or a Promise; got ${describeValue(fnOrAwaitable)}`);

  if (seconds !== null && seconds <= 0) {
    const fut = ensureFuture(fnOrAwaitable, { loop });
    if (fut.done()) return fut.result();
    await cancelAndWait(fut, loop);
    try {
      return fut.result();
    } catch (error) {
      if (error instanceof CancelledError) throw new TimeoutError("the timeout expired", { cause: error });
      throw error;
    }
  }

  let awaitable: Future<T> | null = null;
  if (kind === "awaitable") awaitable = fnOrAwaitable instanceof Future ? fnOrAwaitable : ensureFuture(fnOrAwaitable as PromiseLike<T>, { loop });
  return withTimeout(seconds, async () => (awaitable !== null ? await awaitable : await (fnOrAwaitable as () => PromiseLike<T> | T)()));
}

/**
 * The awaitable `asCompleted` hands out when iterated synchronously: it takes the next
 * result in completion order when it is first awaited (not when it is created), as
 * asyncio's coroutines do. asyncio-flavored (await it from an asyncio task).
 */
class NextCompleted<T> implements PromiseLike<T> {
  private promise: Promise<T> | null = null;

  constructor(private readonly iterator: AsCompletedIterator<T>) {}

  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    this.promise ??= this.iterator._waitForOne("asyncio.asCompleted() result").then(({ future }) => future.result());
    return this.promise.then(onFulfilled, onRejected);
  }
}

/**
 * What `asCompleted` returns (Python 3.13's `as_completed` iterator). Iterated with
 * `for...of`, it yields one awaitable per input; awaiting one gives the next result in
 * completion order (or throws the next error, or `TimeoutError` once the timeout
 * passed). Iterated with `for await...of`, it yields the results in completion order.
 * `nextCompleted()` gives the completed Futures themselves (the ones passed in, or the
 * Tasks made for functions and Promises), as Python 3.13's `async for` does: TypeScript
 * types the values of `for await` as awaited, so a loop cannot yield Futures.
 * The iteration can be stopped and resumed. Iterating is sync, either flavor; awaiting
 * is asyncio-flavored.
 */
export class AsCompletedIterator<T = unknown> implements IterableIterator<PromiseLike<T>, undefined>, AsyncIterable<T, undefined> {
  private readonly loop: BaseTrioEventLoop;
  private readonly todo: Set<Future<T>>;
  private todoLeft: number;
  /** Completed Futures in completion order; null marks a timeout. */
  private readonly done: (Future<T> | null)[] = [];
  private readonly getters: Future<undefined>[] = [];
  private readonly timeoutHandle: { cancel(): void } | null = null;
  private readonly onCompletion = (f: Future<T>): void => {
    if (this.todo.size === 0) return; // The timeout came first.
    this.todo.delete(f);
    this.put(f);
    if (this.todo.size === 0) this.timeoutHandle?.cancel();
  };

  /** @internal Made by `asCompleted`. */
  constructor(aws: Iterable<unknown>, timeout: number | null) {
    let loop: BaseTrioEventLoop | null = null;
    const todo = new Set<Future<T>>();
    const unique = new Set<unknown>(aws);
    for (const aw of unique) {
      if (aw instanceof Future) {
        if (loop !== null && aw._loop !== loop) throw new ValueError("asyncio.asCompleted(): the Futures belong to different loops");
        loop = aw._loop;
      } else if (typeof aw !== "function" && !isThenable(aw)) {
        throw new TypeError(`asyncio.asCompleted() takes functions (started as tasks), asyncio Futures or Promises; got ${describeValue(aw)}`);
      }
    }
    loop ??= runningLoopOrNull() ?? noRunningLoop();
    for (const aw of unique) todo.add(ensureFuture(aw as Future<T> | (() => PromiseLike<T>) | PromiseLike<T>, { loop }));
    this.loop = loop;
    this.todo = todo;
    this.todoLeft = todo.size;
    for (const f of todo) f.addDoneCallback(this.onCompletion);
    if (todo.size > 0 && timeout !== null) this.timeoutHandle = loop.callLater(timeout, () => this.onTimeout());
  }

  [Symbol.iterator](): this {
    return this;
  }

  /** `for await` over the results, in completion order (the async protocol has its own `next`). */
  [Symbol.asyncIterator](): AsyncIterableIterator<T, undefined> {
    const iterator: AsyncIterableIterator<T, undefined> = {
      next: () => this.nextResult(),
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  private async nextResult(): Promise<IteratorResult<T, undefined>> {
    const step = await this.nextCompleted();
    if (step.done === true) return step;
    return { done: false, value: step.value.result() };
  }

  /** The next awaitable (sync iteration): awaiting it gives the next result. */
  next(): IteratorResult<PromiseLike<T>, undefined> {
    if (this.todoLeft === 0) return { done: true, value: undefined };
    this.todoLeft--;
    return { done: false, value: new NextCompleted(this) };
  }

  /**
   * The next completed Future (async iteration, `for await`). Throws `TimeoutError` once
   * the timeout passed. asyncio-flavored.
   */
  async nextCompleted(): Promise<IteratorResult<Future<T>, undefined>> {
    currentAioLoop("asyncio.asCompleted() async iteration");
    if (this.todoLeft === 0) return { done: true, value: undefined };
    this.todoLeft--;
    const { future } = await this._waitForOne("asyncio.asCompleted() async iteration");
    return { done: false, value: future };
  }

  /**
   * @internal The next completed Future, waiting for it if needed; boxed, since a Future
   * returned from an async function would be awaited. asyncio-flavored.
   */
  async _waitForOne(call: string): Promise<{ future: Future<T> }> {
    currentAioLoop(call);
    while (this.done.length === 0) {
      const getter = this.loop.createFuture<undefined>();
      this.getters.push(getter);
      try {
        await getter;
      } catch (error) {
        getter.cancel();
        const index = this.getters.indexOf(getter);
        if (index >= 0) this.getters.splice(index, 1);
        // A result meant for this getter goes to the next one.
        if (this.done.length > 0 && !getter.cancelled()) this.wakeNext();
        throw error;
      }
    }
    const f = this.done.shift()!;
    if (f === null) throw new TimeoutError("asyncio.asCompleted(): the timeout expired");
    return { future: f };
  }

  private put(f: Future<T> | null): void {
    this.done.push(f);
    this.wakeNext();
  }

  private wakeNext(): void {
    while (this.getters.length > 0) {
      const getter = this.getters.shift()!;
      if (!getter.done()) {
        getter.setResult(undefined);
        return;
      }
    }
  }

  private onTimeout(): void {
    for (const f of this.todo) {
      f.removeDoneCallback(this.onCompletion);
      this.put(null);
    }
    this.todo.clear();
  }
}

/**
 * Iterates over `aws` in completion order (`asyncio.as_completed`, Python 3.13):
 *
 * ```ts
 * for (const next of asyncio.asCompleted([a, b, c])) {
 *   const value = await next; // the earliest result not taken yet
 * }
 * for await (const value of asyncio.asCompleted([a, b, c])) {
 *   // the results, in completion order
 * }
 * const it = asyncio.asCompleted([a, b, c]);
 * for (let step = await it.nextCompleted(); !step.done; step = await it.nextCompleted()) {
 *   step.value.result(); // a completed Future: one of a, b, c if they are Futures
 * }
 * ```
 *
 * `aws` is an iterable of functions (started as Tasks), asyncio Futures and Promises
 * (awaited by new Tasks); duplicates count once. With `timeout`, the results not ready
 * after that many seconds throw `TimeoutError`. Sync, either flavor (the awaitables are
 * asyncio-flavored); functions and Promises need a running loop or a Future argument.
 */
export function asCompleted<T = unknown>(
  aws: Iterable<(() => PromiseLike<T> | T) | Future<T> | PromiseLike<T>>,
  options: AsCompletedOptions = {},
): AsCompletedIterator<T> {
  checkIterableOfAwaitables(aws, "asyncio.asCompleted()");
  if (typeof options !== "object" || options === null) throw new TypeError("asyncio.asCompleted(): options must be an object { timeout }");
  return new AsCompletedIterator<T>(aws, checkTimeout(options.timeout, "asyncio.asCompleted()"));
}
