// Manual, "Asyncio main loop": an asyncio program wrapped in a Trio run, and the
// replacement of loop.runUntilComplete()/runForever()/stop() by a trio.Event.
import { aioAsTrio, asyncio, run, trio } from "trio-asyncio";

async function asyncMain() {
  await asyncio.sleep(0.01);
  return "asyncio main done";
}
console.log(await run(aioAsTrio(asyncMain)));

const stopped = new trio.Event();
async function setup() {
  console.log("services started");
}
async function cleanup() {
  console.log("services cleaned up");
}
async function shutdown() {
  stopped.set();
}
await run(async () => {
  await aioAsTrio(setup)();
  await trio.openNursery(async (nursery) => {
    // Somebody calls shutdown() later (here, an asyncio task after 10 ms).
    nursery.startSoon(aioAsTrio(async () => {
      await asyncio.sleep(0.01);
      await shutdown();
    }));
    await stopped.wait();
  });
  await aioAsTrio(cleanup)();
});
