// Manual, "Startup and shutdown": a Trio program extended with asyncio code, run with
// trio-asyncio's run() (trio.run plus an open loop), then the same with openLoop().
import { aioAsTrio, asyncio, openLoop, run, trio } from "trio-asyncio";

async function asyncMain(name) {
  await trio.sleep(0.01);
  await aioAsTrio(asyncio.sleep)(0.01);
  return `${name} done`;
}

console.log(await run(asyncMain, "run()"));

async function asyncMainWrapper(name) {
  return openLoop(async (loop) => {
    console.log("the block's loop is asyncio.getEventLoop():", loop === asyncio.getEventLoop());
    return asyncMain(name);
  });
}
console.log(await trio.run(asyncMainWrapper, "openLoop()"));
