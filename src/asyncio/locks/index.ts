/**
 * asyncio's synchronization primitives (`asyncio.Lock`, `Event`, `Condition`,
 * `Semaphore`, `BoundedSemaphore`, `Barrier`), with asyncio's semantics: FIFO fairness,
 * waiters that are asyncio Futures (so `task.cancel()` reaches them), binding to the loop
 * of the first task that waits.
 * @packageDocumentation
 */
export { Lock } from "./lock.js";
export { Event } from "./event.js";
export { Condition } from "./condition.js";
export { Semaphore, BoundedSemaphore } from "./semaphore.js";
export { Barrier } from "./barrier.js";
export { LoopBound } from "./loop-bound.js";
