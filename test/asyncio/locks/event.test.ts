import { describe, expect, it } from "vitest";
import * as asyncio from "../../../src/asyncio/index.js";
import { Event } from "../../../src/asyncio/locks/index.js";
import { FlavorError } from "../../../src/flavor/flavor-error.js";
import * as trio from "../../../src/trio/index.js";

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await asyncio.sleep(0);
}

describe("asyncio.Event", () => {
  it("set wakes every waiter; wait on a set event returns at once", async () => {
    const events: string[] = [];
    await asyncio.run(async () => {
      const ev = new Event();
      expect(ev.isSet()).toBe(false);
      const tasks = [1, 2, 3].map((n) =>
        asyncio.createTask(async () => {
          events.push(`${n} waits`);
          events.push(`${n} woke with ${await ev.wait()}`);
        }),
      );
      await settle();
      expect(String(ev)).toBe("<asyncio.locks.Event object [unset, waiters:3]>");
      events.push("set");
      ev.set();
      expect(ev.isSet()).toBe(true);
      await Promise.all(tasks);
      expect(String(ev)).toBe("<asyncio.locks.Event object [set]>");
      expect(await ev.wait()).toBe(true);
      events.push("main passed");
    });
    expect(events).toEqual(["1 waits", "2 waits", "3 waits", "set", "1 woke with true", "2 woke with true", "3 woke with true", "main passed"]);
  });

  it("a waiter woken by set() returns even if clear() came before it ran; later waits block again", async () => {
    const events: string[] = [];
    await asyncio.run(async () => {
      const ev = new Event();
      const t = asyncio.createTask(async () => {
        await ev.wait();
        events.push("t woke");
      });
      await settle();
      ev.set();
      ev.clear();
      expect(ev.isSet()).toBe(false);
      await t;
      const late = asyncio.createTask(async () => {
        await ev.wait();
        events.push("late woke");
      });
      await settle();
      expect(late.done()).toBe(false);
      events.push("set again");
      ev.set();
      await late;
    });
    expect(events).toEqual(["t woke", "set again", "late woke"]);
  });

  it("set() twice wakes once; clear() with no waiters is harmless", async () => {
    await asyncio.run(async () => {
      const ev = new Event();
      ev.clear();
      let wakes = 0;
      const t = asyncio.createTask(async () => {
        await ev.wait();
        wakes++;
      });
      await settle();
      ev.set();
      ev.set();
      await t;
      expect(wakes).toBe(1);
      expect(ev._waiters).toEqual([]);
    });
  });

  it("a cancelled waiter leaves; the other waiters are still woken", async () => {
    const events: string[] = [];
    await asyncio.run(async () => {
      const ev = new Event();
      const waiter = (name: string) =>
        asyncio.createTask(async () => {
          try {
            await ev.wait();
            events.push(`${name} woke`);
          } catch (error) {
            events.push(`${name} ${(error as Error).name}: ${(error as Error).message}`);
            throw error;
          }
        });
      const [a, b, c] = [waiter("a"), waiter("b"), waiter("c")];
      await settle();
      b.cancel("no longer needed");
      await settle();
      expect(ev._waiters.length).toBe(2);
      ev.set();
      await Promise.allSettled([a, b, c]);
      expect(b.cancelled()).toBe(true);
    });
    expect(events).toEqual(["b CancelledError: no longer needed", "a woke", "c woke"]);
  });

  it("is asyncio-flavored: FlavorError from Trio code and outside any loop; set() works anywhere", async () => {
    const ev = new Event();
    await expect(ev.wait()).rejects.toBeInstanceOf(FlavorError);
    await expect(ev.wait()).rejects.toThrow(/asyncio\.Event\.wait\(\) is asyncio-flavored/);
    await trio.run(async () => {
      await expect(ev.wait()).rejects.toBeInstanceOf(FlavorError);
      ev.set();
    });
    expect(ev.isSet()).toBe(true);
    // Even a set event checks the flavor first.
    await expect(ev.wait()).rejects.toBeInstanceOf(FlavorError);
  });

  it("rejects constructor arguments", () => {
    expect(() => new (Event as any)({ loop: null })).toThrow(/Event\(\) got 1 unexpected argument/);
  });
});
