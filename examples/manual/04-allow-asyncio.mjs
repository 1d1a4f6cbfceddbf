// Manual, "Too complicated?": allowAsyncio() mixes both flavors in one function.
import { allowAsyncio, asyncio, openLoop, run, trio } from "trio-asyncio";

async function hybrid() {
  await trio.sleep(0.01);
  await asyncio.sleep(0.01);
  console.log("Well, that worked");
}
await run(allowAsyncio, hybrid);

async function hello(loop) {
  await asyncio.sleep(0.01);
  console.log("Hello", loop === asyncio.getEventLoop());
  await trio.sleep(0.01);
  console.log("World");
}
await trio.run(() => openLoop((loop) => allowAsyncio(hello, loop)));
