// Manual, "Calling asyncio from Trio": a function, a decorated method, an awaitable, a
// Future, an async iterator and an async context manager.
import { aioAsTrio, asyncio, asyncWith, run } from "trio-asyncio";

/** What `@decorator` on a method does (experimentalDecorators form). */
function decorate(cls, name, decorator) {
  const descriptor = Object.getOwnPropertyDescriptor(cls.prototype, name);
  Object.defineProperty(cls.prototype, name, decorator(cls.prototype, name, descriptor));
}

async function aioSleep(sec) {
  await asyncio.sleep(sec);
  return `slept ${sec}`;
}

await run(async () => {
  // A function: the wrapper is Trio-flavored.
  console.log(await aioAsTrio(aioSleep)(0.01));

  // A decorated method. In TypeScript, write `@aioAsTrio` above the method; Node runs
  // no decorator syntax yet, so this file applies the decorator by hand.
  class Sleeper {
    async sleep(sec) {
      await asyncio.sleep(sec);
      return `method slept ${sec}`;
    }
  }
  decorate(Sleeper, "sleep", aioAsTrio);
  console.log(await new Sleeper().sleep(0.01));

  // An awaitable. Python's `aio_as_trio(aio_sleep(1))` has no JavaScript twin: calling
  // aioSleep(1) here would run its first step in Trio code, and asyncio.sleep would throw
  // a FlavorError saying to pass the function. A Promise that needs no loop works:
  console.log(await aioAsTrio(new Promise((resolve) => setTimeout(resolve, 10, "a plain Promise"))));
  try {
    await aioAsTrio(aioSleep(0.01));
  } catch (error) {
    console.log(`${error.name}: pass the function, aioAsTrio(aioSleep)(0.01)`);
  }

  // A Future.
  const future = asyncio.ensureFuture(async () => {
    await asyncio.sleep(0.01);
    return 42;
  });
  console.log("future gave", await aioAsTrio(future));

  // An async iterator: each step runs in asyncio.
  async function* aioSlow() {
    for (let n = 0; n < 3; n++) {
      await asyncio.sleep(0.001 * n);
      yield n;
    }
  }
  for await (const n of aioAsTrio(aioSlow())) console.log("got", n);

  // An async context manager: entry and exit run in asyncio.
  const ctx = {
    async aenter() {
      await asyncio.sleep(0.001);
      return this;
    },
    async aexit() {
      await asyncio.sleep(0.001);
    },
    async delay(sec) {
      await asyncio.sleep(sec);
    },
  };
  await asyncWith(aioAsTrio(ctx), async (c) => {
    console.log("within");
    await aioAsTrio(c.delay.bind(c))(0.001);
  });
});
