import { describe, expect, it } from "vitest";
import * as asyncio from "../../src/asyncio/index.js";
import { currentAsyncLibrary } from "../../src/flavor/sniffio.js";
import { MockClock } from "../../src/loop/mock-clock.js";

describe("asyncio smoke", () => {
  it("runs main and returns its value", async () => {
    expect(await asyncio.run(async () => 42)).toBe(42);
  });

  it("tasks, sleep, flavor, callSoon order", async () => {
    const events: string[] = [];
    await asyncio.run(async () => {
      events.push(currentAsyncLibrary());
      const loop = asyncio.getRunningLoop();
      loop.callSoon(() => events.push("cb1"));
      loop.callSoon((x: string) => events.push(x), "cb2");
      const t = asyncio.createTask(async () => {
        events.push("task start");
        await asyncio.sleep(0.01);
        events.push("task end");
        return 7;
      });
      events.push(`result ${await t}`);
    });
    expect(events).toEqual(["asyncio", "cb1", "cb2", "task start", "task end", "result 7"]);
  });

  it("cancelling a task delivers CancelledError at its await", async () => {
    const events: string[] = [];
    await asyncio.run(async () => {
      const t = asyncio.createTask(async () => {
        try {
          await asyncio.sleep(10);
        } catch (e) {
          events.push(`caught ${(e as Error).name}`);
          throw e;
        }
      });
      await asyncio.sleep(0);
      t.cancel("stop it");
      try {
        await t;
      } catch (e) {
        events.push(`awaiter got ${(e as Error).name}: ${(e as Error).message}`);
      }
      events.push(`cancelled ${t.cancelled()}`);
    });
    expect(events).toEqual(["caught CancelledError", "awaiter got CancelledError: stop it", "cancelled true"]);
  });

  it("MockClock gives asyncio virtual time", async () => {
    const clock = new MockClock({ autojumpThreshold: 0 });
    const elapsed = await asyncio.run(
      async () => {
        const loop = asyncio.getRunningLoop();
        const t0 = loop.time();
        await asyncio.sleep(3600);
        return loop.time() - t0;
      },
      { loopFactory: () => new asyncio.SyncTrioEventLoop({ clock }) },
    );
    expect(elapsed).toBe(3600);
  });

  it("runUntilComplete again and again on one loop", async () => {
    const loop = asyncio.newEventLoop() as asyncio.SyncTrioEventLoop;
    const f = loop.createFuture<number>();
    loop.callSoon(() => f.setResult(5));
    expect(await loop.runUntilComplete(f)).toBe(5);
    expect(await loop.runUntilComplete(async () => "second")).toBe("second");
    loop.close();
    await expect(loop.runUntilComplete(async () => 1)).rejects.toThrow("Event loop is closed");
  });
});
