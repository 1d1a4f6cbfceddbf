// Manual, "Calling Trio from asyncio": a function, a decorated method, and the Future
// the wrapper returns, used from a callback.
import { aioAsTrio, run, trio, trioAsAio } from "trio-asyncio";

async function trioSleep(sec) {
  await trio.sleep(sec);
  return 42;
}

async function aioSleep(sec) {
  console.log("trio function gave", await trioAsAio(trioSleep)(sec));
}
await run(aioAsTrio(aioSleep), 0.01);

// In TypeScript, write `@trioAsAio` above the method; Node runs no decorator syntax yet,
// so this file applies the decorator by hand (experimentalDecorators form).
class Sleeper {
  async sleep(sec) {
    await trio.sleep(sec);
    return "decorated";
  }
}
const descriptor = Object.getOwnPropertyDescriptor(Sleeper.prototype, "sleep");
Object.defineProperty(Sleeper.prototype, "sleep", trioAsAio(Sleeper.prototype, "sleep", descriptor));
await run(aioAsTrio(async () => console.log(await new Sleeper().sleep(0.01))));

// The wrapper returns an asyncio Future: usable from a sync callback too.
await run(
  aioAsTrio(async () => {
    const future = trioAsAio(trioSleep)(0.01);
    future.addDoneCallback((f) => console.log("callback sees", f.result()));
    console.log("awaited", await future);
  }),
);
