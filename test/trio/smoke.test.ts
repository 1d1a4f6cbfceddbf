import { describe, expect, it } from "vitest";
import * as trio from "../../src/trio/index.js";
import { currentAsyncLibrary } from "../../src/flavor/sniffio.js";

describe("smoke", () => {
  it("runs a main task and returns its value", async () => {
    expect(await trio.run(async (a: number, b: number) => a + b, 2, 3)).toBe(5);
  });

  it("runs children in a nursery, with the trio flavor", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      events.push(currentAsyncLibrary());
      await trio.openNursery(async (n) => {
        n.startSoon(async () => {
          events.push("a1");
          await trio.sleep(0);
          events.push("a2");
        });
        n.startSoon(async () => {
          events.push("b1");
          await trio.checkpoint();
          events.push("b2");
        });
      });
      events.push("done");
    });
    expect(events).toEqual(["trio", "a1", "b1", "a2", "b2", "done"]);
  });

  it("moveOnAfter under a MockClock", async () => {
    const clock = new trio.testing.MockClock({ autojumpThreshold: 0 });
    const result = await trio.run({ clock }, async () => {
      const t0 = trio.currentTime();
      const r = await trio.moveOnAfter(5, async () => {
        await trio.sleep(10);
        return "slept";
      });
      return [r, trio.currentTime() - t0];
    });
    expect(result).toEqual([undefined, 5]);
  });
});
