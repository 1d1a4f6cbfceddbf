// Ported from python-trio/trio src/trio/_tests/test_sync.py
import { describe, expect, it } from "vitest";
import * as trio from "../../../src/trio/index.js";
import { CapacityLimiter, Condition, Event, Lock, Semaphore, StrictFIFOLock } from "../../../src/trio/sync/index.js";
import { openMemoryChannel, type MemoryReceiveChannel, type MemorySendChannel } from "../../../src/trio/memory-channel.js";
import type { AsyncContextManager } from "../../../src/loop/async-context-manager.js";
import type { Task } from "../../../src/loop/task.js";
import { ExceptionGroup } from "../../../src/errors/exception-group.js";
import { RuntimeError, ValueError } from "../../../src/errors/builtins.js";

const { waitAllTasksBlocked } = trio.testing;
const { currentTask } = trio.lowlevel;

/** Trio's `with assert_checkpoints():` — the block passed a cancel point and a schedule point. */
async function assertCheckpoints(fn: () => Promise<unknown>): Promise<void> {
  const task = currentTask();
  const cancelPoints = task._cancelPoints;
  const schedulePoints = task._schedulePoints;
  await fn();
  expect(task._cancelPoints).toBeGreaterThan(cancelPoints);
  expect(task._schedulePoints).toBeGreaterThan(schedulePoints);
}

/**
 * Stands in for `GLOBAL_PARKING_LOT_BREAKER[task]` containing `lot` (the registry is not
 * exposed): removing the registration succeeds exactly when it exists; then restore it.
 */
function isBreaker(task: Task, lot: trio.lowlevel.ParkingLot): boolean {
  try {
    trio.lowlevel.removeParkingLotBreaker(task, lot);
  } catch {
    return false;
  }
  trio.lowlevel.addParkingLotBreaker(task, lot);
  return true;
}

describe("test_sync", () => {
  it("test_Event", async () => {
    await trio.run(async () => {
      let e = new Event();
      expect(e.isSet()).toBe(false);
      expect(e.statistics().tasksWaiting).toBe(0);

      e.set();
      expect(e.isSet()).toBe(true);
      await assertCheckpoints(() => e.wait());

      e = new Event();
      const record: string[] = [];
      const child = async (): Promise<void> => {
        record.push("sleeping");
        await e.wait();
        record.push("woken");
      };
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(child);
        nursery.startSoon(child);
        await waitAllTasksBlocked();
        expect(record).toEqual(["sleeping", "sleeping"]);
        expect(e.statistics().tasksWaiting).toBe(2);
        e.set();
        await waitAllTasksBlocked();
        expect(record).toEqual(["sleeping", "sleeping", "woken", "woken"]);
      });
    });
  });

  it("test_CapacityLimiter", async () => {
    await trio.run(async () => {
      expect(new CapacityLimiter(0).totalTokens).toBe(0);
      // Python's 1.0 is a float; in JavaScript 1.0 === 1, so use a real fraction.
      expect(() => new CapacityLimiter(1.5)).toThrow(TypeError);
      expect(() => new CapacityLimiter(-1)).toThrow(new ValueError("totalTokens must be >= 0"));
      const c = new CapacityLimiter(2);
      String(c); // smoke test
      expect(c.totalTokens).toBe(2);
      expect(c.borrowedTokens).toBe(0);
      expect(c.availableTokens).toBe(2);
      expect(() => c.release()).toThrow(RuntimeError);
      expect(c.borrowedTokens).toBe(0);
      c.acquireNowait();
      expect(c.borrowedTokens).toBe(1);
      expect(c.availableTokens).toBe(1);

      const stats = c.statistics();
      expect(stats.borrowedTokens).toBe(1);
      expect(stats.totalTokens).toBe(2);
      expect(stats.borrowers).toEqual([currentTask()]);
      expect(stats.tasksWaiting).toBe(0);

      // Can't re-acquire when we already have it
      expect(() => c.acquireNowait()).toThrow(RuntimeError);
      expect(c.borrowedTokens).toBe(1);
      await expect(c.acquire()).rejects.toThrow(RuntimeError);
      expect(c.borrowedTokens).toBe(1);

      // We can acquire on behalf of someone else though
      await assertCheckpoints(() => c.acquireOnBehalfOf("someone"));

      // But then we've run out of capacity
      expect(c.borrowedTokens).toBe(2);
      expect(() => c.acquireOnBehalfOfNowait("third party")).toThrow(trio.WouldBlock);

      expect(new Set(c.statistics().borrowers)).toEqual(new Set([currentTask(), "someone"]));

      // Until we release one
      c.releaseOnBehalfOf(currentTask());
      expect(c.statistics().borrowers).toEqual(["someone"]);

      c.releaseOnBehalfOf("someone");
      expect(c.borrowedTokens).toBe(0);
      await assertCheckpoints(() =>
        trio.asyncWith(c, () => {
          expect(c.borrowedTokens).toBe(1);
        }),
      );

      await trio.openNursery(async (nursery) => {
        await c.acquireOnBehalfOf("value 1");
        await c.acquireOnBehalfOf("value 2");
        nursery.startSoon((b: string) => c.acquireOnBehalfOf(b), "value 3");
        await waitAllTasksBlocked();
        expect(c.borrowedTokens).toBe(2);
        expect(c.statistics().tasksWaiting).toBe(1);
        c.releaseOnBehalfOf("value 2");
        // Fairness:
        expect(c.borrowedTokens).toBe(2);
        expect(() => c.acquireNowait()).toThrow(trio.WouldBlock);
      });

      c.releaseOnBehalfOf("value 3");
      c.releaseOnBehalfOf("value 1");
    });
  });

  it("test_CapacityLimiter_inf", async () => {
    await trio.run(async () => {
      const c = new CapacityLimiter(Infinity);
      String(c); // smoke test
      expect(c.totalTokens).toBe(Infinity);
      expect(c.borrowedTokens).toBe(0);
      expect(c.availableTokens).toBe(Infinity);
      expect(() => c.release()).toThrow(RuntimeError);
      expect(c.borrowedTokens).toBe(0);
      c.acquireNowait();
      expect(c.borrowedTokens).toBe(1);
      expect(c.availableTokens).toBe(Infinity);
    });
  });

  it("test_CapacityLimiter_change_total_tokens", async () => {
    await trio.run(async () => {
      const c = new CapacityLimiter(2);

      expect(() => (c.totalTokens = 1.5)).toThrow(TypeError);
      expect(() => (c.totalTokens = -1)).toThrow(new ValueError("totalTokens must be >= 0"));
      expect(() => (c.totalTokens = -10)).toThrow(new ValueError("totalTokens must be >= 0"));
      expect(c.totalTokens).toBe(2);

      await trio.openNursery(async (nursery) => {
        for (let i = 0; i < 5; i++) {
          nursery.startSoon((b: number) => c.acquireOnBehalfOf(b), i);
          await waitAllTasksBlocked();
        }
        expect(new Set(c.statistics().borrowers)).toEqual(new Set([0, 1]));
        expect(c.statistics().tasksWaiting).toBe(3);
        c.totalTokens += 2;
        expect(new Set(c.statistics().borrowers)).toEqual(new Set([0, 1, 2, 3]));
        expect(c.statistics().tasksWaiting).toBe(1);
        c.totalTokens -= 3;
        expect(c.borrowedTokens).toBe(4);
        expect(c.totalTokens).toBe(1);
        c.releaseOnBehalfOf(0);
        c.releaseOnBehalfOf(1);
        c.releaseOnBehalfOf(2);
        expect(new Set(c.statistics().borrowers)).toEqual(new Set([3]));
        expect(c.statistics().tasksWaiting).toBe(1);
        c.releaseOnBehalfOf(3);
        expect(new Set(c.statistics().borrowers)).toEqual(new Set([4]));
        expect(c.statistics().tasksWaiting).toBe(0);
      });
    });
  });

  // regression test for issue #548
  it("test_CapacityLimiter_memleak_548", async () => {
    await trio.run(async () => {
      const limiter = new CapacityLimiter(1);
      await limiter.acquire();

      await trio.openNursery(async (n) => {
        n.startSoon(() => limiter.acquire());
        await waitAllTasksBlocked(); // give it a chance to run the task
        n.cancelScope.cancel();
      });

      // if this is 1, the acquire call (despite being killed) is still there in the task, and will
      // leak memory all the while the limiter is active
      expect(limiter._pendingBorrowers.size).toBe(0);
    });
  });

  it("test_CapacityLimiter_zero_limit_tokens", async () => {
    await trio.run(async () => {
      const c = new CapacityLimiter(5);
      expect(c.totalTokens).toBe(5);
      const acquire = (b: number): Promise<void> => c.acquireOnBehalfOf(b);

      await trio.openNursery(async (nursery) => {
        c.totalTokens = 0;

        for (let i = 0; i < 5; i++) {
          nursery.startSoon(acquire, i);
          await waitAllTasksBlocked();
        }

        expect(c.statistics().borrowers).toEqual([]);
        expect(c.statistics().tasksWaiting).toBe(5);

        c.totalTokens = 5;

        expect(new Set(c.statistics().borrowers)).toEqual(new Set([0, 1, 2, 3, 4]));

        nursery.startSoon(acquire, 5);
        await waitAllTasksBlocked();

        expect(c.statistics().tasksWaiting).toBe(1);

        for (let i = 0; i < 5; i++) c.releaseOnBehalfOf(i);

        expect(c.statistics().tasksWaiting).toBe(0);
        c.releaseOnBehalfOf(5);

        // making sure that zero limit capacity limiter doesn't let any tasks through

        c.totalTokens = 0;

        expect(() => c.acquireNowait()).toThrow(trio.WouldBlock);

        nursery.startSoon(acquire, 6);
        await waitAllTasksBlocked();

        expect(c.statistics().tasksWaiting).toBe(1);
        expect(c.statistics().borrowers).toEqual([]);

        c.totalTokens = 1;
        expect(c.statistics().tasksWaiting).toBe(0);
        expect(c.statistics().borrowers).toEqual([6]);
        c.releaseOnBehalfOf(6);

        await c.acquireOnBehalfOf(0); // total_tokens is 1

        nursery.startSoon(acquire, 1);
        await waitAllTasksBlocked();
        c.totalTokens = 0;

        expect(c.statistics().borrowers).toEqual([0]);

        c.releaseOnBehalfOf(0);
        await waitAllTasksBlocked();
        expect(c.statistics().borrowers).toEqual([]);
        expect(c.statistics().tasksWaiting).toBe(1);

        c.totalTokens = 1;
        await waitAllTasksBlocked();
        expect(c.statistics().borrowers).toEqual([1]);
        expect(c.statistics().tasksWaiting).toBe(0);

        c.releaseOnBehalfOf(1);

        c.totalTokens = 0;

        nursery.cancelScope.cancel();
      });

      expect(c.totalTokens).toBe(0);
      expect(c.statistics().borrowers).toEqual([]);
      expect(c._pendingBorrowers.size).toBe(0);
    });
  });

  it("test_Semaphore", async () => {
    await trio.run(async () => {
      expect(() => new Semaphore(1.5)).toThrow(TypeError);
      expect(() => new Semaphore(-1)).toThrow(new ValueError("initial value must be >= 0"));
      const s = new Semaphore(1);
      String(s); // smoke test
      expect(s.value).toBe(1);
      expect(s.maxValue).toBe(null);
      s.release();
      expect(s.value).toBe(2);
      expect(s.statistics().tasksWaiting).toBe(0);
      s.acquireNowait();
      expect(s.value).toBe(1);
      await assertCheckpoints(() => s.acquire());
      expect(s.value).toBe(0);
      expect(() => s.acquireNowait()).toThrow(trio.WouldBlock);

      s.release();
      expect(s.value).toBe(1);
      await assertCheckpoints(() =>
        trio.asyncWith(s, () => {
          expect(s.value).toBe(0);
        }),
      );
      expect(s.value).toBe(1);
      s.acquireNowait();

      const record: string[] = [];
      const doAcquire = async (sem: Semaphore): Promise<void> => {
        record.push("started");
        await sem.acquire();
        record.push("finished");
      };

      await trio.openNursery(async (nursery) => {
        nursery.startSoon(doAcquire, s);
        await waitAllTasksBlocked();
        expect(record).toEqual(["started"]);
        expect(s.value).toBe(0);
        s.release();
        // Fairness:
        expect(s.value).toBe(0);
        expect(() => s.acquireNowait()).toThrow(trio.WouldBlock);
      });
      expect(record).toEqual(["started", "finished"]);
    });
  });

  it("test_Semaphore_bounded", () => {
    expect(() => new Semaphore(1, { maxValue: 1.5 })).toThrow(TypeError);
    expect(() => new Semaphore(2, { maxValue: 1 })).toThrow(new ValueError("maxValue must be >= initialValue"));
    const bs = new Semaphore(1, { maxValue: 1 });
    expect(bs.maxValue).toBe(1);
    String(bs); // smoke test
    expect(() => bs.release()).toThrow(new ValueError("semaphore released too many times"));
    expect(bs.value).toBe(1);
    bs.acquireNowait();
    expect(bs.value).toBe(0);
    bs.release();
    expect(bs.value).toBe(1);
  });

  for (const lockcls of [Lock, StrictFIFOLock]) {
    it(`test_Lock_and_StrictFIFOLock[${lockcls === Lock ? "Lock" : "StrictFIFOLock"}]`, async () => {
      const clsName = lockcls === Lock ? "Lock" : "StrictFIFOLock";
      await trio.run(async () => {
        const l = new lockcls();
        expect(l.locked()).toBe(false);

        // make sure locks can be weakref'ed (gh-331)
        const r = new WeakRef(l);
        expect(r.deref()).toBe(l);

        String(l); // smoke test
        // make sure repr uses the right name for subclasses
        expect(String(l)).toContain(clsName);
        await assertCheckpoints(() =>
          trio.asyncWith(l, () => {
            expect(l.locked()).toBe(true);
            String(l); // smoke test (repr branches on locked/unlocked)
          }),
        );
        expect(l.locked()).toBe(false);
        l.acquireNowait();
        expect(l.locked()).toBe(true);
        l.release();
        expect(l.locked()).toBe(false);
        await assertCheckpoints(() => l.acquire());
        expect(l.locked()).toBe(true);
        l.release();
        expect(l.locked()).toBe(false);

        l.acquireNowait();
        // Error out if we already own the lock
        expect(() => l.acquireNowait()).toThrow(RuntimeError);
        l.release();
        // Error out if we don't own the lock
        expect(() => l.release()).toThrow(RuntimeError);

        let holderTask: Task | null = null;
        const holder = async (): Promise<void> => {
          holderTask = currentTask();
          await trio.asyncWith(l, () => trio.sleepForever());
        };

        await trio.openNursery(async (nursery) => {
          expect(l.locked()).toBe(false);
          nursery.startSoon(holder);
          await waitAllTasksBlocked();
          expect(l.locked()).toBe(true);
          // WouldBlock if someone else holds the lock
          expect(() => l.acquireNowait()).toThrow(trio.WouldBlock);
          // Can't release a lock someone else holds
          expect(() => l.release()).toThrow(RuntimeError);

          let statistics = l.statistics();
          expect(statistics.locked).toBe(true);
          expect(statistics.owner).toBe(holderTask);
          expect(statistics.tasksWaiting).toBe(0);

          nursery.startSoon(holder);
          await waitAllTasksBlocked();
          statistics = l.statistics();
          expect(statistics.tasksWaiting).toBe(1);

          nursery.cancelScope.cancel();
        });

        const statistics = l.statistics();
        expect(statistics.locked).toBe(false);
        expect(statistics.owner).toBe(null);
        expect(statistics.tasksWaiting).toBe(0);
      });
    });
  }

  it("test_Condition", async () => {
    await trio.run(async () => {
      expect(() => new Condition(new Semaphore(1) as unknown as Lock)).toThrow(TypeError);
      expect(() => new Condition(StrictFIFOLock as unknown as Lock)).toThrow(TypeError);
      const l = new Lock();
      let c = new Condition(l);
      expect(l.locked()).toBe(false);
      expect(c.locked()).toBe(false);
      await assertCheckpoints(() => c.acquire());
      expect(l.locked()).toBe(true);
      expect(c.locked()).toBe(true);

      c = new Condition();
      expect(c.locked()).toBe(false);
      c.acquireNowait();
      expect(c.locked()).toBe(true);
      expect(() => c.acquireNowait()).toThrow(RuntimeError);
      c.release();

      // Can't wait without holding the lock
      await expect(c.wait()).rejects.toThrow(RuntimeError);
      // Can't notify without holding the lock
      expect(() => c.notify()).toThrow(RuntimeError);
      // Can't notify without holding the lock
      expect(() => c.notifyAll()).toThrow(RuntimeError);

      let finishedWaiters = new Set<number>();
      const waiter = async (i: number): Promise<void> => {
        await trio.asyncWith(c, () => c.wait());
        finishedWaiters.add(i);
      };

      await trio.openNursery(async (nursery) => {
        for (let i = 0; i < 3; i++) {
          nursery.startSoon(waiter, i);
          await waitAllTasksBlocked();
        }
        // `async with c: c.notify()`, spelled out: in Trio, leaving `async with` is not a
        // schedule point, so the woken waiter has not run yet when the next line checks. Here,
        // awaiting asyncWith's own promise takes microtask hops in which the waiter may run.
        await c.acquire();
        c.notify();
        c.release();
        expect(c.locked()).toBe(true);
        await waitAllTasksBlocked();
        expect(finishedWaiters).toEqual(new Set([0]));
        await trio.asyncWith(c, () => {
          c.notifyAll();
        });
        await waitAllTasksBlocked();
        expect(finishedWaiters).toEqual(new Set([0, 1, 2]));
      });

      finishedWaiters = new Set();
      await trio.openNursery(async (nursery) => {
        for (let i = 0; i < 3; i++) {
          nursery.startSoon(waiter, i);
          await waitAllTasksBlocked();
        }
        // `async with c:` spelled out, as above.
        await c.acquire();
        c.notify(2);
        const statistics = c.statistics();
        expect(statistics.tasksWaiting).toBe(1);
        expect(statistics.lockStatistics.tasksWaiting).toBe(2);
        c.release();
        // exiting the context manager hands off the lock to the first task
        expect(c.statistics().lockStatistics.tasksWaiting).toBe(1);

        await waitAllTasksBlocked();
        expect(finishedWaiters).toEqual(new Set([0, 1]));

        await trio.asyncWith(c, () => {
          c.notifyAll();
        });
      });

      // After being cancelled still hold the lock (!)
      // (Note that c.aexit checks that we hold the lock as well)
      const scope = new trio.CancelScope();
      let lockedInFinally: boolean | undefined;
      await scope.run(() =>
        trio.asyncWith(c, async () => {
          scope.cancel();
          try {
            await c.wait();
          } finally {
            lockedInFinally = c.locked();
          }
        }),
      );
      expect(lockedInFinally).toBe(true);
      expect(scope.cancelledCaught).toBe(true);
    });
  });

  it("test_lock_acquire_unowned_lock", async () => {
    // Trying to acquire a lock whose owner has exited raises an error (python-trio/trio#3035).
    await trio.run(async () => {
      const lock = new Lock();
      let child: Task | null = null;
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          child = currentTask();
          await lock.acquire();
        });
      });
      expect(lock._lot.brokenBy).toEqual([child]);
      const ownerStr = String(lock._lot.brokenBy[0]);
      await expect(lock.acquire()).rejects.toThrow(new trio.BrokenResourceError(`Owner of this lock exited without releasing: ${ownerStr}`));
      expect(isBreaker(child!, lock._lot)).toBe(false);
      expect(isBreaker(currentTask(), lock._lot)).toBe(false);
    });
  });

  it("test_lock_multiple_acquire", async () => {
    // Error if awaiting on a lock whose owner exits without releasing (python-trio/trio#3035).
    await trio.run(async () => {
      const lock = new Lock();
      let caught: unknown;
      try {
        await trio.openNursery(async (nursery) => {
          nursery.startSoon(() => lock.acquire());
          nursery.startSoon(() => lock.acquire());
        });
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(ExceptionGroup);
      const group = caught as ExceptionGroup;
      expect(group.exceptions).toHaveLength(1);
      expect(group.exceptions[0]).toBeInstanceOf(trio.BrokenResourceError);
      expect((group.exceptions[0] as Error).message).toMatch(/^Owner of this lock exited without releasing: /);
    });
  });

  it("test_lock_handover", async () => {
    await trio.run(async () => {
      const lock = new Lock();
      let childTask: Task | null = null;

      // this task acquires the lock
      lock.acquireNowait();
      expect(isBreaker(currentTask(), lock._lot)).toBe(true);

      await trio.openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          childTask = currentTask();
          await lock.acquire();
        });
        await waitAllTasksBlocked();

        // hand over the lock to the child task
        lock.release();

        // check values
        expect(isBreaker(currentTask(), lock._lot)).toBe(false);
        expect(isBreaker(childTask!, lock._lot)).toBe(true);
      });

      expect(lock._lot.brokenBy).toEqual([childTask]);
      expect(isBreaker(childTask!, lock._lot)).toBe(false);
    });
  });
});

// Three ways of implementing a Lock in terms of a channel. Used to let us put the
// channel through the generic lock tests.

interface LockLike extends AsyncContextManager<void> {
  acquire(): Promise<void>;
  acquireNowait(): void;
  release(): void;
}

abstract class ChannelLockBase implements LockLike {
  abstract acquire(): Promise<void>;
  abstract acquireNowait(): void;
  abstract release(): void;
  aenter(): Promise<void> {
    return this.acquire();
  }
  async aexit(): Promise<void> {
    this.release();
  }
}

class ChannelLock1 extends ChannelLockBase {
  readonly s: MemorySendChannel<null>;
  readonly r: MemoryReceiveChannel<null>;
  constructor(capacity: number) {
    super();
    [this.s, this.r] = openMemoryChannel<null>(capacity);
    for (let i = 0; i < capacity - 1; i++) this.s.sendNowait(null);
  }
  acquireNowait(): void {
    this.s.sendNowait(null);
  }
  acquire(): Promise<void> {
    return this.s.send(null);
  }
  release(): void {
    this.r.receiveNowait();
  }
}

class ChannelLock2 extends ChannelLockBase {
  readonly s: MemorySendChannel<null>;
  readonly r: MemoryReceiveChannel<null>;
  constructor() {
    super();
    [this.s, this.r] = openMemoryChannel<null>(10);
    this.s.sendNowait(null);
  }
  acquireNowait(): void {
    this.r.receiveNowait();
  }
  async acquire(): Promise<void> {
    await this.r.receive();
  }
  release(): void {
    this.s.sendNowait(null);
  }
}

class ChannelLock3 extends ChannelLockBase {
  readonly s: MemorySendChannel<null>;
  readonly r: MemoryReceiveChannel<null>;
  // acquired is true when one task acquires the lock and only becomes false when it's
  // released and no tasks are waiting to acquire.
  acquired = false;
  constructor() {
    super();
    [this.s, this.r] = openMemoryChannel<null>(0);
  }
  acquireNowait(): void {
    expect(this.acquired).toBe(false);
    this.acquired = true;
  }
  async acquire(): Promise<void> {
    if (this.acquired) {
      await this.s.send(null);
    } else {
      this.acquired = true;
      await trio.checkpoint();
    }
  }
  release(): void {
    try {
      this.r.receiveNowait();
    } catch (e) {
      if (!(e instanceof trio.WouldBlock)) throw e;
      expect(this.acquired).toBe(true);
      this.acquired = false;
    }
  }
}

const lockFactories: [string, () => LockLike][] = [
  ["CapacityLimiter(1)", () => new CapacityLimiter(1)],
  ["Semaphore(1)", () => new Semaphore(1)],
  ["Lock", () => new Lock()],
  ["StrictFIFOLock", () => new StrictFIFOLock()],
  ["ChannelLock1(10)", () => new ChannelLock1(10)],
  ["ChannelLock1(1)", () => new ChannelLock1(1)],
  ["ChannelLock2", () => new ChannelLock2()],
  ["ChannelLock3", () => new ChannelLock3()],
];

describe("test_sync generic lock tests", () => {
  for (const [factoryName, lockFactory] of lockFactories) {
    // Spawn a bunch of workers that take a lock and then yield; make sure that only one
    // worker is ever in the critical section at a time.
    it(`test_generic_lock_exclusion[${factoryName}]`, async () => {
      const LOOPS = 10;
      const WORKERS = 5;
      let inCriticalSection = false;
      let acquires = 0;
      await trio.run(async () => {
        const worker = async (lockLike: LockLike): Promise<void> => {
          for (let i = 0; i < LOOPS; i++) {
            await trio.asyncWith(lockLike, async () => {
              acquires += 1;
              expect(inCriticalSection).toBe(false);
              inCriticalSection = true;
              await trio.checkpoint();
              await trio.checkpoint();
              expect(inCriticalSection).toBe(true);
              inCriticalSection = false;
            });
          }
        };
        await trio.openNursery(async (nursery) => {
          const lockLike = lockFactory();
          for (let i = 0; i < WORKERS; i++) nursery.startSoon(worker, lockLike);
        });
      });
      expect(inCriticalSection).toBe(false);
      expect(acquires).toBe(LOOPS * WORKERS);
    });

    // Several workers queue on the same lock; make sure they each get it, in order.
    it(`test_generic_lock_fifo_fairness[${factoryName}]`, async () => {
      const initialOrder: number[] = [];
      const record: number[] = [];
      const LOOPS = 5;
      await trio.run(async () => {
        const loopy = async (name: number, lockLike: LockLike): Promise<void> => {
          // Record the order each task was initially scheduled in
          initialOrder.push(name);
          for (let i = 0; i < LOOPS; i++) {
            await trio.asyncWith(lockLike, () => {
              record.push(name);
            });
          }
        };
        const lockLike = lockFactory();
        await trio.openNursery(async (nursery) => {
          nursery.startSoon(loopy, 1, lockLike);
          nursery.startSoon(loopy, 2, lockLike);
          nursery.startSoon(loopy, 3, lockLike);
        });
      });
      // The first three could be in any order due to scheduling randomness, but after
      // that they should repeat in the same order
      for (let i = 0; i < LOOPS; i++) expect(record.slice(3 * i, 3 * (i + 1))).toEqual(initialOrder);
    });

    it(`test_generic_lock_acquire_nowait_blocks_acquire[${factoryName}]`, async () => {
      await trio.run(async () => {
        const lockLike = lockFactory();
        const record: string[] = [];
        const lockTaker = async (): Promise<void> => {
          record.push("started");
          await trio.asyncWith(lockLike, () => undefined);
          record.push("finished");
        };
        await trio.openNursery(async (nursery) => {
          lockLike.acquireNowait();
          nursery.startSoon(lockTaker);
          await waitAllTasksBlocked();
          expect(record).toEqual(["started"]);
          lockLike.release();
        });
      });
    });
  }
});
