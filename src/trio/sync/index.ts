/**
 * Trio's synchronization primitives (`trio.Event`, `trio.Lock`, `trio.StrictFIFOLock`,
 * `trio.Semaphore`, `trio.CapacityLimiter`, `trio.Condition`), fair and cancellable.
 * @packageDocumentation
 */
export { Event, type EventStatistics } from "./event.js";
export { Lock, StrictFIFOLock, type LockStatistics } from "./lock.js";
export { Semaphore, type SemaphoreOptions, type SemaphoreStatistics } from "./semaphore.js";
export { CapacityLimiter, type CapacityLimiterStatistics } from "./capacity-limiter.js";
export { Condition, type ConditionStatistics } from "./condition.js";
