import { describe, expect, it } from "vitest";
import * as trio from "../../../src/trio/index.js";
import { Condition, Lock, Semaphore, StrictFIFOLock } from "../../../src/trio/sync/index.js";
import { FlavorError } from "../../../src/flavor/flavor-error.js";
import { RuntimeError } from "../../../src/errors/builtins.js";

const { waitAllTasksBlocked } = trio.testing;
const { currentTask } = trio.lowlevel;

describe("trio.Condition", () => {
  it("wraps a given Lock, or makes its own", async () => {
    await trio.run(async () => {
      const lock = new Lock();
      const c = new Condition(lock);
      await c.acquire();
      expect(lock.locked()).toBe(true);
      expect(c.locked()).toBe(true);
      c.release();
      expect(lock.locked()).toBe(false);
      const own = new Condition();
      own.acquireNowait();
      expect(own.locked()).toBe(true);
      expect(() => own.acquireNowait()).toThrow(RuntimeError);
      expect(own.statistics()).toEqual({
        tasksWaiting: 0,
        lockStatistics: { locked: true, owner: currentTask(), tasksWaiting: 0 },
      });
      own.release();
    });
  });

  it("rejects anything but a plain Lock", () => {
    expect(() => new Condition(new StrictFIFOLock())).toThrow(new TypeError("lock must be a trio.Lock"));
    expect(() => new Condition(new Semaphore(1) as unknown as Lock)).toThrow(TypeError);
    expect(() => new Condition(StrictFIFOLock as unknown as Lock)).toThrow(TypeError);
    expect(() => new Condition(null as unknown as Lock)).not.toThrow();
  });

  it("wait() and notify() need the lock", async () => {
    await trio.run(async () => {
      const c = new Condition();
      await expect(c.wait()).rejects.toThrow(new RuntimeError("must hold the lock to wait"));
      expect(() => c.notify()).toThrow(new RuntimeError("must hold the lock to notify"));
      expect(() => c.notifyAll()).toThrow(new RuntimeError("must hold the lock to notify"));
      await trio.openNursery(async (n) => {
        n.startSoon(async () => {
          await c.acquire();
          await trio.sleepForever();
        });
        await waitAllTasksBlocked();
        // Someone else holding it is not enough.
        await expect(c.wait()).rejects.toThrow("must hold the lock to wait");
        expect(() => c.notify()).toThrow("must hold the lock to notify");
        n.cancelScope.cancel();
      });
    });
  });

  it("notify() wakes waiters first come, first served, each with the lock", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const c = new Condition();
      const waiter = async (who: string): Promise<void> => {
        await trio.asyncWith(c, async () => {
          events.push(`${who} waits`);
          await c.wait();
          events.push(`${who} woken, holds the lock: ${c.statistics().lockStatistics.owner === currentTask()}`);
        });
      };
      await trio.openNursery(async (n) => {
        for (const who of ["a", "b", "c", "d"]) n.startSoon(waiter, who);
        await waitAllTasksBlocked();
        expect(c.statistics().tasksWaiting).toBe(4);
        await trio.asyncWith(c, async () => {
          c.notify();
          events.push("notified 1");
          // The woken task moved to the lock's queue: it runs once we release.
          expect(c.statistics()).toMatchObject({ tasksWaiting: 3, lockStatistics: { tasksWaiting: 1 } });
        });
        await waitAllTasksBlocked();
        await trio.asyncWith(c, async () => {
          c.notify(2);
          events.push("notified 2");
        });
        await waitAllTasksBlocked();
        await trio.asyncWith(c, async () => {
          c.notifyAll();
          events.push("notified all");
        });
      });
    });
    expect(events).toEqual([
      "a waits",
      "b waits",
      "c waits",
      "d waits",
      "notified 1",
      "a woken, holds the lock: true",
      "notified 2",
      "b woken, holds the lock: true",
      "c woken, holds the lock: true",
      "notified all",
      "d woken, holds the lock: true",
    ]);
  });

  it("wait() releases the lock and queues the caller before it yields", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const c = new Condition();
      await trio.openNursery(async (n) => {
        n.startSoon(async () => {
          await c.acquire();
          const waiting = c.wait();
          events.push(`queued at once: ${c.statistics().tasksWaiting === 1}, lock released: ${!c.locked()}`);
          await waiting;
          events.push("woken");
          c.release();
        });
        await waitAllTasksBlocked();
        await trio.asyncWith(c, () => c.notify());
      });
    });
    expect(events).toEqual(["queued at once: true, lock released: true", "woken"]);
  });

  it("a notified waiter queues behind tasks already waiting for the lock", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const c = new Condition();
      await trio.openNursery(async (n) => {
        n.startSoon(async () => {
          await c.acquire();
          await c.wait();
          events.push("waiter woken");
          c.release();
        });
        await waitAllTasksBlocked();
        await c.acquire();
        n.startSoon(async () => {
          await c.acquire();
          events.push("acquirer got the lock");
          c.release();
        });
        await waitAllTasksBlocked();
        c.notify();
        c.release();
      });
    });
    expect(events).toEqual(["acquirer got the lock", "waiter woken"]);
  });

  it("a cancelled wait() takes the lock back before throwing Cancelled", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const c = new Condition();
      const scope = new trio.CancelScope();
      await trio.openNursery(async (n) => {
        n.startSoon(async () => {
          await scope.run(() =>
            trio.asyncWith(c, async () => {
              try {
                await c.wait();
              } finally {
                events.push(`waiter leaves wait, holds the lock: ${c.statistics().lockStatistics.owner === currentTask()}`);
              }
            }),
          );
          events.push(`waiter cancelled: ${scope.cancelledCaught}`);
        });
        await waitAllTasksBlocked();
        await c.acquire();
        scope.cancel();
        await waitAllTasksBlocked();
        // The waiter left the condition's queue and waits, shielded, for the lock we hold.
        expect(c.statistics()).toMatchObject({ tasksWaiting: 0, lockStatistics: { tasksWaiting: 1 } });
        events.push("releasing");
        c.release();
      });
      expect(c.locked()).toBe(false);
    });
    expect(events).toEqual(["releasing", "waiter leaves wait, holds the lock: true", "waiter cancelled: true"]);
  });

  it("a waiter cancelled after notify() (queued for the lock) still takes the lock first", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const c = new Condition();
      const scope = new trio.CancelScope();
      await trio.openNursery(async (n) => {
        n.startSoon(async () => {
          await scope.run(() => trio.asyncWith(c, () => c.wait()));
          events.push(`a cancelled: ${scope.cancelledCaught}`);
        });
        n.startSoon(async () => {
          await trio.asyncWith(c, () => c.wait());
          events.push("b woken");
        });
        await waitAllTasksBlocked();
        await c.acquire();
        c.notifyAll();
        scope.cancel();
        await waitAllTasksBlocked();
        // "a" left the lock's queue when cancelled and queued again, behind "b".
        expect(c.statistics()).toMatchObject({ tasksWaiting: 0, lockStatistics: { tasksWaiting: 2 } });
        c.release();
      });
    });
    expect(events).toEqual(["b woken", "a cancelled: true"]);
  });

  it("a cancelled waiter in the condition queue does not affect the others", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const c = new Condition();
      const scope = new trio.CancelScope();
      await trio.openNursery(async (n) => {
        n.startSoon(async () => {
          await trio.asyncWith(c, () => c.wait());
          events.push("a woken");
        });
        n.startSoon(async () => {
          await scope.run(() => trio.asyncWith(c, () => c.wait()));
          events.push("b cancelled");
        });
        n.startSoon(async () => {
          await trio.asyncWith(c, () => c.wait());
          events.push("c woken");
        });
        await waitAllTasksBlocked();
        scope.cancel();
        await waitAllTasksBlocked();
        expect(c.statistics().tasksWaiting).toBe(2);
        await trio.asyncWith(c, async () => {
          c.notify(2);
        });
      });
    });
    expect(events).toEqual(["b cancelled", "a woken", "c woken"]);
  });

  it("bad notify counts", async () => {
    await trio.run(async () => {
      const c = new Condition();
      await trio.asyncWith(c, async () => {
        expect(() => c.notify(1.5)).toThrow("Cannot pop a non-integer number of tasks.");
        expect(() => c.notify(-1)).toThrow("count must be non-negative");
        c.notify(0);
        c.notify(Infinity);
      });
    });
  });

  it("Trio-flavored calls throw FlavorError outside a Trio task", async () => {
    const c = new Condition();
    await expect(c.wait()).rejects.toThrow(FlavorError);
    await expect(c.wait()).rejects.toThrow(/trio\.Condition\.wait\(\) is Trio-flavored/);
    await expect(c.acquire()).rejects.toThrow(FlavorError);
    expect(() => c.acquireNowait()).toThrow(FlavorError);
    expect(() => c.release()).toThrow(FlavorError);
    expect(() => c.notify()).toThrow(FlavorError);
    expect(() => c.notifyAll()).toThrow(FlavorError);
    await expect(trio.asyncWith(c, () => undefined)).rejects.toThrow(FlavorError);
    expect(c.locked()).toBe(false);
  });
});
