import { ValueError } from "../errors/builtins.js";
import { currentAioLoop } from "./current.js";
import { yieldToLoop, type Future } from "./futures.js";

function setResultUnlessCancelled<T>(future: Future<T>, result: T): void {
  if (!future.done()) future.setResult(result);
}

/**
 * Sleeps `delay` seconds (loop clock) and returns `result`. `sleep(0)` yields to the
 * loop for one iteration. Cancelling the task cancels the sleep. asyncio-flavored.
 */
export function sleep<T = undefined>(delay: number, result?: T): Promise<T> {
  let loop;
  try {
    if (typeof delay !== "number") throw new TypeError("delay must be a number of seconds");
    if (Number.isNaN(delay)) throw new ValueError("delay must not be NaN");
    loop = currentAioLoop("asyncio.sleep()");
  } catch (error) {
    return Promise.reject(error);
  }
  // Not an async function: a bare yield costs the caller one promise.
  if (delay <= 0) return yieldToLoop(result as T);
  return sleepFor(loop.createFuture<T>(), delay, result as T);
}

async function sleepFor<T>(future: Future<T>, delay: number, result: T): Promise<T> {
  const timer = future._loop.callLater(delay, setResultUnlessCancelled, future, result);
  try {
    return await future;
  } finally {
    timer.cancel();
  }
}
