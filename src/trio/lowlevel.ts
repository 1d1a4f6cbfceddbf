/**
 * `trio.lowlevel`: the engine's building blocks, for writing new primitives.
 * @packageDocumentation
 */
export { Abort, Task, type AbortFn, type RaiseCancel } from "../loop/task.js";
export {
  checkpoint,
  cancelShieldedCheckpoint,
  checkpointIfCancelled,
  currentClock,
  currentRootTask,
  currentTask,
  reschedule,
  waitTaskRescheduled,
  type Outcome,
} from "../loop/traps.js";
export { addInstrument, currentStatistics, removeInstrument, spawnSystemTask } from "../loop/system.js";
export { currentTrioToken, TrioToken, type RunSyncSoonOptions } from "../loop/trio-token.js";
export { ParkingLot, addParkingLotBreaker, removeParkingLotBreaker, type ParkingLotStatistics } from "../loop/parking-lot.js";
export { formatTaskTree, taskTree, type TaskTreeNode } from "../loop/task-tree.js";
export type { Instrument } from "../loop/instruments.js";
export type { Clock } from "../loop/clock.js";
export type { RunStatistics } from "../loop/runner.js";
export { inTrioRun, inTrioTask } from "../loop/current.js";
export { openProcess } from "./process.js";
