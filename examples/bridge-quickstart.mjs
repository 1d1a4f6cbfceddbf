// The README's bridge quick start, runnable: `node examples/bridge-quickstart.mjs`.
import { aioAsTrio, asyncio, openLoop, run, trio, trioAsAio } from "trio-asyncio";

// An asyncio-flavored library function...
async function fetchQuote(symbol) {
  await asyncio.sleep(0.01);
  return symbol.length * 10;
}

// ...called from Trio code: run() is trio.run() plus an open asyncio loop.
await run(async () => {
  const price = await aioAsTrio(fetchQuote)("ACME");
  const capped = await trio.moveOnAfter(0.001, () => aioAsTrio(fetchQuote)("X"));
  await aioAsTrio(async () => {
    const doubled = await trioAsAio(async (x) => {
      await trio.sleep(0.01);
      return x * 2;
    })(price);
    console.log(price, capped, doubled);
  })();
});

// Inside an existing trio.run, open a loop for a block:
console.log(await trio.run(() => openLoop(async () => aioAsTrio(fetchQuote)("IBM"))));
