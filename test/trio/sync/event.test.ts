import { describe, expect, it } from "vitest";
import * as trio from "../../../src/trio/index.js";
import { Event } from "../../../src/trio/sync/index.js";
import { FlavorError } from "../../../src/flavor/flavor-error.js";

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

describe("trio.Event", () => {
  it("starts unset, stays set, and set() is idempotent", async () => {
    await trio.run(async () => {
      const e = new Event();
      expect(e.isSet()).toBe(false);
      expect(e.statistics()).toEqual({ tasksWaiting: 0 });
      e.set();
      expect(e.isSet()).toBe(true);
      e.set();
      expect(e.isSet()).toBe(true);
      expect(String(e)).toBe("<trio.Event (set) with 0 waiting>");
    });
  });

  it("set() is sync and works outside any run", () => {
    const e = new Event();
    e.set();
    expect(e.isSet()).toBe(true);
  });

  it("wait() on a set event is still a checkpoint", async () => {
    await trio.run(async () => {
      const e = new Event();
      e.set();
      await assertCheckpoints(() => e.wait());
      const events: string[] = [];
      await trio.openNursery(async (n) => {
        n.startSoon(async () => {
          events.push("other ran");
        });
        events.push("before wait");
        await e.wait();
        events.push("after wait");
      });
      expect(events).toEqual(["before wait", "other ran", "after wait"]);
      // ...and a cancel point: a cancelled caller gets Cancelled even though the event is set.
      const scope = new trio.CancelScope();
      await scope.run(async () => {
        scope.cancel();
        await e.wait();
        events.push("not reached");
      });
      expect(scope.cancelledCaught).toBe(true);
      expect(events).toHaveLength(3);
    });
  });

  it("set() wakes every waiter, in the order they started waiting", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const e = new Event();
      const child = async (name: string): Promise<void> => {
        events.push(`${name} sleeping`);
        await e.wait();
        events.push(`${name} woken`);
      };
      await trio.openNursery(async (n) => {
        n.startSoon(child, "a");
        n.startSoon(child, "b");
        n.startSoon(child, "c");
        await waitAllTasksBlocked();
        expect(e.statistics()).toEqual({ tasksWaiting: 3 });
        expect(String(e)).toBe("<trio.Event (unset) with 3 waiting>");
        events.push("set");
        e.set();
        expect(e.statistics()).toEqual({ tasksWaiting: 0 });
      });
    });
    expect(events.slice(0, 4)).toEqual(["a sleeping", "b sleeping", "c sleeping", "set"]);
    // The order in which woken tasks then run is the scheduler's business (Trio does not promise one).
    expect(events.slice(4).sort()).toEqual(["a woken", "b woken", "c woken"]);
  });

  it("no wake-up is lost when set() comes before wait()", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const e = new Event();
      await trio.openNursery(async (n) => {
        n.startSoon(async () => {
          e.set();
          events.push("set");
        });
        await waitAllTasksBlocked();
        await e.wait();
        events.push("waited");
      });
    });
    expect(events).toEqual(["set", "waited"]);
  });

  it("a cancelled waiter leaves the queue; the others still wake", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const e = new Event();
      const scope = new trio.CancelScope();
      await trio.openNursery(async (n) => {
        n.startSoon(async () => {
          await e.wait();
          events.push("a woken");
        });
        n.startSoon(async () => {
          await scope.run(async () => {
            await e.wait();
            events.push("b woken");
          });
          events.push(`b cancelled: ${scope.cancelledCaught}`);
        });
        n.startSoon(async () => {
          await e.wait();
          events.push("c woken");
        });
        await waitAllTasksBlocked();
        expect(e.statistics().tasksWaiting).toBe(3);
        scope.cancel();
        await waitAllTasksBlocked();
        expect(e.statistics().tasksWaiting).toBe(2);
        events.push("set");
        e.set();
      });
    });
    expect(events.slice(0, 2)).toEqual(["b cancelled: true", "set"]);
    expect(events.slice(2).sort()).toEqual(["a woken", "c woken"]);
  });

  it("wait() with a deadline (MockClock) times out, and the event stays usable", async () => {
    const clock = new trio.testing.MockClock({ autojumpThreshold: 0 });
    const result = await trio.run({ clock }, async () => {
      const e = new Event();
      const t0 = trio.currentTime();
      await trio.moveOnAfter(3, () => e.wait());
      const elapsed = trio.currentTime() - t0;
      expect(e.statistics().tasksWaiting).toBe(0);
      e.set();
      await e.wait();
      return elapsed;
    });
    expect(result).toBe(3);
  });

  it("wait() outside a Trio task throws FlavorError", async () => {
    const e = new Event();
    await expect(async () => e.wait()).rejects.toThrow(FlavorError);
    await expect(async () => e.wait()).rejects.toThrow(/trio\.Event\.wait\(\) is Trio-flavored/);
    e.set();
    // Even when set: wait() is always a Trio checkpoint.
    await expect(async () => e.wait()).rejects.toThrow(FlavorError);
  });
});
