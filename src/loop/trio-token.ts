import type { Runner } from "./runner.js";
import { currentRunner, currentTrioTask } from "./current.js";
import { Abort } from "./task.js";
import { Cancelled } from "./errors.js";
import { checkpoint } from "./traps.js";

/** Options of `TrioToken.runSyncSoon`. */
export interface RunSyncSoonOptions {
  /** Skip the call if the same function is already queued (and not yet run). */
  idempotent?: boolean;
}

/**
 * A handle on a Trio run for code outside it (`trio.lowlevel.TrioToken`): any
 * JavaScript callback, inside or outside the run, can queue a synchronous function to
 * run in it. Get it with `trio.lowlevel.currentTrioToken()`. Sync, either flavor.
 */
export class TrioToken {
  /** @internal */
  readonly _runner: Runner;

  /** @internal */
  constructor(runner: Runner) {
    this._runner = runner;
  }

  /**
   * Queues `fn(...args)` to run soon inside the run, in order of submission.
   * `runSyncSoon({ idempotent: true }, fn, ...args)` skips the call if `fn` is already
   * queued. If `fn` throws, the run ends with a TrioInternalError. After the run has
   * finished, throws RunFinishedError. Safe from any JavaScript code.
   */
  runSyncSoon<A extends unknown[]>(fn: (...args: A) => unknown, ...args: A): void;
  runSyncSoon<A extends unknown[]>(options: RunSyncSoonOptions, fn: (...args: A) => unknown, ...args: A): void;
  runSyncSoon(...rest: unknown[]): void {
    let idempotent = false;
    let i = 0;
    if (typeof rest[0] === "object" && rest[0] !== null) {
      idempotent = (rest[0] as RunSyncSoonOptions).idempotent === true;
      i = 1;
    }
    const fn = rest[i];
    if (typeof fn !== "function") throw new TypeError("runSyncSoon() needs a function to call");
    this._runner.runSyncSoon(fn as (...args: unknown[]) => unknown, rest.slice(i + 1), idempotent);
  }

  toString(): string {
    return "<TrioToken>";
  }
}

const tokens = new WeakMap<Runner, TrioToken>();

/** The TrioToken of the current run. Sync, either flavor (inside the run). */
export function currentTrioToken(): TrioToken {
  const runner = currentRunner("trio.lowlevel.currentTrioToken()");
  let token = tokens.get(runner);
  if (token === undefined) {
    token = new TrioToken(runner);
    tokens.set(runner, token);
  }
  return token;
}

/** @internal The system task that runs runSyncSoon callbacks. */
export async function entryQueueTask(runner: Runner): Promise<void> {
  const task = currentTrioTask("<runSyncSoon task>");
  runner.entryTask = task;
  try {
    for (;;) {
      runBounded(runner);
      if (runner.entryQueue.length === 0) {
        runner.entryTaskParked = true;
        await runner._park(task, () => ((runner.entryTaskParked = false), Abort.SUCCEEDED), "runSyncSoon queue");
      } else {
        await checkpoint();
      }
    }
  } catch (error) {
    if (!(error instanceof Cancelled)) throw error;
    task._cancelledAt = null; // absorbing this Cancelled is the point: it means shutdown
    // Shutdown: no more callbacks are accepted; run the ones already queued.
    runner.entryDone = true;
    while (runner.entryQueue.length > 0) runBounded(runner);
  } finally {
    runner.entryTask = null;
  }
}

/** Runs the callbacks queued now (not the ones they queue: those wait for the next pass). */
function runBounded(runner: Runner): void {
  const batch = runner.entryQueue.splice(0, runner.entryQueue.length);
  for (const entry of batch) {
    if (entry.idempotent) runner._takeIdempotent(entry);
    try {
      entry.fn(...entry.args);
    } catch (error) {
      // As in Trio: the error kills everything, through a failing system task (which
      // the run reports as a TrioInternalError caused by it).
      const fail = async (): Promise<never> => {
        throw error;
      };
      const nursery = runner.systemNursery !== null && !runner.systemNursery._closed ? runner.systemNursery : runner.entryTask!.parentNursery!;
      runner.spawn(fail, [], nursery, "<runSyncSoon error>", true);
    }
  }
}
