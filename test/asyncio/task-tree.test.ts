// asyncio tasks show in the engine's task tree, under the Trio task running their loop.
import { expect, it } from "vitest";
import * as asyncio from "../../src/asyncio/index.js";
import { aioAsTrio, run } from "../../src/decorators/index.js";
import * as trio from "../../src/trio/index.js";

it("formatTaskTree lists asyncio tasks under their loop with what they await", async () => {
  let dump = "";
  await run(async () => {
    await aioAsTrio(async () => {
      const loop = asyncio.getRunningLoop();
      const fut = loop.createFuture<void>();
      const sleeper = asyncio.createTask(() => fut, { name: "sleeper" });
      await asyncio.sleep(0);
      dump = await trioDump();
      fut.setResult();
      await sleeper;
    })();
  });
  expect(dump).toMatch(/asyncio event loop \[running\]\n(.*\n)*.*asyncio sleeper \[waiting: await <Future pending>\]/);
  expect(dump).toMatch(/asyncio Task-\d+ \[waiting: await <TrioFuture pending>\]/);
});

function trioDump(): PromiseLike<string> {
  return asyncio.getRunningLoop().trioAsFuture(async () => trio.lowlevel.formatTaskTree());
}
