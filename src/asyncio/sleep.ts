import { ValueError } from "../errors/builtins.js";
import type { BaseTrioEventLoop } from "./base-loop.js";
import { currentAioLoop } from "./current.js";
import type { Future } from "./futures.js";

function setResultUnlessCancelled<T>(future: Future<T>, result: T): void {
  if (!future.done()) future.setResult(result);
}

/** @internal Yields to the loop for one iteration (asyncio's bare `yield`). */
export function yieldToLoop(loop: BaseTrioEventLoop): Future<undefined> {
  const future = loop.createFuture<undefined>();
  loop.callSoon(setResultUnlessCancelled, future, undefined);
  return future;
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
    await yieldToLoop(loop);
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
