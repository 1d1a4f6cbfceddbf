import { describe, expect, it } from "vitest";
import * as trio from "../../../src/trio/index.js";
import { Lock, StrictFIFOLock } from "../../../src/trio/sync/index.js";
import { FlavorError } from "../../../src/flavor/flavor-error.js";
import { RuntimeError } from "../../../src/errors/builtins.js";
import type { Task } from "../../../src/loop/task.js";

const { waitAllTasksBlocked } = trio.testing;
const { currentTask, removeParkingLotBreaker } = trio.lowlevel;

/** Runs `fn` and checks that it passed both a cancel point and a schedule point (Trio's assert_checkpoints). */
async function assertCheckpoints(fn: () => Promise<unknown>): Promise<void> {
  const task = currentTask();
  const cancelPoints = task._cancelPoints;
  const schedulePoints = task._schedulePoints;
  await fn();
  expect(task._cancelPoints).toBeGreaterThan(cancelPoints);
  expect(task._schedulePoints).toBeGreaterThan(schedulePoints);
}

/** Whether `task` is registered as a breaker of `lock`'s lot (removing it tells; then restore it). */
function isBreaker(task: Task, lock: Lock): boolean {
  try {
    removeParkingLotBreaker(task, lock._lot);
  } catch {
    return false;
  }
  trio.lowlevel.addParkingLotBreaker(task, lock._lot);
  return true;
}

const classes = [
  ["Lock", () => new Lock()],
  ["StrictFIFOLock", () => new StrictFIFOLock()],
] as const;

describe.each(classes)("trio.%s", (name, make) => {
  it("acquire, release, locked, statistics", async () => {
    await trio.run(async () => {
      const lock = make();
      const me = currentTask();
      expect(lock.locked()).toBe(false);
      expect(lock.statistics()).toEqual({ locked: false, owner: null, tasksWaiting: 0 });
      expect(String(lock)).toBe(`<unlocked ${name} object>`);
      await assertCheckpoints(() => lock.acquire());
      expect(lock.locked()).toBe(true);
      expect(lock.statistics()).toEqual({ locked: true, owner: me, tasksWaiting: 0 });
      expect(String(lock)).toBe(`<locked ${name} object with 0 waiters>`);
      lock.release();
      expect(lock.statistics()).toEqual({ locked: false, owner: null, tasksWaiting: 0 });
      lock.acquireNowait();
      expect(lock.statistics().owner).toBe(me);
      lock.release();
      expect(lock.locked()).toBe(false);
    });
  });

  it("errors: re-acquire, release when not the owner, WouldBlock", async () => {
    await trio.run(async () => {
      const lock = make();
      expect(() => lock.release()).toThrow(new RuntimeError("can't release a Lock you don't own"));
      lock.acquireNowait();
      expect(() => lock.acquireNowait()).toThrow(new RuntimeError("attempt to re-acquire an already held Lock"));
      await expect(lock.acquire()).rejects.toThrow(new RuntimeError("attempt to re-acquire an already held Lock"));
      expect(lock.statistics().tasksWaiting).toBe(0);
      await trio.openNursery(async (n) => {
        n.startSoon(async () => {
          expect(() => lock.acquireNowait()).toThrow(trio.WouldBlock);
          expect(() => lock.release()).toThrow(RuntimeError);
          expect(() => lock.release()).toThrow("can't release a Lock you don't own");
        });
      });
      lock.release();
    });
  });

  it("release() hands the lock straight to the longest waiter", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const lock = make();
      const tasks: Record<string, Task> = {};
      const waiter = async (who: string): Promise<void> => {
        tasks[who] = currentTask();
        events.push(`${who} waits`);
        await lock.acquire();
        events.push(`${who} has it`);
        lock.release();
      };
      await lock.acquire();
      await trio.openNursery(async (n) => {
        n.startSoon(waiter, "a");
        n.startSoon(waiter, "b");
        n.startSoon(waiter, "c");
        await waitAllTasksBlocked();
        expect(lock.statistics().tasksWaiting).toBe(3);
        expect(String(lock)).toBe(`<locked ${name} object with 3 waiters>`);
        lock.release();
        events.push("released");
        // Ownership moved before "a" even ran: nobody can barge in.
        expect(lock.statistics()).toEqual({ locked: true, owner: tasks.a, tasksWaiting: 2 });
        expect(() => lock.acquireNowait()).toThrow(trio.WouldBlock);
      });
      expect(lock.locked()).toBe(false);
    });
    expect(events).toEqual(["a waits", "b waits", "c waits", "released", "a has it", "b has it", "c has it"]);
  });

  it("acquire() queues the caller before it yields, so a releaser cannot take the lock back", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const lock = make();
      await lock.acquire();
      await trio.openNursery(async (n) => {
        n.startSoon(async () => {
          const acquiring = lock.acquire();
          // Trio's acquire() parks without yielding first: nothing can run in between.
          events.push(`queued at once: ${lock.statistics().tasksWaiting === 1}`);
          await acquiring;
          events.push("child has it");
          lock.release();
        });
        await waitAllTasksBlocked();
        lock.release();
        expect(() => lock.acquireNowait()).toThrow(trio.WouldBlock);
        events.push("parent could not barge in");
      });
    });
    expect(events).toEqual(["queued at once: true", "parent could not barge in", "child has it"]);
  });

  it("a cancelled waiter leaves the queue; the others keep their turns", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const lock = make();
      const scope = new trio.CancelScope();
      await lock.acquire();
      await trio.openNursery(async (n) => {
        n.startSoon(async () => {
          await lock.acquire();
          events.push("a has it");
          lock.release();
        });
        n.startSoon(async () => {
          await scope.run(() => lock.acquire());
          events.push(`b cancelled: ${scope.cancelledCaught}, locked by b: ${lock.statistics().owner === currentTask()}`);
        });
        n.startSoon(async () => {
          await lock.acquire();
          events.push("c has it");
          lock.release();
        });
        await waitAllTasksBlocked();
        scope.cancel();
        await waitAllTasksBlocked();
        expect(lock.statistics().tasksWaiting).toBe(2);
        events.push("release");
        lock.release();
      });
      expect(lock.statistics()).toEqual({ locked: false, owner: null, tasksWaiting: 0 });
    });
    expect(events).toEqual(["b cancelled: true, locked by b: false", "release", "a has it", "c has it"]);
  });

  it("acquire() in a cancelled scope throws Cancelled without taking a free lock", async () => {
    await trio.run(async () => {
      const lock = make();
      const scope = new trio.CancelScope();
      await scope.run(async () => {
        scope.cancel();
        await lock.acquire();
      });
      expect(scope.cancelledCaught).toBe(true);
      expect(lock.locked()).toBe(false);
    });
  });

  it("asyncWith holds the lock around the body and releases it on error", async () => {
    await trio.run(async () => {
      const lock = make();
      const result = await trio.asyncWith(lock, async () => {
        expect(lock.statistics().owner).toBe(currentTask());
        return 42;
      });
      expect(result).toBe(42);
      expect(lock.locked()).toBe(false);
      const boom = new Error("boom");
      await expect(
        trio.asyncWith(lock, async () => {
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(lock.locked()).toBe(false);
    });
  });

  it("owner exiting while holding the lock breaks it: waiters get BrokenResourceError", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const lock = make();
      let errorCount = 0;
      await trio.openNursery(async (n) => {
        n.startSoon({ name: "holder" }, async () => {
          await lock.acquire();
          await trio.sleep(0);
          events.push("holder exits");
        });
        for (const who of ["w1", "w2"]) {
          n.startSoon(async () => {
            try {
              await lock.acquire();
            } catch (e) {
              errorCount++;
              expect(e).toBeInstanceOf(trio.BrokenResourceError);
              events.push(`${who}: ${(e as Error).message}`);
            }
          });
        }
      });
      expect(errorCount).toBe(2);
      expect(lock._lot.brokenBy.map(String)).toEqual(['<Task "holder">']);
      // Later acquires fail at once; the dead owner still "holds" it, as in Trio.
      await expect(lock.acquire()).rejects.toThrow('Owner of this lock exited without releasing: <Task "holder">');
      expect(() => lock.acquireNowait()).toThrow(trio.WouldBlock);
      expect(lock.locked()).toBe(true);
    });
    expect(events).toEqual([
      "holder exits",
      'w1: Owner of this lock exited without releasing: <Task "holder">',
      'w2: Owner of this lock exited without releasing: <Task "holder">',
    ]);
  });

  it("the breaker follows ownership: release unregisters, handoff registers the new owner", async () => {
    await trio.run(async () => {
      const lock = make();
      const me = currentTask();
      lock.acquireNowait();
      expect(isBreaker(me, lock)).toBe(true);
      let child: Task | null = null;
      await trio.openNursery(async (n) => {
        n.startSoon({ name: "child" }, async () => {
          child = currentTask();
          await lock.acquire();
        });
        await waitAllTasksBlocked();
        lock.release();
        expect(isBreaker(me, lock)).toBe(false);
        expect(isBreaker(child!, lock)).toBe(true);
      });
      // The child exited holding the lock.
      expect(lock._lot.brokenBy).toEqual([child]);
      expect(isBreaker(child!, lock)).toBe(false);
    });
  });

  it("releasing normally leaves the lot unbroken", async () => {
    await trio.run(async () => {
      const lock = make();
      await trio.openNursery(async (n) => {
        n.startSoon(() => trio.asyncWith(lock, () => trio.sleep(0)));
        n.startSoon(() => trio.asyncWith(lock, () => trio.sleep(0)));
      });
      expect(lock._lot.brokenBy).toEqual([]);
      await lock.acquire();
      lock.release();
    });
  });

  it("Trio-flavored and owner-recording calls throw FlavorError outside a Trio task", async () => {
    const lock = make();
    await expect(lock.acquire()).rejects.toThrow(FlavorError);
    await expect(lock.acquire()).rejects.toThrow(new RegExp(`trio\\.${name}\\.acquire\\(\\) is Trio-flavored`));
    expect(() => lock.acquireNowait()).toThrow(FlavorError);
    expect(() => lock.release()).toThrow(FlavorError);
    await expect(trio.asyncWith(lock, () => undefined)).rejects.toThrow(FlavorError);
    expect(lock.locked()).toBe(false);
    expect(lock.statistics()).toEqual({ locked: false, owner: null, tasksWaiting: 0 });
  });
});

describe("trio.StrictFIFOLock", () => {
  it("is a kind of Lock with its own name", () => {
    const lock = new StrictFIFOLock();
    expect(lock).toBeInstanceOf(Lock);
    expect(String(lock)).toContain("StrictFIFOLock");
  });
});
