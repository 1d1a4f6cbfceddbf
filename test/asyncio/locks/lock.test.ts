import { describe, expect, it } from "vitest";
import * as asyncio from "../../../src/asyncio/index.js";
import { Lock } from "../../../src/asyncio/locks/index.js";
import { RuntimeError } from "../../../src/errors/builtins.js";
import { FlavorError } from "../../../src/flavor/flavor-error.js";
import { asyncWith } from "../../../src/loop/async-context-manager.js";
import { MockClock } from "../../../src/loop/mock-clock.js";
import * as trio from "../../../src/trio/index.js";

const { CancelledError } = asyncio;

/** Lets every task that can run reach its next real wait (a few loop iterations). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await asyncio.sleep(0);
}

describe("asyncio.Lock", () => {
  it("acquire resolves true, release unlocks, toString shows the state", async () => {
    await asyncio.run(async () => {
      const lock = new Lock();
      expect(String(lock)).toBe("<asyncio.locks.Lock object [unlocked]>");
      expect(lock.locked()).toBe(false);
      expect(await lock.acquire()).toBe(true);
      expect(lock.locked()).toBe(true);
      expect(String(lock)).toBe("<asyncio.locks.Lock object [locked]>");
      const waiters = [asyncio.createTask(() => lock.acquire()), asyncio.createTask(() => lock.acquire())];
      await settle();
      expect(String(lock)).toBe("<asyncio.locks.Lock object [locked, waiters:2]>");
      lock.release();
      await settle();
      lock.release();
      await settle();
      lock.release();
      expect(await Promise.all(waiters)).toEqual([true, true]);
      expect(String(lock)).toBe("<asyncio.locks.Lock object [unlocked]>");
    });
  });

  it("release of an unlocked lock throws RuntimeError", async () => {
    const lock = new Lock();
    expect(() => lock.release()).toThrow(RuntimeError);
    expect(() => lock.release()).toThrow("Lock is not acquired.");
    await asyncio.run(async () => {
      await lock.acquire();
      lock.release();
      expect(() => lock.release()).toThrow("Lock is not acquired.");
    });
  });

  it("is not owned: another task may release it", async () => {
    const events: string[] = [];
    await asyncio.run(async () => {
      const lock = new Lock();
      await lock.acquire();
      await asyncio.createTask(async () => {
        lock.release();
        events.push("released by another task");
      });
      expect(lock.locked()).toBe(false);
    });
    expect(events).toEqual(["released by another task"]);
  });

  it("waiters get the lock in FIFO order", async () => {
    const events: string[] = [];
    await asyncio.run(async () => {
      const lock = new Lock();
      await lock.acquire();
      const tasks = [1, 2, 3, 4].map((n) =>
        asyncio.createTask(async () => {
          events.push(`${n} waits`);
          await lock.acquire();
          events.push(`${n} acquired`);
          await asyncio.sleep(0);
          events.push(`${n} releases`);
          lock.release();
        }),
      );
      await settle();
      events.push("main releases");
      lock.release();
      await Promise.all(tasks);
    });
    expect(events).toEqual([
      "1 waits",
      "2 waits",
      "3 waits",
      "4 waits",
      "main releases",
      "1 acquired",
      "1 releases",
      "2 acquired",
      "2 releases",
      "3 acquired",
      "3 releases",
      "4 acquired",
      "4 releases",
    ]);
  });

  it("a newcomer cannot take the lock while a woken waiter has not resumed yet", async () => {
    const events: string[] = [];
    await asyncio.run(async () => {
      const lock = new Lock();
      await lock.acquire();
      const t1 = asyncio.createTask(async () => {
        await lock.acquire();
        events.push("t1 acquired");
        lock.release();
      });
      await settle();
      lock.release();
      // t1's waiter is done but t1 has not run: the lock is free, yet it is t1's turn.
      expect(lock.locked()).toBe(false);
      const acquired = lock.acquire().then(() => events.push("main acquired"));
      events.push("main queued");
      await acquired;
      await t1;
      lock.release();
    });
    expect(events).toEqual(["main queued", "t1 acquired", "main acquired"]);
  });

  it("jumps the queue when every queued waiter is cancelled", async () => {
    const events: string[] = [];
    await asyncio.run(async () => {
      const lock = new Lock();
      await lock.acquire();
      const t1 = asyncio.createTask(() => lock.acquire());
      await settle();
      t1.cancel();
      lock.release();
      // t1's waiter is cancelled but still queued (t1 has not run): no need to wait for it.
      expect(lock._waiters!.length).toBe(1);
      const acquire = lock.acquire();
      expect(lock.locked()).toBe(true);
      events.push(`main acquired ${await acquire}`);
      await Promise.allSettled([t1]);
      events.push(`t1 cancelled ${t1.cancelled()}`);
      lock.release();
    });
    expect(events).toEqual(["main acquired true", "t1 cancelled true"]);
  });

  it("a cancelled waiter leaves the queue; the others keep their turns", async () => {
    const events: string[] = [];
    await asyncio.run(async () => {
      const lock = new Lock();
      await lock.acquire();
      const waiter = (name: string) =>
        asyncio.createTask(async () => {
          try {
            await lock.acquire();
          } catch (error) {
            events.push(`${name} ${(error as Error).name}`);
            throw error;
          }
          events.push(`${name} acquired`);
          lock.release();
        });
      const [a, b, c] = [waiter("a"), waiter("b"), waiter("c")];
      await settle();
      b.cancel();
      await settle();
      expect(lock._waiters!.length).toBe(2);
      lock.release();
      await Promise.allSettled([a, b, c]);
      expect(lock.locked()).toBe(false);
      expect(lock._waiters).toEqual([]);
    });
    expect(events).toEqual(["b CancelledError", "a acquired", "c acquired"]);
  });

  it("a waiter cancelled in the same step as the release passes its turn on (the lock is not lost)", async () => {
    const events: string[] = [];
    await asyncio.run(async () => {
      const lock = new Lock();
      await lock.acquire();
      const t1 = asyncio.createTask(async () => {
        try {
          await lock.acquire();
          events.push("t1 acquired");
        } catch (error) {
          events.push(`t1 ${(error as Error).name}`);
          throw error;
        }
      });
      const t2 = asyncio.createTask(async () => {
        await lock.acquire();
        events.push("t2 acquired");
        lock.release();
      });
      await settle();
      // The cancel comes first: release() finds t1's waiter done and wakes nobody; t1,
      // unwinding with CancelledError on a free lock, wakes t2.
      t1.cancel();
      lock.release();
      await Promise.allSettled([t1, t2]);
      expect(lock.locked()).toBe(false);
    });
    expect(events).toEqual(["t1 CancelledError", "t2 acquired"]);
  });

  it("a waiter cancelled just after being handed the lock still releases it through asyncWith", async () => {
    const events: string[] = [];
    await asyncio.run(async () => {
      const lock = new Lock();
      await lock.acquire();
      const t1 = asyncio.createTask(async () => {
        try {
          await asyncWith(lock, async () => {
            events.push("t1 in block");
            await asyncio.sleep(0);
            events.push("t1 not cancelled");
          });
        } catch (error) {
          events.push(`t1 ${(error as Error).name}`);
          throw error;
        }
      });
      const t2 = asyncio.createTask(() =>
        asyncWith(lock, () => {
          events.push("t2 in block");
        }),
      );
      await settle();
      lock.release();
      t1.cancel();
      await Promise.allSettled([t1, t2]);
      expect(t1.cancelled()).toBe(true);
      expect(lock.locked()).toBe(false);
    });
    // asyncio raises the CancelledError from acquire() itself and t1 never enters the block
    // (see the report on Task.cancel() after a wake-up); either way t2 gets the lock.
    expect(events.filter((e) => e !== "t1 in block")).toEqual(["t1 CancelledError", "t2 in block"]);
  });

  it("asyncWith holds the lock around the block, releases it on error", async () => {
    const events: string[] = [];
    await asyncio.run(async () => {
      const lock = new Lock();
      const worker = (name: string) =>
        asyncio.createTask(() =>
          asyncWith(lock, async (value) => {
            events.push(`${name} in (value ${String(value)}, locked ${lock.locked()})`);
            await asyncio.sleep(0);
            events.push(`${name} out`);
          }),
        );
      await Promise.all([worker("a"), worker("b")]);
      const failure = new Error("boom");
      await expect(
        asyncWith(lock, () => {
          throw failure;
        }),
      ).rejects.toBe(failure);
      expect(lock.locked()).toBe(false);
    });
    expect(events).toEqual(["a in (value undefined, locked true)", "a out", "b in (value undefined, locked true)", "b out"]);
  });

  it("is asyncio-flavored: FlavorError from Trio code and outside any loop", async () => {
    const lock = new Lock();
    await expect(lock.acquire()).rejects.toBeInstanceOf(FlavorError);
    await expect(lock.acquire()).rejects.toThrow(/asyncio\.Lock\.acquire\(\) is asyncio-flavored/);
    await expect(asyncWith(lock, () => undefined)).rejects.toBeInstanceOf(FlavorError);
    await trio.run(async () => {
      await expect(lock.acquire()).rejects.toThrow(/asyncio\.Lock\.acquire\(\) is asyncio-flavored, but it was called from Trio-flavored code/);
      await expect(asyncWith(lock, () => undefined)).rejects.toBeInstanceOf(FlavorError);
    });
    expect(lock.locked()).toBe(false);
  });

  it("binds to the loop of the first task that waits; another loop cannot wait on it", async () => {
    const lock = new Lock();
    await asyncio.run(async () => {
      await lock.acquire();
      const t = asyncio.createTask(() => lock.acquire());
      await settle();
      lock.release();
      await t;
    });
    expect(lock.locked()).toBe(true);
    await asyncio.run(async () => {
      // Uncontended acquire and release need no loop.
      lock.release();
      await lock.acquire();
      await expect(lock.acquire()).rejects.toThrow(/<asyncio\.locks\.Lock object \[locked\]> is bound to a different event loop/);
      lock.release();
    });
  });

  it("rejects constructor arguments (asyncio primitives take no loop)", () => {
    expect(() => new (Lock as any)({ loop: null })).toThrow(TypeError);
    expect(() => new (Lock as any)(1)).toThrow(/Lock\(\) got 1 unexpected argument:/);
    expect(() => new (Lock as any)(1, 2)).toThrow(/Lock\(\) got 2 unexpected arguments:/);
  });

  // A timer added by task code that resumed after the loop went idle re-plans the autojump.
  it("a waiter released by a timer, on a MockClock loop", { timeout: 3000 }, async () => {
    const events: string[] = [];
    const clock = new MockClock({ autojumpThreshold: 0 });
    await asyncio.run(
      async () => {
        const loop = asyncio.getRunningLoop();
        const lock = new Lock();
        await lock.acquire();
        const waiter = asyncio.createTask(async () => {
          await lock.acquire();
          events.push(`acquired at ${loop.time()}`);
        });
        await asyncio.sleep(0);
        loop.callLater(5, () => lock.release());
        await waiter;
      },
      { loopFactory: () => new asyncio.SyncTrioEventLoop({ clock }) },
    );
    expect(events).toEqual(["acquired at 5"]);
  });
});

describe("asyncio.Lock cancellation", () => {
  it("CancelledError from a waiting acquire carries the cancel message", async () => {
    await asyncio.run(async () => {
      const lock = new Lock();
      await lock.acquire();
      const t = asyncio.createTask(() => lock.acquire());
      await settle();
      t.cancel("stop waiting");
      await expect(t).rejects.toThrow(CancelledError);
      expect(t.cancelled()).toBe(true);
      expect(lock._waiters).toEqual([]);
      expect(lock.locked()).toBe(true);
    });
  });
});
