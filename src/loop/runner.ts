/**
 * The engine: one Runner per `trio.run`. It owns the tasks, the deadline heap and the
 * clock, resumes tasks, and decides when to give the host (Node's event loop) a turn.
 *
 * Scheduling. A parked task waits on a promise it got from `_park`. Rescheduling it
 * normally settles that promise at once: the task's continuation then runs as a
 * microtask, so the microtask queue is the run queue and a task switch costs what a
 * promise hand-off costs. Every 64th reschedule, and every reschedule while instruments
 * are installed or while the engine is yielding to the host, goes through the explicit
 * run queue instead, drained in a batch by one microtask: that is where the engine
 * checks expired deadlines and its host-yield budget. New tasks always start from the
 * run queue, so `startSoon` never runs the child before returning.
 *
 * Host turns. Microtasks starve Node's I/O and timers, so when tasks keep each other
 * busy for longer than HOST_BUDGET_MS the engine parks the run queue behind a
 * setImmediate. When every task is parked the engine is idle: the host runs, and one
 * host timer armed for the earliest deadline wakes it.
 */
import { copyContext, type Context } from "../contextvars/context.js";
import { currentFrame, Frame, runInFrame } from "../contextvars/frame.js";
import { RuntimeError } from "../errors/builtins.js";
import { CancelReason } from "./cancel-status.js";
import type { Clock } from "./clock.js";
import { SystemClock } from "./clock.js";
import { DeadlineHeap, type DeadlineEntry } from "./deadline-heap.js";
import { RunFinishedError, TrioInternalError } from "./errors.js";
import { Instruments, type Instrument } from "./instruments.js";
import type { Nursery } from "./nursery.js";
import { Abort, Task, TaskState, type AbortFn } from "./task.js";
import { reportSwallowedCancel } from "./warnings.js";
import { breakLotsOf } from "./parking-lot.js";
import { describeValue } from "../errors/describe.js";

/** How long tasks may keep the engine busy before the host gets a turn (real milliseconds). */
const HOST_BUDGET_MS = 2;
/** Longest host timer Node accepts. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A clock that the engine can advance when idle (MockClock); not exported from the package. */
export interface AutojumpClock extends Clock {
  _autojumpThreshold: number;
  _autojump(runner: Runner): void;
  _attach(runner: Runner): void;
  _detach(runner: Runner): void;
}

function isAutojumpClock(clock: Clock): clock is AutojumpClock {
  return typeof (clock as Partial<AutojumpClock>)._autojump === "function";
}

interface IdleWaiter {
  cushion: number;
  task: Task;
}

/** A runSyncSoon call waiting to run. */
export type EntryCallback = { fn: (...args: unknown[]) => unknown; args: unknown[]; idempotent: boolean };

function sameArgs(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The engine of one run (not exported from the package). */
export class Runner {
  readonly clock: Clock;
  readonly strictExceptionGroups: boolean;
  readonly instruments: Instruments;
  readonly systemContext: Context;
  initTask: Task | null = null;
  mainTask: Task | null = null;
  systemNursery: Nursery | null = null;
  /** Tasks that are neither parked nor exited (running, or queued to run). */
  running = 0;
  tasksLiving = 0;
  _finished = false;
  /** True when every reschedule must go through the run queue. */
  private slow = false;
  private instrumented = false;
  private yielding = false;
  ticks = 0;
  private runq: Task[] = [];
  private spare: Task[] = [];
  private drainScheduled = false;
  private releasing = false;
  private deadlinePassed = false;
  private fallbackArmed = false;
  private readonly deadlines = new DeadlineHeap();
  private hostTimer: ReturnType<typeof setTimeout> | null = null;
  private hostTimerAt = Infinity;
  private lastHostTurn = performance.now();
  private idleEpoch = 0;
  private idleHandle: { kind: "timeout" | "immediate"; handle: unknown } | null = null;
  private readonly waitingForIdle: IdleWaiter[] = [];
  private keepAlive: ReturnType<typeof setInterval> | null = null;
  private mainOk = true;
  private mainValue: unknown = undefined;
  private settle: ((ok: boolean, value: unknown) => void) | null = null;
  /** runSyncSoon queue, run by the entry task. */
  readonly entryQueue: EntryCallback[] = [];
  /** Idempotent calls still queued, by function (Trio keys them on the function and its arguments). */
  readonly entryIdempotent = new Map<(...args: unknown[]) => unknown, EntryCallback[]>();
  entryTask: Task | null = null;
  entryTaskParked = false;
  /** Set once the entry task has shut down: runSyncSoon then fails. */
  entryDone = false;

  /**
   * The frame of engine code that is in the run but in no task (instruments' run-level
   * hooks): its task slot holds a marker that leads to the runner.
   */
  readonly frame: Frame;

  /**
   * Whether the run keeps the Node process alive (true for `trio.run`, as Trio does).
   * A sync asyncio loop's private run does not: its loop holds the process only while it
   * runs, so its host timers are unref'd.
   */
  private readonly keepProcessAlive: boolean;

  constructor(options: { clock?: Clock; instruments?: readonly Instrument[]; strictExceptionGroups?: boolean; keepAlive?: boolean }) {
    this.keepProcessAlive = options.keepAlive ?? true;
    this.clock = options.clock ?? new SystemClock();
    this.strictExceptionGroups = options.strictExceptionGroups ?? true;
    this.systemContext = copyContext();
    this.frame = new Frame(this.systemContext, "trio", new RunMarker(this), undefined);
    this.instruments = new Instruments(options.instruments ?? [], (active) => {
      this.instrumented = active;
      this.slow = active || this.yielding;
    });
  }

  // ---------------------------------------------------------------- run lifecycle

  /** Starts the run: calls `settle` once, with the main task's outcome or a TrioInternalError. */
  start(init: (runner: Runner) => Promise<void>, settle: (ok: boolean, value: unknown) => void): void {
    this.settle = settle;
    // A run keeps the process alive, as Trio and asyncio do by blocking in their I/O wait.
    if (this.keepProcessAlive) this.keepAlive = setInterval(() => {}, MAX_TIMER_MS);
    this.clock.startClock();
    if (isAutojumpClock(this.clock)) this.clock._attach(this);
    // Spawned from the run's own frame, so that instruments see it inside the run.
    runInFrame(this.frame, () => {
      if (this.instrumented) this.instruments.call("beforeRun");
      this.initTask = this.spawn(init as (...args: unknown[]) => unknown, [this], null, "<init>", true, this.systemContext.copy());
    });
  }

  /** Records the main task's outcome (returned by trio.run). */
  setMainOutcome(ok: boolean, value: unknown): void {
    this.mainOk = ok;
    this.mainValue = value;
  }

  private finish(ok: boolean, value: unknown): void {
    if (this._finished) return;
    if (this.instrumented) this.runLevelHook("afterRun");
    this._finished = true;
    if (this.keepAlive !== null) clearInterval(this.keepAlive);
    if (this.hostTimer !== null) clearTimeout(this.hostTimer);
    this.clearIdleHandle();
    if (isAutojumpClock(this.clock)) this.clock._detach(this);
    const settle = this.settle!;
    this.settle = null;
    if (!ok) {
      settle(false, value instanceof TrioInternalError ? value : new TrioInternalError("internal error in the Trio engine", { cause: value }));
    } else {
      settle(this.mainOk, this.mainValue);
    }
  }

  /** Ends the run with a TrioInternalError (engine invariants broken, a system task or runSyncSoon callback failed). */
  _crash(error: unknown): void {
    this.finish(false, error);
  }

  // ---------------------------------------------------------------- tasks

  spawn(
    fn: (...args: unknown[]) => unknown,
    args: unknown[],
    nursery: Nursery | null,
    name: string,
    system: boolean,
    context?: Context,
  ): Task {
    if (nursery !== null && nursery._closed) throw new RuntimeError("Nursery is closed to new arrivals");
    if (this._finished) throw new RunFinishedError("the Trio run has already finished");
    const task = new Task(this, fn, args, nursery, name, context ?? (system ? this.systemContext.copy() : copyContext()), system);
    this.tasksLiving++;
    if (nursery !== null) {
      nursery._children.add(task);
      task._activateCancelStatus(nursery._cancelStatus);
    }
    if (this.instrumented) this.instruments.call("taskSpawned", task);
    this.running++;
    this.idleEpoch++;
    this.queue(task);
    return task;
  }

  private startTask(task: Task): void {
    task._state = TaskState.Running;
    runInFrame(task, startTaskBody, task);
  }

  /** Parks `task` until it is rescheduled; the returned promise settles then. */
  _park(task: Task, abortFn: AbortFn | null, what: string): Promise<unknown> {
    const promise = this.parkTask(task, abortFn, what);
    if (this.instrumented) this.instruments.call("afterTaskStep", task);
    if (abortFn !== null) {
      task._cancelPoints++;
      if (task._cancelStatus!.effectivelyCancelled) task._attemptDeliveryOfAnyPendingCancel();
    }
    this.yielded();
    if (this.running === 0) this.becameIdle();
    return promise;
  }

  /**
   * A schedule point: the task goes to the back of the run queue, so every task already
   * runnable runs first, and resumes from a drain: checkpoints take this path when the
   * engine is due for housekeeping (deadlines, the host's turn), so it must not be
   * released synchronously.
   */
  _schedulePoint(task: Task, what: string): Promise<unknown> {
    const promise = this.parkTask(task, null, what);
    this.markRunnable(task);
    task._nextIsError = false;
    this.runq.push(task);
    if (this.instrumented) {
      this.instruments.call("taskScheduled", task);
      this.instruments.call("afterTaskStep", task);
    }
    this.scheduleDrain();
    return promise;
  }

  private parkTask(task: Task, abortFn: AbortFn | null, what: string): Promise<unknown> {
    if (task._state !== TaskState.Running) throw parkError(task, what);
    task._state = TaskState.Parked;
    task._abortFn = abortFn;
    task._waitingOn = what;
    task._schedulePoints++;
    const promise = task._newParkPromise();
    this.running--;
    return promise;
  }

  /** Makes a parked task runnable; its park promise resolves (value, if any, in task._nextValue). */
  _reschedule(task: Task): void {
    if (!this.markRunnable(task)) return;
    task._nextIsError = false;
    this.queue(task);
  }

  /** Makes a parked task runnable with an error thrown from its park. */
  _rescheduleError(task: Task, error: unknown): void {
    if (!this.markRunnable(task)) return;
    task._nextIsError = true;
    task._nextValue = error;
    this.queue(task);
  }

  private markRunnable(task: Task): boolean {
    const state = task._state;
    if (state !== TaskState.Parked) {
      // A task that exited while parked (an un-awaited wait) has nothing left to wake.
      if (state === TaskState.Exited) return false;
      throw new RuntimeError(`reschedule: ${String(task)} is not waiting to be rescheduled`);
    }
    task._state = TaskState.Running;
    task._abortFn = null;
    task.customSleepData = undefined;
    this.running++;
    this.idleEpoch++;
    return true;
  }

  /**
   * Queues a runnable task. As in Trio, a task runs until it yields: when a running task
   * of this run made the other one runnable, the queue is released at that task's next
   * yield (see `yielded`), and at the latest after the host's next turn, since the task
   * may sit in a long foreign await. From a host callback it is released at once (its
   * continuation runs after the callback), with a microtask drain when housekeeping is
   * due. A task that seems to wake itself is a Node callback running in the context the
   * task gave the resource (a timer, a socket's events): that is from outside, too.
   */
  private queue(task: Task): void {
    this.runq.push(task);
    if (this.instrumented) this.instruments.call("taskScheduled", task);
    if (this.drainScheduled) return;
    const current = currentFrame()?.task as Task | undefined;
    if (current !== undefined && current !== task && current.runner === this && current._state === TaskState.Running) {
      if (!this.fallbackArmed) {
        this.fallbackArmed = true;
        setImmediate(this.hostFallback);
      }
    } else if (current === undefined || current === task) {
      // From a host callback (no task of this run is running): released as at a yield.
      // Settling the park promise only queues the task's continuation, to run after
      // this callback; housekeeping still gets its drain (deadlines, host turns).
      this.yielded();
    } else {
      this.scheduleDrain();
    }
  }

  /** Whether a checkpoint may resume after one microtask: nobody else is runnable and no housekeeping is due. */
  _fastCheckpointOk(): boolean {
    return !this.slow && !this.deadlinePassed && this.runq.length === 0 && !this.drainScheduled && (++this.ticks & 63) !== 0;
  }

  /**
   * A deadline was set in the past on an active scope: as in Trio it expires at the next
   * scheduler pass (so the next checkpoint raises), not inside the setter.
   */
  _noteDeadlinePassed(): void {
    this.deadlinePassed = true;
  }

  /**
   * A task yields (parks, exits, or passes a schedule point): release the runnable tasks
   * now, synchronously (settling their park promises only queues their continuations,
   * so no user code runs here), or through a drain when housekeeping is due.
   */
  private yielded(): void {
    if (this.deadlinePassed) {
      this.scheduleDrain();
      return;
    }
    if (this.runq.length === 0 || this.drainScheduled) return;
    if (this.slow || (++this.ticks & 63) === 0) this.scheduleDrain();
    else this.releaseBatch(false);
  }

  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    queueMicrotask(this.drain);
  }

  private readonly drain = (): void => {
    this.drainScheduled = false;
    if (this._finished) return;
    if (!this.yielding && performance.now() - this.lastHostTurn > HOST_BUDGET_MS) {
      this.yielding = true;
      this.slow = true;
      this.drainScheduled = true;
      setImmediate(this.afterHostTurn);
      return;
    }
    if (this.instrumented) this.ioWaitPass();
    this.deadlinePassed = false;
    this.expireDeadlines();
    this.releaseBatch(true);
  };

  private readonly taskHook = (hook: "beforeTaskStep" | "afterTaskStep" | "taskExited", task: Task): void => {
    this.instruments.call(hook, task);
  };

  private runLevelHook(hook: "beforeRun" | "afterRun" | "beforeIoWait" | "afterIoWait", timeout?: number): void {
    runInFrame(this.frame, () => this.instruments.call(hook, timeout));
  }

  /** The I/O wait of the last idle period, if its afterIoWait is still owed. */
  private ioWaitTimeout: number | null = null;

  /** A scheduler pass (Trio checks for I/O on each one; ours are the drains). */
  private ioWaitPass(): void {
    this.endIoWait();
    this.runLevelHook("beforeIoWait", 0);
    this.runLevelHook("afterIoWait", 0);
  }

  private endIoWait(): void {
    if (this.ioWaitTimeout === null) return;
    const timeout = this.ioWaitTimeout;
    this.ioWaitTimeout = null;
    this.runLevelHook("afterIoWait", timeout);
  }

  /**
   * Resumes the tasks runnable now, in FIFO order. New tasks start only from a drain
   * (`startNew`): starting one runs its code, which must not happen inside another task's
   * park. Tasks made runnable meanwhile wait for the next release.
   */
  private releaseBatch(startNew: boolean): void {
    if (this.releasing) return;
    this.releasing = true;
    const batch = this.runq;
    this.runq = this.spare;
    let deferredStart = false;
    try {
      for (let i = 0; i < batch.length; i++) {
        const task = batch[i];
        if (task._state === TaskState.New) {
          if (!startNew) {
            this.runq.push(task);
            deferredStart = true;
            continue;
          }
          if (this.instrumented) runInFrame(task, this.taskHook, "beforeTaskStep", task);
          this.startTask(task);
          continue;
        }
        if (this.instrumented) runInFrame(task, this.taskHook, "beforeTaskStep", task);
        if (task._nextIsError) {
          const reject = task._reject!;
          const error = task._nextValue;
          task._resolve = task._reject = null;
          task._nextValue = undefined;
          task._nextIsError = false;
          reject(error);
        } else {
          const resolve = task._resolve!;
          task._resolve = task._reject = null;
          resolve();
        }
      }
    } finally {
      batch.length = 0;
      this.spare = batch;
      this.releasing = false;
    }
    if (deferredStart || (startNew && this.runq.length > 0)) this.scheduleDrain();
  }

  private readonly afterHostTurn = (): void => {
    this.yielding = false;
    this.slow = this.instrumented;
    this.lastHostTurn = performance.now();
    this.drain();
  };

  private readonly hostFallback = (): void => {
    this.fallbackArmed = false;
    if (this._finished) return;
    this.lastHostTurn = performance.now();
    if (this.runq.length > 0) this.scheduleDrain();
  };

  /** Releases queued tasks from host callbacks (timers), whose frame is not a running task. */
  private kick(): void {
    if (this.runq.length > 0) this.scheduleDrain();
  }

  _taskExited(task: Task, ok: boolean, value: unknown): void {
    if (task._state === TaskState.Parked) {
      // The task's function returned while one of its waits was still pending: some
      // Trio-flavored call was started without await. Abandon the wait, report the bug.
      task._abortFn = null;
      task._resolve = task._reject = null;
      if (ok) {
        ok = false;
        value = new RuntimeError(
          `${String(task)} returned while still waiting in ${task._waitingOn}: a Trio-flavored call was ` +
            "started without await. Await it, or start it as a task in a nursery.",
        );
      }
    } else {
      this.running--;
    }
    // The task stays current (not yet Exited) until the instruments have seen its exit.
    breakLotsOf(task);
    if (task._childNurseries.length > 0) {
      for (const nursery of task._childNurseries) {
        nursery.cancelScope._cancel(
          new CancelReason("nursery", "Parent Task exited prematurely, abandoning this nursery without exiting it properly.", String(task)),
        );
        nursery._closed = true;
      }
    }
    const status = task._cancelStatus;
    if ((status !== null && status.abandonedByMisnesting && status.parent === null) || task._childNurseries.length > 0) {
      const what = task._childNurseries.length > 0 ? "Nursery" : "Cancel scope";
      const error = new RuntimeError(
        `${what} stack corrupted: ${what} surrounding ${String(task)} was closed before the task exited ` +
          "(a nursery or cancel scope body was left running without await?)",
        { cause: ok ? undefined : value },
      );
      ok = false;
      value = error;
    }
    if (ok && task._cancelledAt !== null && task._cancelledAt === status) reportSwallowedCancel(null, task);
    task._activateCancelStatus(null);
    this.tasksLiving--;
    const isInit = task === this.initTask;
    if (!isInit) {
      if (task === this.mainTask) {
        this.setMainOutcome(ok, value);
        task._parentNursery!._childFinished(task, true, undefined);
      } else {
        task._parentNursery!._childFinished(task, ok, value);
      }
    }
    if (this.instrumented) {
      runInFrame(task, this.taskHook, "taskExited", task);
      runInFrame(task, this.taskHook, "afterTaskStep", task);
    }
    task._state = TaskState.Exited;
    if (isInit) {
      this.finish(ok, value);
      return;
    }
    this.yielded();
    if (this.running === 0) this.becameIdle();
  }

  // ---------------------------------------------------------------- deadlines and the host

  _addDeadline(entry: DeadlineEntry): void {
    this.deadlines.add(entry);
    if (entry.deadlineKey < this.hostTimerAt) this.armHostTimer();
    // Added while every task is parked (asyncio task code runs between loop batches as
    // microtasks): re-plan the idle wake-up, which may now be an autojump.
    if (this.running === 0 && this.idleHandle === null) this.becameIdle();
  }

  _removeDeadline(entry: DeadlineEntry): void {
    this.deadlines.remove(entry);
  }

  /** The earliest pending deadline (run clock), or Infinity. */
  nextDeadline(): number {
    return this.deadlines.next();
  }

  /** Expires every deadline that has passed; returns whether any did. */
  expireDeadlines(): boolean {
    if (this.deadlines.size === 0) return false;
    const now = this.clock.currentTime();
    let expired = false;
    for (let entry = this.deadlines.popDue(now); entry !== undefined; entry = this.deadlines.popDue(now)) {
      expired = true;
      entry.expire(now);
    }
    return expired;
  }

  private armHostTimer(): void {
    if (this._finished) return;
    const next = this.deadlines.next();
    if (next === Infinity || next >= this.hostTimerAt) return;
    const seconds = this.clock.deadlineToSleepTime(next);
    if (!(seconds * 1000 < MAX_TIMER_MS)) return;
    if (this.hostTimer !== null) clearTimeout(this.hostTimer);
    this.hostTimerAt = next;
    this.hostTimer = setTimeout(this.onHostTimer, Math.max(0, seconds * 1000));
    if (!this.keepProcessAlive) this.hostTimer.unref();
  }

  private readonly onHostTimer = (): void => {
    this.hostTimer = null;
    this.hostTimerAt = Infinity;
    if (this._finished) return;
    this.lastHostTurn = performance.now();
    if (this.instrumented) this.endIoWait();
    this.expireDeadlines();
    this.kick();
    this.armHostTimer();
  };

  /** Called by a MockClock after its time moved: deadlines may have passed. */
  _onClockJump(): void {
    if (this._finished) return;
    this.expireDeadlines();
    if (this.hostTimer !== null) {
      clearTimeout(this.hostTimer);
      this.hostTimer = null;
      this.hostTimerAt = Infinity;
    }
    this.armHostTimer();
  }

  /** The clock's autojump setting changed: re-plan the idle wake-up if the engine is idle. */
  _reconsiderIdle(): void {
    if (!this._finished && this.running === 0) this.becameIdle();
  }

  /** Every task is parked: the host gets the turn; arm what must wake the engine. */
  private becameIdle(): void {
    if (this._finished) return;
    this.lastHostTurn = performance.now();
    this.armHostTimer();
    this.clearIdleHandle();
    let cushion = Infinity;
    if (this.waitingForIdle.length > 0) {
      cushion = this.waitingForIdle[0].cushion;
    } else if (isAutojumpClock(this.clock) && this.deadlines.size > 0) {
      cushion = this.clock._autojumpThreshold;
    }
    if (this.instrumented && this.ioWaitTimeout === null) {
      const next = this.deadlines.next();
      this.ioWaitTimeout = Math.min(cushion, next === Infinity ? Infinity : Math.max(0, this.clock.deadlineToSleepTime(next)));
      this.runLevelHook("beforeIoWait", this.ioWaitTimeout);
    }
    if (cushion === Infinity) return;
    const epoch = this.idleEpoch;
    const onIdle = (): void => {
      this.idleHandle = null;
      if (this._finished || this.idleEpoch !== epoch || this.running !== 0) return;
      if (this.instrumented) this.endIoWait();
      this.lastHostTurn = performance.now();
      if (this.waitingForIdle.length > 0) {
        const first = this.waitingForIdle[0].cushion;
        while (this.waitingForIdle.length > 0 && this.waitingForIdle[0].cushion === first) {
          this._reschedule(this.waitingForIdle.shift()!.task);
        }
      } else if (isAutojumpClock(this.clock)) {
        this.clock._autojump(this);
      }
      this.kick();
      if (this.running === 0) this.becameIdle();
    };
    this.idleHandle =
      cushion <= 0
        ? { kind: "immediate", handle: setImmediate(onIdle) }
        : { kind: "timeout", handle: this.refOrNot(setTimeout(onIdle, Math.min(cushion * 1000, MAX_TIMER_MS))) };
  }

  private refOrNot(timer: ReturnType<typeof setTimeout>): ReturnType<typeof setTimeout> {
    if (!this.keepProcessAlive) timer.unref();
    return timer;
  }

  private clearIdleHandle(): void {
    const h = this.idleHandle;
    if (h === null) return;
    this.idleHandle = null;
    if (h.kind === "immediate") clearImmediate(h.handle as ReturnType<typeof setImmediate>);
    else clearTimeout(h.handle as ReturnType<typeof setTimeout>);
  }

  /** Parks `task` until every other task has been blocked for `cushion` real seconds. */
  waitAllTasksBlocked(task: Task, cushion: number): Promise<unknown> {
    const waiter: IdleWaiter = { cushion, task };
    let i = this.waitingForIdle.length;
    while (i > 0 && this.waitingForIdle[i - 1].cushion > cushion) i--;
    this.waitingForIdle.splice(i, 0, waiter);
    return this._park(
      task,
      () => {
        const j = this.waitingForIdle.indexOf(waiter);
        if (j >= 0) this.waitingForIdle.splice(j, 1);
        return Abort.SUCCEEDED;
      },
      `waitAllTasksBlocked(${cushion})`,
    );
  }

  // ---------------------------------------------------------------- runSyncSoon

  /** Queues `fn(...args)` to run soon in the run's system context; safe from any JS code. */
  runSyncSoon(fn: (...args: unknown[]) => unknown, args: unknown[], idempotent: boolean): void {
    if (this._finished || this.entryDone) throw new RunFinishedError("the Trio run has already finished");
    if (idempotent) {
      let queued = this.entryIdempotent.get(fn);
      if (queued === undefined) this.entryIdempotent.set(fn, (queued = []));
      else if (queued.some((e) => sameArgs(e.args, args))) return;
      const entry = { fn, args, idempotent: true };
      queued.push(entry);
      this.entryQueue.push(entry);
    } else {
      this.entryQueue.push({ fn, args, idempotent: false });
    }
    const task = this.entryTask;
    if (task !== null && this.entryTaskParked) {
      this.entryTaskParked = false;
      this._reschedule(task);
    }
  }

  /** Forgets an idempotent call that is about to run (queueing it again will run it again). */
  _takeIdempotent(entry: EntryCallback): void {
    const queued = this.entryIdempotent.get(entry.fn);
    if (queued === undefined) return;
    const i = queued.indexOf(entry);
    if (i >= 0) queued.splice(i, 1);
    if (queued.length === 0) this.entryIdempotent.delete(entry.fn);
  }

  /** Statistics about the run (`trio.lowlevel.currentStatistics`). */
  statistics(): RunStatistics {
    return {
      tasksLiving: this.tasksLiving,
      tasksRunnable: this.runq.length,
      secondsToNextDeadline: this.deadlines.next() - this.clock.currentTime(),
      runSyncSoonQueueSize: this.entryQueue.length,
    };
  }

  /** Scopes currently registered with deadlines (for tests of heap hygiene). */
  get deadlineCount(): number {
    return this.deadlines.size;
  }
}

/** Stands in a frame's task slot for engine code that belongs to a run but to no task. */
export class RunMarker {
  constructor(readonly runner: Runner) {}
}

/** Run-level debugging information. */
export interface RunStatistics {
  /** Tasks spawned and not yet exited. */
  tasksLiving: number;
  /** Tasks waiting in the run queue. */
  tasksRunnable: number;
  /** Seconds until the earliest deadline (may be negative; Infinity if none). */
  secondsToNextDeadline: number;
  /** Callbacks queued with `TrioToken.runSyncSoon` and not yet run. */
  runSyncSoonQueueSize: number;
}

function parkError(task: Task, what: string): Error {
  if (task._state === TaskState.Parked) {
    return new RuntimeError(
      `${String(task)} tried to wait in ${what} while it is already waiting in ${task._waitingOn}: a Trio task ` +
        "waits in one place at a time. To wait for several things concurrently, start tasks in a nursery.",
    );
  }
  return new RuntimeError(`${String(task)} cannot wait in ${what}: it has already exited`);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

/**
 * Starts a task's function, inside the task's frame. Its outcome is observed with
 * `.then` and two shared callbacks: since the `.then` call happens inside the task's
 * frame, the callbacks run there too and find their task in the frame (no closure and
 * no wrapper async function per task).
 */
function startTaskBody(task: Task): void {
  const fn = task._fn!;
  const args = task._args!;
  task._fn = task._args = null;
  let result: unknown;
  try {
    result = fn(...args);
  } catch (error) {
    finishTask(task, false, error);
    return;
  }
  if (!isThenable(result)) {
    finishTask(
      task,
      false,
      new TypeError(
        `${String(task)}: ${fn.name || "the task function"} returned ${describeValue(result)} instead of a Promise. ` +
          "Tasks run async functions: pass an async function (and its arguments separately).",
      ),
    );
    return;
  }
  Promise.resolve(result).then(onTaskReturned, onTaskFailed);
}

function onTaskReturned(value: unknown): void {
  finishTask(currentFrame()!.task as Task, true, value);
}

function onTaskFailed(error: unknown): void {
  finishTask(currentFrame()!.task as Task, false, error);
}

function finishTask(task: Task, ok: boolean, value: unknown): void {
  try {
    task.runner._taskExited(task, ok, value);
  } catch (e) {
    task.runner._crash(e);
  }
}
