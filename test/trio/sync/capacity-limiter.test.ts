import { describe, expect, it } from "vitest";
import * as trio from "../../../src/trio/index.js";
import { CapacityLimiter } from "../../../src/trio/sync/index.js";
import { FlavorError } from "../../../src/flavor/flavor-error.js";
import { RuntimeError, ValueError } from "../../../src/errors/builtins.js";

const { waitAllTasksBlocked } = trio.testing;
const { currentTask } = trio.lowlevel;

/** Runs `fn` and checks that it passed both a cancel point and a schedule point (Trio's assert_checkpoints). */
async function assertCheckpoints(fn: () => Promise<unknown>): Promise<void> {
  const task = currentTask();
  const cancelPoints = task._cancelPoints;
  const schedulePoints = task._schedulePoints;
  await fn();
  expect(task._cancelPoints).toBeGreaterThan(cancelPoints);
  expect(task._schedulePoints).toBeGreaterThan(schedulePoints);
}

const HELD = "this borrower is already holding one of this CapacityLimiter's tokens";
const NOT_HELD = "this borrower isn't holding any of this CapacityLimiter's tokens";

describe("trio.CapacityLimiter", () => {
  it("lends one token per borrower, up to totalTokens", async () => {
    await trio.run(async () => {
      const c = new CapacityLimiter(2);
      const me = currentTask();
      expect([c.totalTokens, c.borrowedTokens, c.availableTokens]).toEqual([2, 0, 2]);
      expect(String(c)).toBe("<trio.CapacityLimiter, 0/2 with 0 waiting>");
      await assertCheckpoints(() => c.acquire());
      expect([c.borrowedTokens, c.availableTokens]).toEqual([1, 1]);
      expect(c.statistics()).toEqual({ borrowedTokens: 1, totalTokens: 2, borrowers: [me], tasksWaiting: 0 });
      expect(() => c.acquireNowait()).toThrow(new RuntimeError(HELD));
      await expect(c.acquire()).rejects.toThrow(new RuntimeError(HELD));
      await expect(c.acquireOnBehalfOf(me)).rejects.toThrow(HELD);
      await assertCheckpoints(() => c.acquireOnBehalfOf("someone"));
      expect(() => c.acquireOnBehalfOfNowait("third")).toThrow(trio.WouldBlock);
      expect(c.statistics().borrowers).toEqual([me, "someone"]);
      c.release();
      expect(() => c.release()).toThrow(new RuntimeError(NOT_HELD));
      c.releaseOnBehalfOf("someone");
      expect(() => c.releaseOnBehalfOf("someone")).toThrow(NOT_HELD);
      expect(c.borrowedTokens).toBe(0);
    });
  });

  it("the on-behalf-of calls and the getters are sync and need no run", () => {
    const c = new CapacityLimiter(1);
    const borrower = {};
    c.acquireOnBehalfOfNowait(borrower);
    expect(() => c.acquireOnBehalfOfNowait({})).toThrow(trio.WouldBlock);
    expect(() => c.acquireOnBehalfOfNowait(borrower)).toThrow(RuntimeError);
    expect(c.statistics().borrowers).toEqual([borrower]);
    c.releaseOnBehalfOf(borrower);
    expect(c.borrowedTokens).toBe(0);
  });

  it("bad totalTokens", async () => {
    expect(() => new CapacityLimiter(1.5)).toThrow(new TypeError("totalTokens must be an integer or Infinity"));
    expect(() => new CapacityLimiter(NaN)).toThrow(TypeError);
    expect(() => new CapacityLimiter(-Infinity)).toThrow(TypeError);
    expect(() => new CapacityLimiter("2" as unknown as number)).toThrow(TypeError);
    expect(() => new CapacityLimiter(-1)).toThrow(new ValueError("totalTokens must be >= 0"));
    const c = new CapacityLimiter(2);
    expect(() => (c.totalTokens = 0.5)).toThrow(TypeError);
    expect(() => (c.totalTokens = -3)).toThrow(ValueError);
    expect(c.totalTokens).toBe(2);
    expect(new CapacityLimiter(0).totalTokens).toBe(0);
  });

  it("Infinity tokens", async () => {
    await trio.run(async () => {
      const c = new CapacityLimiter(Infinity);
      expect(c.availableTokens).toBe(Infinity);
      for (let i = 0; i < 100; i++) c.acquireOnBehalfOfNowait(i);
      c.acquireNowait();
      expect([c.borrowedTokens, c.availableTokens]).toEqual([101, Infinity]);
      expect(String(c)).toBe("<trio.CapacityLimiter, 101/Infinity with 0 waiting>");
    });
  });

  it("waiters get tokens first come, first served; release hands over directly", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const c = new CapacityLimiter(1);
      c.acquireOnBehalfOfNowait("holder");
      const waiter = async (who: string): Promise<void> => {
        events.push(`${who} waits`);
        await c.acquireOnBehalfOf(who);
        events.push(`${who} has a token`);
      };
      await trio.openNursery(async (n) => {
        n.startSoon(waiter, "a");
        n.startSoon(waiter, "b");
        await waitAllTasksBlocked();
        expect(c.statistics()).toEqual({ borrowedTokens: 1, totalTokens: 1, borrowers: ["holder"], tasksWaiting: 2 });
        c.releaseOnBehalfOf("holder");
        events.push("released");
        // The token went to "a" before it ran: nobody can barge in.
        expect(c.statistics().borrowers).toEqual(["a"]);
        expect(() => c.acquireNowait()).toThrow(trio.WouldBlock);
        await waitAllTasksBlocked();
        c.releaseOnBehalfOf("a");
        events.push("released");
      });
      expect(c.statistics().borrowers).toEqual(["b"]);
    });
    expect(events).toEqual(["a waits", "b waits", "released", "a has a token", "released", "b has a token"]);
  });

  it("acquire() queues the caller before it yields", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const c = new CapacityLimiter(1);
      c.acquireOnBehalfOfNowait("holder");
      await trio.openNursery(async (n) => {
        n.startSoon(async () => {
          const acquiring = c.acquire();
          events.push(`queued at once: ${c.statistics().tasksWaiting === 1 && c._pendingBorrowers.size === 1}`);
          await acquiring;
          events.push("has a token");
        });
        await waitAllTasksBlocked();
        c.releaseOnBehalfOf("holder");
        expect(() => c.acquireOnBehalfOfNowait("holder")).toThrow(trio.WouldBlock);
      });
    });
    expect(events).toEqual(["queued at once: true", "has a token"]);
  });

  it("raising totalTokens wakes waiters; lowering it lets current borrowers finish", async () => {
    await trio.run(async () => {
      const c = new CapacityLimiter(1);
      await trio.openNursery(async (n) => {
        for (const i of [0, 1, 2, 3]) {
          n.startSoon(() => c.acquireOnBehalfOf(i));
          await waitAllTasksBlocked();
        }
        expect(c.statistics().borrowers).toEqual([0]);
        c.totalTokens = 3;
        expect(c.statistics().borrowers).toEqual([0, 1, 2]);
        expect(c.statistics().tasksWaiting).toBe(1);
        c.totalTokens = 1;
        expect(c.availableTokens).toBe(-2);
        c.releaseOnBehalfOf(0);
        c.releaseOnBehalfOf(1);
        expect(c.statistics().tasksWaiting).toBe(1);
        c.releaseOnBehalfOf(2);
        expect(c.statistics().borrowers).toEqual([3]);
        c.totalTokens = Infinity;
        c.releaseOnBehalfOf(3);
      });
    });
  });

  it("a cancelled waiter leaves the queue and its pending entry; the others keep their turns", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const c = new CapacityLimiter(1);
      const scope = new trio.CancelScope();
      c.acquireNowait();
      await trio.openNursery(async (n) => {
        n.startSoon(async () => {
          await c.acquireOnBehalfOf("a");
          events.push("a has a token");
        });
        n.startSoon(async () => {
          await scope.run(() => c.acquireOnBehalfOf("b"));
          events.push(`b cancelled: ${scope.cancelledCaught}`);
        });
        n.startSoon(async () => {
          await c.acquireOnBehalfOf("c");
          events.push("c has a token");
        });
        await waitAllTasksBlocked();
        expect(c._pendingBorrowers.size).toBe(3);
        scope.cancel();
        await waitAllTasksBlocked();
        expect(c._pendingBorrowers.size).toBe(2);
        expect(c.statistics().tasksWaiting).toBe(2);
        c.totalTokens = 3;
        events.push("raised to 3");
      });
      expect(c.statistics().borrowers).toEqual([currentTask(), "a", "c"]);
      expect(c._pendingBorrowers.size).toBe(0);
    });
    expect(events).toEqual(["b cancelled: true", "raised to 3", "a has a token", "c has a token"]);
  });

  it("acquire() in a cancelled scope throws Cancelled without taking a token", async () => {
    await trio.run(async () => {
      const c = new CapacityLimiter(1);
      const scope = new trio.CancelScope();
      await scope.run(async () => {
        scope.cancel();
        await c.acquire();
      });
      expect(scope.cancelledCaught).toBe(true);
      expect(c.borrowedTokens).toBe(0);
    });
  });

  it("asyncWith holds a token around the body and returns it on error", async () => {
    await trio.run(async () => {
      const c = new CapacityLimiter(1);
      await assertCheckpoints(() =>
        trio.asyncWith(c, async () => {
          expect(c.statistics().borrowers).toEqual([currentTask()]);
        }),
      );
      expect(c.borrowedTokens).toBe(0);
      await expect(
        trio.asyncWith(c, async () => {
          throw new Error("boom");
        }),
      ).rejects.toThrow("boom");
      expect(c.borrowedTokens).toBe(0);
    });
  });

  it("calls that need the current task throw FlavorError outside a Trio task", async () => {
    const c = new CapacityLimiter(1);
    await expect(c.acquire()).rejects.toThrow(FlavorError);
    await expect(c.acquire()).rejects.toThrow(/trio\.CapacityLimiter\.acquire\(\) is Trio-flavored/);
    await expect(c.acquireOnBehalfOf("x")).rejects.toThrow(FlavorError);
    expect(() => c.acquireNowait()).toThrow(FlavorError);
    expect(() => c.release()).toThrow(FlavorError);
    await expect(trio.asyncWith(c, () => undefined)).rejects.toThrow(FlavorError);
    expect(c.borrowedTokens).toBe(0);
  });
});
