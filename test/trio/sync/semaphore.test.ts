import { describe, expect, it } from "vitest";
import * as trio from "../../../src/trio/index.js";
import { Semaphore } from "../../../src/trio/sync/index.js";
import { FlavorError } from "../../../src/flavor/flavor-error.js";
import { ValueError } from "../../../src/errors/builtins.js";

const { waitAllTasksBlocked } = trio.testing;

/** Runs `fn` and checks that it passed both a cancel point and a schedule point (Trio's assert_checkpoints). */
async function assertCheckpoints(fn: () => Promise<unknown>): Promise<void> {
  const task = trio.lowlevel.currentTask();
  const cancelPoints = task._cancelPoints;
  const schedulePoints = task._schedulePoints;
  await fn();
  expect(task._cancelPoints).toBeGreaterThan(cancelPoints);
  expect(task._schedulePoints).toBeGreaterThan(schedulePoints);
}

describe("trio.Semaphore", () => {
  it("counts down and up", async () => {
    await trio.run(async () => {
      const s = new Semaphore(2);
      expect(s.value).toBe(2);
      expect(s.maxValue).toBe(null);
      expect(String(s)).toBe("<trio.Semaphore(2)>");
      await assertCheckpoints(() => s.acquire());
      s.acquireNowait();
      expect(s.value).toBe(0);
      expect(() => s.acquireNowait()).toThrow(trio.WouldBlock);
      s.release();
      s.release();
      s.release();
      expect(s.value).toBe(3);
      expect(s.statistics()).toEqual({ tasksWaiting: 0 });
    });
  });

  it("release(), acquireNowait() and the getters are sync and need no run", () => {
    const s = new Semaphore(0, { maxValue: 1 });
    s.release();
    expect(s.value).toBe(1);
    s.acquireNowait();
    expect(s.value).toBe(0);
    expect(() => s.acquireNowait()).toThrow(trio.WouldBlock);
  });

  it("bounded: release beyond maxValue throws ValueError", () => {
    const s = new Semaphore(1, { maxValue: 1 });
    expect(s.maxValue).toBe(1);
    expect(String(s)).toBe("<trio.Semaphore(1, maxValue=1)>");
    expect(() => s.release()).toThrow(new ValueError("semaphore released too many times"));
    expect(s.value).toBe(1);
    s.acquireNowait();
    s.release();
    expect(s.value).toBe(1);
  });

  it("bad input", () => {
    expect(() => new Semaphore(1.5)).toThrow(new TypeError("initialValue must be an integer"));
    expect(() => new Semaphore("1" as unknown as number)).toThrow(TypeError);
    expect(() => new Semaphore(NaN)).toThrow(TypeError);
    expect(() => new Semaphore(Infinity)).toThrow(TypeError);
    expect(() => new Semaphore(-1)).toThrow(new ValueError("initial value must be >= 0"));
    expect(() => new Semaphore(1, { maxValue: 1.5 })).toThrow(new TypeError("maxValue must be null or an integer"));
    expect(() => new Semaphore(2, { maxValue: 1 })).toThrow(new ValueError("maxValue must be >= initialValue"));
    expect(() => new Semaphore(1, null as unknown as object)).toThrow(TypeError);
    expect(new Semaphore(0, { maxValue: null }).maxValue).toBe(null);
    expect(new Semaphore(0, { maxValue: 0 }).maxValue).toBe(0);
  });

  it("release() hands the unit straight to the longest waiter", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const s = new Semaphore(0);
      const waiter = async (who: string): Promise<void> => {
        events.push(`${who} waits`);
        await s.acquire();
        events.push(`${who} acquired`);
      };
      await trio.openNursery(async (n) => {
        n.startSoon(waiter, "a");
        n.startSoon(waiter, "b");
        await waitAllTasksBlocked();
        expect(s.statistics()).toEqual({ tasksWaiting: 2 });
        s.release();
        events.push("released");
        // The value stays 0: the unit went to "a", and nobody can barge in.
        expect(s.value).toBe(0);
        expect(() => s.acquireNowait()).toThrow(trio.WouldBlock);
        await waitAllTasksBlocked();
        s.release();
        events.push("released");
      });
      expect(s.value).toBe(0);
    });
    expect(events).toEqual(["a waits", "b waits", "released", "a acquired", "released", "b acquired"]);
  });

  it("a bounded semaphore with waiters hands over instead of counting past maxValue", async () => {
    await trio.run(async () => {
      const s = new Semaphore(0, { maxValue: 0 });
      await trio.openNursery(async (n) => {
        n.startSoon(() => s.acquire());
        await waitAllTasksBlocked();
        s.release();
      });
      expect(s.value).toBe(0);
      expect(() => s.release()).toThrow(ValueError);
    });
  });

  it("acquire() queues the caller before it yields", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const s = new Semaphore(0);
      await trio.openNursery(async (n) => {
        n.startSoon(async () => {
          const acquiring = s.acquire();
          events.push(`queued at once: ${s.statistics().tasksWaiting === 1}`);
          await acquiring;
          events.push("acquired");
        });
        await waitAllTasksBlocked();
        s.release();
        expect(() => s.acquireNowait()).toThrow(trio.WouldBlock);
      });
    });
    expect(events).toEqual(["queued at once: true", "acquired"]);
  });

  it("a cancelled waiter leaves the queue; the others keep their turns", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const s = new Semaphore(0);
      const scope = new trio.CancelScope();
      await trio.openNursery(async (n) => {
        n.startSoon(async () => {
          await s.acquire();
          events.push("a acquired");
        });
        n.startSoon(async () => {
          await scope.run(() => s.acquire());
          events.push(`b cancelled: ${scope.cancelledCaught}`);
        });
        n.startSoon(async () => {
          await s.acquire();
          events.push("c acquired");
        });
        await waitAllTasksBlocked();
        scope.cancel();
        await waitAllTasksBlocked();
        expect(s.statistics().tasksWaiting).toBe(2);
        s.release();
        s.release();
        events.push("released twice");
        expect(s.value).toBe(0);
        s.release();
      });
      expect(s.value).toBe(1);
    });
    expect(events).toEqual(["b cancelled: true", "released twice", "a acquired", "c acquired"]);
  });

  it("acquire() in a cancelled scope throws Cancelled without taking a unit", async () => {
    await trio.run(async () => {
      const s = new Semaphore(1);
      const scope = new trio.CancelScope();
      await scope.run(async () => {
        scope.cancel();
        await s.acquire();
      });
      expect(scope.cancelledCaught).toBe(true);
      expect(s.value).toBe(1);
    });
  });

  it("asyncWith acquires around the body and releases on error", async () => {
    await trio.run(async () => {
      const s = new Semaphore(1);
      await assertCheckpoints(() =>
        trio.asyncWith(s, async () => {
          expect(s.value).toBe(0);
        }),
      );
      expect(s.value).toBe(1);
      await expect(
        trio.asyncWith(s, async () => {
          throw new Error("boom");
        }),
      ).rejects.toThrow("boom");
      expect(s.value).toBe(1);
    });
  });

  it("acquire() throws FlavorError outside a Trio task", async () => {
    const s = new Semaphore(1);
    await expect(s.acquire()).rejects.toThrow(FlavorError);
    await expect(s.acquire()).rejects.toThrow(/trio\.Semaphore\.acquire\(\) is Trio-flavored/);
    await expect(trio.asyncWith(s, () => undefined)).rejects.toThrow(FlavorError);
    expect(s.value).toBe(1);
  });
});
