/**
 * `trio.testing` (also the `trio-asyncio/testing` entry point): tools for testing
 * concurrent code deterministically.
 * @packageDocumentation
 */
export { MockClock, type MockClockOptions } from "../../loop/mock-clock.js";
export { waitAllTasksBlocked } from "./wait-all-tasks-blocked.js";
export { Sequencer } from "./sequencer.js";
export { assertCheckpoints, assertNoCheckpoints } from "./checkpoints.js";
export { MemoryReceiveStream, MemorySendStream, lockstepStreamOneWayPair, lockstepStreamPair, memoryStreamOneWayPair, memoryStreamPair, memoryStreamPump, type AsyncHook, type MemoryReceiveStreamOptions, type MemorySendStreamOptions, type MemoryStreamPumpOptions, type SyncHook } from "./memory-streams.js";
