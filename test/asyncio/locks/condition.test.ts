import { describe, expect, it } from "vitest";
import * as asyncio from "../../../src/asyncio/index.js";
import { Condition, Lock } from "../../../src/asyncio/locks/index.js";
import { RuntimeError } from "../../../src/errors/builtins.js";
import { FlavorError } from "../../../src/flavor/flavor-error.js";
import { asyncWith } from "../../../src/loop/async-context-manager.js";
import * as trio from "../../../src/trio/index.js";

const { CancelledError } = asyncio;

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await asyncio.sleep(0);
}

describe("asyncio.Condition", () => {
  it("wait releases the lock, notify(n) wakes n waiters in FIFO order, each re-acquires the lock", async () => {
    const events: string[] = [];
    await asyncio.run(async () => {
      const cond = new Condition();
      const tasks = [1, 2, 3, 4].map((n) =>
        asyncio.createTask(() =>
          asyncWith(cond, async () => {
            events.push(`${n} waits`);
            const woke = await cond.wait();
            events.push(`${n} woke ${woke} locked=${cond.locked()}`);
          }),
        ),
      );
      await settle();
      expect(cond.locked()).toBe(false);
      expect(String(cond)).toBe("<asyncio.locks.Condition object [unlocked, waiters:4]>");
      await asyncWith(cond, async () => {
        events.push("notify 2");
        cond.notify(2);
        await settle();
        // Notified, but the lock is ours: nobody has returned from wait() yet.
        events.push("main releases");
      });
      await settle();
      await asyncWith(cond, () => {
        events.push("notifyAll");
        cond.notifyAll();
      });
      await Promise.all(tasks);
      expect(String(cond)).toBe("<asyncio.locks.Condition object [unlocked]>");
    });
    expect(events).toEqual([
      "1 waits",
      "2 waits",
      "3 waits",
      "4 waits",
      "notify 2",
      "main releases",
      "1 woke true locked=true",
      "2 woke true locked=true",
      "notifyAll",
      "3 woke true locked=true",
      "4 woke true locked=true",
    ]);
  });

  it("notify with no waiters, notify(0) and notify(-1) wake nobody", async () => {
    await asyncio.run(async () => {
      const cond = new Condition();
      await cond.acquire();
      cond.notify();
      cond.notifyAll();
      const t = asyncio.createTask(() => asyncWith(cond, () => cond.wait()));
      cond.release();
      await settle();
      await cond.acquire();
      cond.notify(0);
      cond.notify(-1);
      cond.release();
      await settle();
      expect(t.done()).toBe(false);
      await cond.acquire();
      cond.notify();
      cond.release();
      await t;
    });
  });

  it("waitFor returns the predicate's truthy value, waiting for notifications until then", async () => {
    const events: string[] = [];
    await asyncio.run(async () => {
      const cond = new Condition();
      let items: string[] = [];
      const consumer = asyncio.createTask(() =>
        asyncWith(cond, async () => {
          const got = await cond.waitFor(() => {
            events.push(`check ${items.length}`);
            return items.length >= 2 && items;
          });
          events.push(`got ${(got as string[]).join(",")}`);
        }),
      );
      await settle();
      for (const item of ["x", "y"]) {
        await asyncWith(cond, () => {
          items = [...items, item];
          cond.notify();
        });
        await settle();
      }
      await consumer;
    });
    expect(events).toEqual(["check 0", "check 1", "check 2", "got x,y"]);
  });

  it("a cancelled waiter re-acquires the lock before the CancelledError comes out", async () => {
    const events: string[] = [];
    await asyncio.run(async () => {
      const cond = new Condition();
      const t = asyncio.createTask(async () => {
        await cond.acquire();
        try {
          await cond.wait();
        } catch (error) {
          events.push(`${(error as Error).name} "${(error as Error).message}", locked=${cond.locked()}`);
          cond.release();
          throw error;
        }
      });
      await settle();
      // Hold the lock while cancelling: the waiter must wait for it.
      await cond.acquire();
      t.cancel("go away");
      await settle();
      events.push(`still waiting for the lock: ${!t.done()}`);
      cond.release();
      await expect(t).rejects.toThrow(CancelledError);
      expect(cond._waiters).toEqual([]);
      expect(cond.locked()).toBe(false);
    });
    expect(events).toEqual(["still waiting for the lock: true", 'CancelledError "go away", locked=true']);
  });

  it("a notified task cancelled while re-acquiring the lock passes the wake-up on", async () => {
    const events: string[] = [];
    await asyncio.run(async () => {
      const cond = new Condition();
      const waiter = (name: string) =>
        asyncio.createTask(() =>
          asyncWith(cond, async () => {
            try {
              await cond.wait();
              events.push(`${name} woke`);
            } catch (error) {
              events.push(`${name} ${(error as Error).name}`);
              throw error;
            }
          }),
        );
      const [a, b] = [waiter("a"), waiter("b")];
      await settle();
      await cond.acquire();
      cond.notify(1);
      await settle();
      // a is notified and waits for the lock: cancel it there. Its CancelledError comes
      // out once it holds the lock, and its wake-up goes to b (a spurious wake-up at most).
      a.cancel();
      cond.release();
      await Promise.allSettled([a, b]);
      expect(a.cancelled()).toBe(true);
    });
    expect(events).toEqual(["a CancelledError", "b woke"]);
  });

  it("a task cancelled twice while re-acquiring still gets the lock back first", async () => {
    await asyncio.run(async () => {
      const cond = new Condition();
      let lockedInCatch: boolean | null = null;
      const t = asyncio.createTask(async () => {
        await cond.acquire();
        try {
          await cond.wait();
        } catch (error) {
          lockedInCatch = cond.locked();
          cond.release();
          throw error;
        }
      });
      await settle();
      await cond.acquire();
      cond.notify();
      await settle();
      t.cancel("first");
      await settle();
      t.cancel("second");
      await settle();
      expect(t.done()).toBe(false);
      cond.release();
      await expect(t).rejects.toThrow("second");
      expect(lockedInCatch).toBe(true);
    });
  });

  it("shares an explicit lock; wait, notify and notifyAll need it held", async () => {
    await asyncio.run(async () => {
      const lock = new Lock();
      const a = new Condition(lock);
      const b = new Condition(lock);
      expect(a._lock).toBe(lock);
      await a.acquire();
      expect(b.locked()).toBe(true);
      expect(lock.locked()).toBe(true);
      b.release();
      expect(a.locked()).toBe(false);
      expect(() => a.notify()).toThrow(RuntimeError);
      expect(() => a.notify()).toThrow("cannot notify on un-acquired lock");
      expect(() => a.notifyAll()).toThrow("cannot notify on un-acquired lock");
      await expect(a.wait()).rejects.toThrow("cannot wait on un-acquired lock");
      await expect(a.waitFor(() => false)).rejects.toThrow("cannot wait on un-acquired lock");
      expect(() => a.release()).toThrow("Lock is not acquired.");
    });
  });

  it("rejects bad input with specific errors", async () => {
    expect(() => new (Condition as any)({})).toThrow(/Condition\(lock\) needs an asyncio Lock/);
    expect(() => new (Condition as any)(new trio.Lock())).toThrow(TypeError);
    expect(() => new (Condition as any)(new Lock(), {})).toThrow(/unexpected argument/);
    await asyncio.run(async () => {
      const cond = new Condition();
      await cond.acquire();
      expect(() => cond.notify("1" as any)).toThrow(TypeError);
      expect(() => cond.notify(NaN)).toThrow(/notify\(n\) needs a number/);
      await expect(cond.waitFor("ready" as any)).rejects.toThrow(/waitFor\(\) needs a predicate function/);
      await expect(cond.waitFor(async () => false)).rejects.toThrow(/needs a synchronous predicate/);
      expect(cond.locked()).toBe(true);
    });
  });

  it("is asyncio-flavored: FlavorError from Trio code and outside any loop", async () => {
    const cond = new Condition();
    await expect(cond.acquire()).rejects.toThrow(/asyncio\.Condition\.acquire\(\) is asyncio-flavored/);
    await expect(cond.wait()).rejects.toThrow(/asyncio\.Condition\.wait\(\) is asyncio-flavored/);
    await expect(cond.waitFor(() => true)).rejects.toBeInstanceOf(FlavorError);
    await trio.run(async () => {
      await expect(cond.acquire()).rejects.toBeInstanceOf(FlavorError);
      await expect(asyncWith(cond, () => undefined)).rejects.toBeInstanceOf(FlavorError);
    });
    expect(cond.locked()).toBe(false);
  });
});
