/**
 * `openLoop` and `run`: an asyncio event loop for a block of Trio code, with
 * trio-asyncio's orderly shutdown.
 */
import { runAioFuture } from "../asyncio/aio-future.js";
import { trioContextLoop } from "../asyncio/current.js";
import type { Future } from "../asyncio/futures.js";
import { allTasks } from "../asyncio/tasks.js";
import { ContextVar } from "../contextvars/context-var.js";
import { describeValue } from "../errors/describe.js";
import { CancelScope } from "../loop/cancel-scope.js";
import { currentTrioTask } from "../loop/current.js";
import { openNursery, type TaskStatus } from "../loop/nursery.js";
import { run as trioRun, type RunOptions } from "../loop/run.js";
import { Abort, type Task } from "../loop/task.js";
import { checkpoint, reschedule, waitTaskRescheduled } from "../loop/traps.js";
import { TrioEventLoop } from "./trio-loop.js";

/**
 * The loop of the nearest enclosing `openLoop` block (trio-asyncio's `current_loop`):
 * what `asyncio.getEventLoop()` and `getRunningLoop()` return in Trio code, and the
 * loop the adapters use by default. Setting it redirects the current Context to another
 * open loop; keep such a change inside the Context it is meant for (`ctx.run`).
 * Sync, either flavor.
 */
export const currentLoop = new ContextVar<TrioEventLoop | null>("trio_aio_loop", { default: null });

trioContextLoop.get = () => currentLoop.get();

const LOOSE = { strictExceptionGroups: false };

/** Options of `openLoop`. */
export interface OpenLoopOptions {
  /**
   * The most callbacks the loop may hold queued at once (default: unlimited). Going over
   * it throws `trio.WouldBlock` from the call that schedules one: there is no way to
   * push back on asyncio code, so set it only to cap memory at the price of a crash.
   */
  queueLen?: number;
}

/** Options of `run`: `trio.run`'s, and `openLoop`'s. */
export interface BridgeRunOptions extends RunOptions, OpenLoopOptions {}

/**
 * Provides an asyncio event loop (a `TrioEventLoop`) running on the Trio engine for
 * the duration of `body(loop)`, and returns the body's result. Inside the block,
 * `asyncio.getEventLoop()` and `asyncio.getRunningLoop()` return the loop, and the
 * adapters (`aioAsTrio`, `trioAsAio`) use it.
 *
 * Leaving the block shuts the loop down in order, like `asyncio.run()`: callbacks
 * scheduled before the exit run first; then asyncio tasks and Trio tasks started from
 * asyncio are cancelled together, and the loop runs until they have all finished; the
 * loop then stops, runs what is left in its queue, and closes. An outer cancellation
 * reaches the body (asyncio code sees CancelledError through the adapters) and comes
 * out of `openLoop` as the outer scope's `trio.Cancelled`. An error of an asyncio task
 * or callback that nobody handled comes out of `openLoop` too. A lone error comes out as
 * it was thrown; several at once come out as an ExceptionGroup (trio-asyncio nests one
 * group per internal nursery even for one error; this port does not). Trio-flavored.
 */
export async function openLoop<R>(body: (loop: TrioEventLoop) => R | PromiseLike<R>, options: OpenLoopOptions = {}): Promise<R> {
  if (typeof body !== "function") {
    throw new TypeError(
      `openLoop() needs a body function, \`openLoop(async (loop) => { ... })\`, got ${describeValue(body)}` +
        (isThenable(body) ? ": pass the function, not a started call" : ""),
    );
  }
  if (typeof options !== "object" || options === null) throw new TypeError("openLoop(body, options): options must be an object { queueLen }");
  const task = currentTrioTask("openLoop()");
  let result: R | undefined;
  let forwarded = false;
  // Non-strict: a lone error (from the body, a task or a callback) comes out as is, not
  // wrapped once per internal nursery; several errors come out as an ExceptionGroup.
  await openNursery(LOOSE, async (loopNursery) => {
    const loop = new TrioEventLoop(task.runner, { queueLen: options.queueLen });
    loop._loopNursery = loopNursery;
    const token = currentLoop.set(loop);
    try {
      await openNursery(LOOSE, async (tasksNursery) => {
        // Trio tasks started from asyncio are cancelled through their asyncio caller or
        // the teardown below, not directly by an outer cancel.
        tasksNursery.cancelScope.shield = true;
        loop._nursery = tasksNursery;
        await loopNursery.start({ name: "asyncio event loop" }, mainLoop, loop);
        try {
          const forward = new CancelForwarder();
          const bodyScope = new CancelScope();
          forward.bodyScope = bodyScope;
          // The body's scope catches the Cancelled of a forwarded cancellation; it is
          // raised again outside the shielded nursery, below.
          try {
            await bodyScope.run(async () => {
              loopNursery.startSoon({ name: "openLoop: forward cancellation" }, runForwarder, forward);
              try {
                result = await body(loop);
              } finally {
                forward.finish();
              }
            });
          } finally {
            forwarded = bodyScope.cancelledCaught;
          }
        } finally {
          // Let everything submitted so far start (and be cancelled below), unless the
          // loop stops first (someone called loop.stop()).
          await openNursery(LOOSE, async (syncNursery) => {
            syncNursery.startSoon({ name: "openLoop: synchronize" }, synchronizeThenCancel, loop, syncNursery.cancelScope);
            await loop.waitStopped();
            syncNursery.cancelScope.cancel();
          });
          // Cancel asyncio tasks and Trio tasks at the same time, so that each kind may
          // still use the other while it unwinds.
          for (const aioTask of allTasks(loop)) tasksNursery.startSoon({ name: "openLoop: cancel asyncio task" }, cancelAioTask, loop, aioTask);
          tasksNursery.cancelScope.cancel();
        }
      });
    } finally {
      loop._nursery = null;
      // The outer cancellation the body took comes out of openLoop: a checkpoint in the
      // (cancelled) loop nursery raises it for the outer scope.
      if (forwarded) loopNursery.startSoon({ name: "openLoop: forwarded cancellation" }, checkpoint);
      try {
        await new CancelScope({ shield: true }).run(() => shutDown(loop));
      } finally {
        loop._loopNursery = null;
        loop.close();
        currentLoop.reset(token);
      }
    }
  });
  return result as R;
}

/**
 * Runs `fn(...args)`, a Trio-flavored async function, in a new Trio run with an open
 * asyncio loop (`trio.run` plus `openLoop`), and returns its result. Options: those of
 * `trio.run` (`clock`, `instruments`, `strictExceptionGroups`) and `queueLen`.
 * Callable from anywhere outside a run.
 */
export function run<R, A extends unknown[]>(fn: (...args: A) => PromiseLike<R> | R, ...args: A): Promise<R>;
export function run<R, A extends unknown[]>(options: BridgeRunOptions, fn: (...args: A) => PromiseLike<R> | R, ...args: A): Promise<R>;
export function run(...rest: unknown[]): Promise<unknown> {
  let options: BridgeRunOptions = {};
  if (typeof rest[0] === "object" && rest[0] !== null && !isThenable(rest[0])) options = rest.shift() as BridgeRunOptions;
  const fn = rest[0];
  if (typeof fn !== "function") {
    return Promise.reject(
      new TypeError(
        isThenable(fn)
          ? "run() needs a Trio-flavored async function, got a Promise: write run(main, ...args), not run(main(...args))"
          : `run() needs a Trio-flavored async function, got ${describeValue(fn)}`,
      ),
    );
  }
  const { queueLen, ...runOptions } = options;
  const args = rest.slice(1);
  return trioRun(runOptions, () => openLoop(() => (fn as (...a: unknown[]) => unknown)(...args), { queueLen }));
}

/** The loop's Trio task: runs the loop until it is stopped; a cancel does not interrupt it. */
async function mainLoop(status: TaskStatus, loop: TrioEventLoop): Promise<void> {
  status.started();
  await loop._runUntilStopped();
}

/** Stops the loop, runs what is left in its queue, and drops its timers. */
async function shutDown(loop: TrioEventLoop): Promise<void> {
  loop.stop();
  await loop.waitStopped();
  loop._draining = true;
  try {
    while (loop._ready.length > 0) await loop._runUntilStopped(true);
  } finally {
    loop._draining = false;
  }
}

/**
 * Waits for an asyncio task cancelled at the teardown, then for the loop to run what the
 * task queued while it unwound (a Trio task it started must start while the tasks
 * nursery is still open).
 */
async function cancelAioTask(loop: TrioEventLoop, task: Future<unknown>): Promise<void> {
  try {
    await runAioFuture(task);
  } finally {
    if (loop.isRunning()) await new CancelScope({ shield: true }).run(() => synchronizeUnlessStopped(loop));
  }
}

/** `loop.synchronize()`, unless the loop stops for good first (someone called stop()). */
async function synchronizeUnlessStopped(loop: TrioEventLoop): Promise<void> {
  try {
    await loop.synchronize();
  } catch (error) {
    if (!loop._stoppedForGood) throw error;
  }
}

async function synchronizeThenCancel(loop: TrioEventLoop, scope: CancelScope): Promise<void> {
  if (!loop.isClosed()) await synchronizeUnlessStopped(loop);
  scope.cancel();
}

/**
 * Forwards an outer cancellation into the body of `openLoop` (whose tasks nursery is
 * shielded): a task waits, and when a cancel reaches it, it cancels the body's scope
 * instead of raising, so that a Cancelled comes out of openLoop only if the body took one.
 */
class CancelForwarder {
  bodyScope: CancelScope | null = null;
  private task: Task | null = null;
  private done = false;

  finish(): void {
    this.done = true;
    const task = this.task;
    if (task !== null) {
      this.task = null;
      reschedule(task);
    }
  }

  async wait(): Promise<void> {
    if (this.done) return;
    this.task = currentTrioTask("openLoop cancellation forwarder");
    await waitTaskRescheduled(() => {
      this.bodyScope?.cancel();
      // Not a Cancelled: the forwarder just ends (the body's Cancelled carries the news).
      const task = this.task;
      this.task = null;
      if (task !== null) reschedule(task);
      return Abort.FAILED;
    });
  }
}

function runForwarder(forward: CancelForwarder): Promise<void> {
  return forward.wait();
}



function isThenable(value: unknown): boolean {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as { then?: unknown }).then === "function";
}
