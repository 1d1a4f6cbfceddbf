import { ValueError } from "../errors/builtins.js";
import { currentAioLoop } from "./current.js";
import { yieldOnce, type Future } from "./futures.js";

function setResultUnlessCancelled<T>(future: Future<T>, result: T): void {
  if (!future.done()) future.setResult(result);
}

/**
 * Sleeps `delay` seconds (loop clock) and returns `result`. `sleep(0)` yields to the
 * loop for one iteration. Cancelling the task cancels the sleep. asyncio-flavored.
 */
export async function sleep<T = undefined>(delay: number, result?: T): Promise<T> {
  if (typeof delay !== "number") throw new TypeError("delay must be a number of seconds");
  if (Number.isNaN(delay)) throw new ValueError("delay must not be NaN");
  const loop = currentAioLoop("asyncio.sleep()");
  if (delay <= 0) {
    await yieldOnce;
    return result as T;
  }
  const future = loop.createFuture<T>();
  const timer = loop.callLater(delay, setResultUnlessCancelled, future, result as T);
  try {
    return await future;
  } finally {
    timer.cancel();
  }
}
