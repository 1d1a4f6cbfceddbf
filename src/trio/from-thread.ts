/**
 * `trio.fromThread`: calls from a job running in a worker thread back into the Trio run
 * that started it (Trio's `trio.from_thread`). The worker blocks until the call returns.
 *
 * These functions run in the worker. A job shipped by source finds `fromThread` (and
 * `trio.fromThread`) in its scope; a `{ module, export }` job may import this package,
 * whose `trio.fromThread` reaches the same bridge, which each worker publishes on
 * `globalThis`. Anywhere else (notably in the Trio thread, which would deadlock waiting
 * for itself) they throw RuntimeError.
 * @packageDocumentation
 */
import { RuntimeError } from "../errors/builtins.js";
import type { ModuleFunction } from "./job.js";
import { BRIDGE_KEY } from "./worker-bootstrap.js";

export type { ModuleFunction } from "./job.js";

/** What a worker publishes; see worker-bootstrap.ts. */
interface Bridge {
  readonly version: number;
  active(): boolean;
  run(fn: unknown, args: unknown[]): unknown;
  runSync(fn: unknown, args: unknown[]): unknown;
  checkCancelled(): void;
}

const KEY = Symbol.for(BRIDGE_KEY);

function bridge(what: string): Bridge {
  const found = (globalThis as Record<symbol, unknown>)[KEY] as Bridge | undefined;
  if (found === undefined || !found.active()) {
    throw new RuntimeError(
      `${what} only works inside a job started by trio.toThread.runSync(), in its worker thread while the job runs: ` +
        (found === undefined
          ? "this thread is not one of its workers (from the Trio thread, a blocking call into the run would deadlock it)"
          : "no job is running in this worker now"),
    );
  }
  return found;
}

/**
 * Runs the async, Trio-flavored `fn(...args)` in the Trio run that started the current
 * job, blocks the worker until it finishes, and returns its result or throws its error
 * (Trio's `trio.from_thread.run`). `fn` crosses the thread boundary as data, like a job:
 * shipped by source (self-contained; in its source `trio` is this package's Trio
 * namespace) or given as `{ module, export }`. Arguments and the result are
 * structured-cloned; an error keeps its name, message and stack, and if the job throws
 * it on, `toThread.runSync` throws the original object.
 *
 * It runs as part of the task waiting in `toThread.runSync`, inside that task's cancel
 * scopes: if the task is cancelled, `fn` gets `trio.Cancelled` at its next checkpoint.
 * For a job started with `abandonOnCancel: true` it runs in a system task instead (its
 * caller may be gone), and fails with `RunFinishedError` once the run is shutting down.
 * Sync, no flavor: call it only from a job's worker thread.
 */
export function run<A extends unknown[], R>(fn: (...args: A) => PromiseLike<R>, ...args: A): R;
export function run(fn: ModuleFunction, ...args: unknown[]): unknown;
export function run(fn: unknown, ...args: unknown[]): unknown {
  return bridge("trio.fromThread.run()").run(fn, args);
}

/**
 * Calls the synchronous `fn(...args)` in the Trio run that started the current job,
 * blocks the worker until it returns, and returns its result or throws its error
 * (Trio's `trio.from_thread.run_sync`). `fn` crosses as in `run`; one that returns a
 * Promise is a TypeError (use `run`). It runs in the task waiting in
 * `toThread.runSync` (or, for a job started with `abandonOnCancel: true`, in a
 * `TrioToken.runSyncSoon` callback), so Trio's sync functions work in it, and it
 * never sees `trio.Cancelled`. Sync, no flavor: call it only from a job's worker thread.
 */
export function runSync<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): R;
export function runSync(fn: ModuleFunction, ...args: unknown[]): unknown;
export function runSync(fn: unknown, ...args: unknown[]): unknown {
  return bridge("trio.fromThread.runSync()").runSync(fn, args);
}

/**
 * Throws `trio.Cancelled` (as an error named "Cancelled"; if the job lets it escape,
 * `toThread.runSync` throws the original `trio.Cancelled`) once the call to
 * `toThread.runSync` that started the current job has been cancelled, whether or not it
 * abandons the job (Trio's `trio.from_thread.check_cancelled`). A thread cannot be
 * interrupted, so a long job polls this to stop early. Sync, no flavor: call it only
 * from a job's worker thread.
 */
export function checkCancelled(): void {
  bridge("trio.fromThread.checkCancelled()").checkCancelled();
}
