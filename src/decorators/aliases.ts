/**
 * trio-asyncio's module-level shortcuts for the methods of the current loop (the loop
 * of the enclosing `openLoop`, or the running loop in asyncio code).
 */
import type { Future } from "../asyncio/futures.js";
import { loopOf } from "./loop-of.js";

/**
 * Runs `fn()` (an asyncio-flavored function, as a Task of the current loop) or awaits an
 * asyncio Future or Promise, and returns the result, with `runAioFuture`'s
 * cancellation rules. Trio-flavored.
 */
export async function runAioCoroutine<T>(fnOrAwaitable: (() => PromiseLike<T> | T) | PromiseLike<T>): Promise<T> {
  return loopOf({}, "runAioCoroutine()").runAioCoroutine(fnOrAwaitable);
}

/**
 * Starts `fn(...args)` (Trio-flavored) as a Trio task of the current loop and returns an
 * asyncio Future of its result (`loop.trioAsFuture`). Sync, either flavor.
 */
export function runTrio<T, A extends unknown[]>(fn: (...args: A) => PromiseLike<T> | T, ...args: A): Future<T> {
  return loopOf({}, "runTrio()").trioAsFuture(fn, ...args);
}

/**
 * Starts `fn(...args)` (Trio-flavored) as a Trio task of the current loop; an error it
 * throws ends the loop (`loop.runTrioTask`). Sync, either flavor.
 */
export function runTrioTask<A extends unknown[]>(fn: (...args: A) => unknown, ...args: A): void {
  loopOf({}, "runTrioTask()").runTrioTask(fn, ...args);
}
