import { describe, expect, it } from "vitest";
import * as asyncio from "../../../src/asyncio/index.js";
import { BoundedSemaphore, Semaphore } from "../../../src/asyncio/locks/index.js";
import { ValueError } from "../../../src/errors/builtins.js";
import { FlavorError } from "../../../src/flavor/flavor-error.js";
import { asyncWith } from "../../../src/loop/async-context-manager.js";
import * as trio from "../../../src/trio/index.js";

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await asyncio.sleep(0);
}

describe("asyncio.Semaphore", () => {
  it("counts: acquire decrements, waits at zero; release increments and wakes the longest waiter", async () => {
    const events: string[] = [];
    await asyncio.run(async () => {
      const sem = new Semaphore(2);
      expect(String(sem)).toBe("<asyncio.locks.Semaphore object [unlocked, value:2]>");
      expect(await sem.acquire()).toBe(true);
      expect(await sem.acquire()).toBe(true);
      expect(sem.locked()).toBe(true);
      expect(String(sem)).toBe("<asyncio.locks.Semaphore object [locked]>");
      const tasks = [1, 2, 3].map((n) =>
        asyncio.createTask(async () => {
          await sem.acquire();
          events.push(`${n} acquired`);
        }),
      );
      await settle();
      expect(String(sem)).toBe("<asyncio.locks.Semaphore object [locked, waiters:3]>");
      events.push("release");
      sem.release();
      await settle();
      events.push("release x2");
      sem.release();
      sem.release();
      await Promise.all(tasks);
      expect(sem._value).toBe(0);
      sem.release();
      sem.release();
      sem.release();
      // Unbounded: release may go past the initial value.
      expect(String(sem)).toBe("<asyncio.locks.Semaphore object [unlocked, value:3]>");
    });
    expect(events).toEqual(["release", "1 acquired", "release x2", "2 acquired", "3 acquired"]);
  });

  it("FIFO: while tasks are queued, a newcomer waits even if the value is positive", async () => {
    const events: string[] = [];
    await asyncio.run(async () => {
      const sem = new Semaphore(0);
      const t1 = asyncio.createTask(async () => {
        await sem.acquire();
        events.push("t1 acquired");
      });
      await settle();
      sem.release();
      sem.release();
      // One unit went to t1 (not resumed yet), one is free: still locked for newcomers.
      expect(sem._value).toBe(1);
      expect(sem.locked()).toBe(true);
      const newcomer = sem.acquire().then(() => events.push("main acquired"));
      events.push("main queued");
      await newcomer;
      await t1;
      expect(sem._value).toBe(0);
    });
    expect(events).toEqual(["main queued", "t1 acquired", "main acquired"]);
  });

  it("a cancelled waiter leaves the queue without taking a unit", async () => {
    const events: string[] = [];
    await asyncio.run(async () => {
      const sem = new Semaphore(0);
      const waiter = (name: string) =>
        asyncio.createTask(async () => {
          try {
            await sem.acquire();
            events.push(`${name} acquired`);
          } catch (error) {
            events.push(`${name} ${(error as Error).name}`);
            throw error;
          }
        });
      const [a, b, c] = [waiter("a"), waiter("b"), waiter("c")];
      await settle();
      a.cancel();
      b.cancel();
      sem.release();
      await Promise.allSettled([a, b]);
      await settle();
      expect(c.done()).toBe(true);
      expect(sem._value).toBe(0);
      expect(sem._waiters).toEqual([]);
      expect(sem.locked()).toBe(true);
    });
    expect(events).toEqual(["a CancelledError", "b CancelledError", "c acquired"]);
  });

  it("asyncWith acquires around a block and releases on error", async () => {
    const events: string[] = [];
    await asyncio.run(async () => {
      const sem = new Semaphore(2);
      let inside = 0;
      const worker = (n: number) =>
        asyncio.createTask(() =>
          asyncWith(sem, async () => {
            inside++;
            events.push(`${n} in (${inside} inside)`);
            await asyncio.sleep(0);
            inside--;
          }),
        );
      await Promise.all([1, 2, 3, 4].map(worker));
      await expect(
        asyncWith(sem, () => {
          throw new Error("boom");
        }),
      ).rejects.toThrow("boom");
      expect(sem._value).toBe(2);
    });
    expect(events).toEqual(["1 in (1 inside)", "2 in (2 inside)", "3 in (1 inside)", "4 in (2 inside)"]);
  });

  it("rejects bad initial values and extra arguments", () => {
    expect(() => new Semaphore(-1)).toThrow(ValueError);
    expect(() => new Semaphore(-1)).toThrow("Semaphore initial value must be >= 0");
    expect(() => new Semaphore(1.5)).toThrow(TypeError);
    expect(() => new Semaphore("2" as any)).toThrow(/Semaphore initial value must be an integer/);
    expect(() => new Semaphore(NaN)).toThrow(TypeError);
    expect(() => new (Semaphore as any)(1, { loop: null })).toThrow(/Semaphore\(value\) got 1 unexpected argument/);
    expect(() => new BoundedSemaphore(-1)).toThrow(ValueError);
    expect(() => new (BoundedSemaphore as any)(1, 2)).toThrow(/BoundedSemaphore\(value\) got 1 unexpected argument/);
    expect(new Semaphore()._value).toBe(1);
    expect(new Semaphore(0).locked()).toBe(true);
  });

  it("is asyncio-flavored: FlavorError from Trio code and outside any loop", async () => {
    const sem = new Semaphore();
    await expect(sem.acquire()).rejects.toThrow(/asyncio\.Semaphore\.acquire\(\) is asyncio-flavored/);
    await expect(new BoundedSemaphore().acquire()).rejects.toThrow(/asyncio\.BoundedSemaphore\.acquire\(\) is asyncio-flavored/);
    await trio.run(async () => {
      await expect(sem.acquire()).rejects.toBeInstanceOf(FlavorError);
      await expect(asyncWith(sem, () => undefined)).rejects.toBeInstanceOf(FlavorError);
      // release() is sync, either flavor.
      sem.release();
    });
    expect(sem._value).toBe(2);
  });
});

describe("asyncio.BoundedSemaphore", () => {
  it("release beyond the initial value throws ValueError", async () => {
    await asyncio.run(async () => {
      const sem = new BoundedSemaphore(2);
      expect(() => sem.release()).toThrow("BoundedSemaphore released too many times");
      await sem.acquire();
      await sem.acquire();
      sem.release();
      sem.release();
      expect(() => sem.release()).toThrow(ValueError);
      expect(sem._value).toBe(2);
      expect(String(sem)).toBe("<asyncio.locks.BoundedSemaphore object [unlocked, value:2]>");
    });
  });

  it("hands units to waiters like Semaphore", async () => {
    const events: string[] = [];
    await asyncio.run(async () => {
      const sem = new BoundedSemaphore(1);
      const t = asyncio.createTask(async () => {
        await asyncio.sleep(0);
        await asyncWith(sem, () => void events.push("t in"));
      });
      await asyncWith(sem, async () => {
        await settle();
        expect(String(sem)).toBe("<asyncio.locks.BoundedSemaphore object [locked, waiters:1]>");
        events.push("main out");
      });
      await t;
      expect(sem._value).toBe(1);
    });
    expect(events).toEqual(["main out", "t in"]);
  });
});
