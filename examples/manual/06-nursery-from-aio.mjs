// Manual, the warning about trioAsAio(context manager): to use a Trio nursery from
// asyncio code, open it in a Trio function and call back into asyncio inside it.
import { aioAsTrio, asyncio, run, trio, trioAsAio } from "trio-asyncio";

async function someAioFunc() {
  const aioBody = aioAsTrio(async (nursery) => {
    nursery.startSoon(async () => {
      await trio.sleep(0.01);
      console.log("Trio child of the nursery done");
    });
    await asyncio.sleep(0.001);
    console.log("asyncio body done");
  });
  const trioBody = trioAsAio(async () => {
    await trio.openNursery(async (nursery) => {
      await aioBody(nursery);
    });
  });
  await trioBody();
}
await run(aioAsTrio(someAioFunc));
