/** Run-level lowlevel functions: system tasks, instruments, statistics. */
import { currentRunner } from "./current.js";
import type { Instrument } from "./instruments.js";
import { splitSpawnArgs, type SpawnOptions } from "./nursery.js";
import type { RunStatistics } from "./runner.js";
import type { Task } from "./task.js";

/**
 * Starts a system task: it lives in the run's system nursery, does not inherit the
 * caller's contextvars (it gets a copy of the run's initial Context), is cancelled when
 * the main task exits, and if it throws, the whole run ends with a TrioInternalError.
 * Sync, either flavor (inside the run).
 */
export function spawnSystemTask<A extends unknown[]>(fn: (...args: A) => Promise<unknown>, ...args: A): Task;
export function spawnSystemTask<A extends unknown[]>(options: SpawnOptions, fn: (...args: A) => Promise<unknown>, ...args: A): Task;
export function spawnSystemTask(...rest: unknown[]): Task {
  const [options, fn, args] = splitSpawnArgs("trio.lowlevel.spawnSystemTask()", rest);
  const runner = currentRunner("trio.lowlevel.spawnSystemTask()");
  return runner.spawn(fn, args, runner.systemNursery, options.name ?? (fn.name || "<system task>"), true, options.context);
}

/** Installs an instrument for the rest of the run. Sync, either flavor (inside the run). */
export function addInstrument(instrument: Instrument): void {
  currentRunner("trio.lowlevel.addInstrument()").instruments.add(instrument);
}

/** Removes an installed instrument (KeyError if it is not installed). Sync, either flavor (inside the run). */
export function removeInstrument(instrument: Instrument): void {
  currentRunner("trio.lowlevel.removeInstrument()").instruments.remove(instrument);
}

/** Run-level debugging information. Sync, either flavor (inside the run). */
export function currentStatistics(): RunStatistics {
  return currentRunner("trio.lowlevel.currentStatistics()").statistics();
}
