// The README's Trio quick start, runnable: `node examples/trio-quickstart.mjs`.
import { trio } from "trio-asyncio";

async function child(name, seconds) {
  await trio.sleep(seconds);
  console.log(`${name} done`);
}

await trio.run(async () => {
  await trio.openNursery(async (nursery) => {
    nursery.startSoon(child, "a", 0.01);
    nursery.startSoon(child, "b", 0.02);
  });

  const r = await trio.moveOnAfter(0.05, async () => {
    await trio.sleep(10);
    return "never";
  });
  console.log(r);

  const [send, receive] = trio.openMemoryChannel(0);
  await trio.openNursery(async (nursery) => {
    nursery.startSoon(async () => {
      for (let i = 0; i < 3; i++) await send.send(i);
      await send.aclose();
    });
    for await (const value of receive) console.log("got", value);
  });

  // An abortable API (here a timer) as a cancellable Trio wait.
  const { setTimeout: delay } = await import("node:timers/promises");
  const text = await trio.failAfter(5, () => trio.runAbortable((signal) => delay(5, "fetched", { signal })));
  console.log(text);
});
