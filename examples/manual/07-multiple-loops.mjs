// Manual, "Multiple asyncio loops": concurrent and nested loops in one Trio run.
import { aioAsTrio, asyncio, openLoop, trio } from "trio-asyncio";

await trio.run(async () => {
  await trio.openNursery(async (nursery) => {
    for (const name of ["first", "second"]) {
      nursery.startSoon(() =>
        openLoop(async (outer) => {
          await openLoop(async (inner) => {
            const sameInside = await aioAsTrio(async () => asyncio.getRunningLoop() === inner)();
            console.log(name, "inner loop is distinct:", inner !== outer, "and current inside:", sameInside);
          });
        }),
      );
    }
  });
});
