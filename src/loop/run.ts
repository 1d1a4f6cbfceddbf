import { currentFrame } from "../contextvars/frame.js";
import { RuntimeError } from "../errors/builtins.js";
import { CancelReason } from "./cancel-status.js";
import type { Clock } from "./clock.js";
import { Cancelled } from "./errors.js";
import type { Instrument } from "./instruments.js";
import { openNursery, splitSpawnArgs } from "./nursery.js";
import { Runner } from "./runner.js";
import type { Task } from "./task.js";
import { entryQueueTask } from "./trio-token.js";

/** Options of `trio.run`. */
export interface RunOptions {
  /** The clock (default: the system clock). Use `trio.testing.MockClock` in tests. */
  clock?: Clock;
  /** Instruments to install for the whole run. */
  instruments?: readonly Instrument[];
  /** Whether nurseries wrap even a single error in an ExceptionGroup (default true). */
  strictExceptionGroups?: boolean;
}

function checkOptions(options: RunOptions): void {
  const { clock, instruments, strictExceptionGroups } = options;
  if (clock !== undefined) {
    for (const m of ["startClock", "currentTime", "deadlineToSleepTime"] as const) {
      if (typeof (clock as unknown as Record<string, unknown>)[m] !== "function") {
        throw new TypeError(`trio.run(): the clock must have a ${m}() method (see trio.testing.MockClock)`);
      }
    }
  }
  if (instruments !== undefined && !Array.isArray(instruments)) throw new TypeError("trio.run(): instruments must be an array");
  if (strictExceptionGroups !== undefined && typeof strictExceptionGroups !== "boolean") {
    throw new TypeError("trio.run(): strictExceptionGroups must be a boolean");
  }
}

/**
 * Runs `fn(...args)` as the main task of a new Trio run and returns a Promise of its
 * result (or its error). `trio.run(options, fn, ...args)` takes a clock, instruments
 * and `strictExceptionGroups`. Several independent runs may coexist in one process,
 * but a run cannot be started from inside a run. Callable from anywhere outside a run.
 */
export function run<R, A extends unknown[]>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R>;
export function run<R, A extends unknown[]>(options: RunOptions, fn: (...args: A) => Promise<R>, ...args: A): Promise<R>;
export function run(...rest: unknown[]): Promise<unknown> {
  const [options, fn, args] = splitSpawnArgs("trio.run()", rest) as [RunOptions & { name?: string }, (...a: unknown[]) => unknown, unknown[]];
  checkOptions(options);
  const outer = currentFrame()?.task as Task | undefined;
  if (outer !== undefined && !outer.runner._finished) {
    throw new RuntimeError(
      "Attempted to call run() from inside a run(): use a nursery (nursery.startSoon / nursery.start) to run more tasks",
    );
  }
  return startRun(options, fn, args).result;
}

/**
 * @internal Starts a run without the nested-run check: for runs that are independent by
 * design (a sync asyncio loop's private run). `keepAlive: false` lets Node exit while the
 * run idles.
 */
export function startRun(
  options: RunOptions & { keepAlive?: boolean },
  fn: (...args: unknown[]) => unknown,
  args: unknown[],
): { runner: Runner; result: Promise<unknown> } {
  const runner = new Runner(options);
  const result = new Promise((resolve, reject) => {
    runner.start(
      (r) => init(r, fn, args),
      (ok, value) => {
        if (ok) resolve(value);
        else reject(escapedCancelled(value));
      },
    );
  });
  return { runner, result };
}

function escapedCancelled(error: unknown): unknown {
  if (!(error instanceof Cancelled)) return error;
  return new RuntimeError(
    "A trio.Cancelled escaped the main task: it was thrown outside the cancel scope that raised it " +
      "(caught, stored and re-thrown elsewhere?). Let Cancelled propagate to its own scope.",
    { cause: error },
  );
}

async function init(runner: Runner, fn: (...args: unknown[]) => unknown, args: unknown[]): Promise<void> {
  const initName = String(runner.initTask);
  await openNursery(async (entryNursery) => {
    await openNursery(async (systemNursery) => {
      runner.systemNursery = systemNursery;
      await openNursery(async (mainNursery) => {
        try {
          runner.mainTask = runner.spawn(fn, args, mainNursery, fn.name || "<main>", false);
        } catch (error) {
          runner.setMainOutcome(false, error);
          return;
        }
        runner.spawn(entryQueueTask as (...args: unknown[]) => unknown, [runner], entryNursery, "<TrioToken.runSyncSoon task>", true);
      });
      systemNursery.cancelScope._cancel(new CancelReason("shutdown", "main task done, shutting down system tasks", initName));
    });
    entryNursery.cancelScope._cancel(new CancelReason("shutdown", "main task done, shutting down runSyncSoon callbacks", initName));
  });
}
