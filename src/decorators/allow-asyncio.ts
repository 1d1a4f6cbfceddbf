/**
 * `allowAsyncio`: Trio code that may also await asyncio primitives directly
 * (trio-asyncio's `allow_asyncio`), for one-off scripts.
 */
import type { BaseTrioEventLoop } from "../asyncio/base-loop.js";
import { frameContext } from "../contextvars/context.js";
import { currentFrame, Frame, runInFrame } from "../contextvars/frame.js";
import { describeValue } from "../errors/describe.js";
import { currentTrioTask } from "../loop/current.js";
import { loopOf } from "./loop-of.js";

/**
 * @internal The asyncio slot of code running under allowAsyncio: asyncio primitives
 * find their loop here and accept the caller, and an asyncio Future it awaits is waited
 * for as `runAioFuture` does (a Trio cancel cancels it). It is not a Task:
 * `asyncio.currentTask()` is null there, so what needs a current task (asyncio.timeout,
 * TaskGroup) does not work.
 */
export class AllowAsyncioSlot {
  readonly _allowAsyncio = true;
  constructor(readonly _loop: BaseTrioEventLoop) {}
}

/**
 * Calls `fn(...args)` so that it may await both Trio-flavored and asyncio-flavored
 * primitives directly (`await asyncio.sleep(1); await trio.sleep(1)`), without adapters,
 * on the loop of the enclosing `openLoop`. Cancellation reaches asyncio waits as
 * `trio.Cancelled`, not `CancelledError`, and asyncio's task-level tools (currentTask,
 * timeout, TaskGroup) are not available: prefer the adapters in real programs.
 * Trio-flavored; there is no asyncio-flavored counterpart.
 */
export async function allowAsyncio<R, A extends unknown[]>(fn: (...args: A) => PromiseLike<R> | R, ...args: A): Promise<R> {
  if (typeof fn !== "function") {
    throw new TypeError(`allowAsyncio() needs a function to call, got ${describeValue(fn)}: write allowAsyncio(fn, ...args)`);
  }
  const task = currentTrioTask("allowAsyncio()");
  const outer = currentFrame()!;
  // Nested: already allowed.
  if ((outer.aio as Partial<AllowAsyncioSlot> | undefined)?._allowAsyncio === true) return fn(...args);
  const loop = loopOf({}, "allowAsyncio()");
  const frame = new Frame(frameContext(outer), "trio", task, new AllowAsyncioSlot(loop));
  // Awaited inside the allowed frame: a Future that fn returns is waited for as a Trio wait.
  return runInFrame(frame, callAndAwait, fn, args);
}

async function callAndAwait<R, A extends unknown[]>(fn: (...args: A) => PromiseLike<R> | R, args: A): Promise<R> {
  return await fn(...args);
}
