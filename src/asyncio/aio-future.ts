/**
 * Trio code waiting for asyncio Futures (trio-asyncio's `run_aio_future`): the crossing
 * from Trio to asyncio, with its cancellation rules.
 */
import { RuntimeError } from "../errors/builtins.js";
import { describeValue } from "../errors/describe.js";
import { currentTrioTask } from "../loop/current.js";
import { Abort, type RaiseCancel, type Task as TrioTask } from "../loop/task.js";
import { reschedule, takeValue } from "../loop/traps.js";
import type { BaseTrioEventLoop } from "./base-loop.js";
import { CancelledError } from "./errors.js";
import { Future, trioWait } from "./futures.js";

/**
 * A Trio task waiting in `runAioFuture`: an entry of the Future's done callbacks that
 * wakes the task as soon as the Future completes (Trio code runs on the engine, not on
 * the loop, so there is no loop iteration to wait for). Known to its loop, so that a
 * loop that stops for good can fail it instead of leaving it hanging.
 */
export class TrioWaiter {
  private settled = false;
  raiseCancel: RaiseCancel | null = null;

  constructor(
    readonly task: TrioTask,
    readonly future: Future<unknown>,
  ) {}

  /** The Future is done: wake the task with its outcome. */
  wake(): void {
    if (this.settled) return;
    this.settled = true;
    const future = this.future;
    future._loop._trioWaiters.delete(this);
    try {
      reschedule(this.task, { value: future.result() });
    } catch (error) {
      reschedule(this.task, { error });
    }
  }

  /** The loop stopped for good before the Future completed: fail the wait. */
  fail(loop: BaseTrioEventLoop): void {
    if (this.settled) return;
    this.settled = true;
    reschedule(this.task, {
      error: new RuntimeError(
        `${String(loop)} stopped while a Trio task was waiting for ${String(this.future)}: ` +
          "the loop can no longer run the code that would complete it",
      ),
    });
  }
}

/**
 * Waits for an asyncio Future (or Task) to be done and returns its result or throws its
 * error. Cancelling the calling Trio scope cancels the Future and keeps waiting until it
 * is really done: if it then ends with `CancelledError`, this throws `trio.Cancelled`; a
 * `CancelledError` that does not come from this Trio cancel passes through unchanged,
 * and a value that arrives despite the cancel is returned (the next checkpoint raises).
 * The Future's loop must be running (it delivers the result). Trio-flavored.
 */
export async function runAioFuture<T>(future: Future<T>): Promise<T> {
  if (!(future instanceof Future)) {
    throw new TypeError(`runAioFuture() needs an asyncio Future or Task, got ${describeValue(future)}`);
  }
  const task = currentTrioTask("runAioFuture()");
  if (!future.done()) future._loop._checkCanDeliver(future);
  const waiter = new TrioWaiter(task, future);
  task.customSleepData = waiter; // before parking: a pending cancel calls abortWait at once
  const wait = task.runner._park(task, abortWait, "runAioFuture()");
  if (future.done()) {
    // Still a schedule point, as every Trio wait.
    waiter.wake();
  } else {
    future._loop._trioWaiters.add(waiter);
    future._addTrioWaiter(waiter);
  }
  try {
    await wait;
    return takeValue(task) as T;
  } catch (error) {
    if (error instanceof CancelledError && waiter.raiseCancel !== null) {
      try {
        waiter.raiseCancel();
      } catch (cancelled) {
        (cancelled as Error).cause ??= error;
        throw cancelled;
      }
    }
    throw error;
  }
}

/** A Trio cancel of runAioFuture: cancel the Future, and keep waiting for its outcome. */
function abortWait(raiseCancel: RaiseCancel, task: TrioTask): Abort {
  const waiter = task.customSleepData as TrioWaiter;
  waiter.raiseCancel = raiseCancel;
  waiter.future.cancel();
  return Abort.FAILED;
}

trioWait.runAioFuture = runAioFuture;
