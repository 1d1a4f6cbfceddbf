import { describe, expect, it } from "vitest";
import * as asyncio from "../../src/asyncio/index.js";
import { aioAsTrio, openLoop, run, trioAsAio, allowAsyncio, currentLoop } from "../../src/decorators/index.js";
import { currentAsyncLibrary } from "../../src/flavor/sniffio.js";
import * as trio from "../../src/trio/index.js";

describe("bridge smoke", () => {
  it("openLoop gives a loop; aioAsTrio and trioAsAio cross both ways", async () => {
    const events: string[] = [];
    const result = await trio.run(async () =>
      openLoop(async (loop) => {
        events.push(`trio: ${currentAsyncLibrary()}`);
        expect(asyncio.getEventLoop()).toBe(loop);
        expect(asyncio.getRunningLoop()).toBe(loop);
        expect(currentLoop.get()).toBe(loop);
        const v = await aioAsTrio(async (x: number) => {
          events.push(`aio: ${currentAsyncLibrary()}`);
          await asyncio.sleep(0.001);
          const back = await trioAsAio(async (y: number) => {
            events.push(`trio again: ${currentAsyncLibrary()}`);
            await trio.sleep(0.001);
            return y + 1;
          })(x * 2);
          return back;
        })(20);
        return v;
      }),
    );
    expect(result).toBe(41);
    expect(events).toEqual(["trio: trio", "aio: asyncio", "trio again: trio"]);
  });

  it("run() returns the value", async () => {
    expect(await run(async (a: number) => a + 1, 1)).toBe(2);
  });

  it("allowAsyncio mixes", async () => {
    const events: string[] = [];
    await run(async () => {
      await allowAsyncio(async () => {
        await asyncio.sleep(0.001);
        events.push("aio slept");
        await trio.sleep(0.001);
        events.push("trio slept");
      });
    });
    expect(events).toEqual(["aio slept", "trio slept"]);
  });
});
