// The README's asyncio quick start, runnable: `node examples/asyncio-quickstart.mjs`.
import { asyncio } from "trio-asyncio";

async function fetchPage(name, seconds) {
  await asyncio.sleep(seconds);
  return `${name} page`;
}

const result = await asyncio.run(async () => {
  // Tasks start from functions: createTask(() => work()), gather(() => a(), () => b()).
  const home = asyncio.createTask(() => fetchPage("home", 0.02), { name: "home" });
  console.log(await asyncio.gather(() => fetchPage("a", 0.02), () => fetchPage("b", 0.01)));
  console.log(await home);

  // Timeouts with Python 3.11 semantics: the body is cancelled, TimeoutError comes out.
  try {
    await asyncio.timeout(0.01, () => asyncio.sleep(10));
  } catch (error) {
    console.log(error.name);
  }

  // A TaskGroup: the first error cancels the other tasks; errors come out together.
  try {
    await new asyncio.TaskGroup().run(async (tg) => {
      tg.createTask(async () => {
        try {
          await asyncio.sleep(10);
        } catch (error) {
          console.log(`sibling got ${error.name}`);
          throw error;
        }
      });
      tg.createTask(async () => {
        await asyncio.sleep(0.01);
        throw new Error("boom");
      });
    });
  } catch (error) {
    console.log(`${error.name}: ${error.exceptions.map(String).join(", ")}`);
  }

  // Queues, locks and events, with asyncio's fairness and cancellation.
  const queue = new asyncio.Queue();
  const consumer = asyncio.createTask(async () => {
    for (;;) {
      console.log("consumed", await queue.get());
      queue.taskDone();
    }
  });
  for (const item of [1, 2, 3]) await queue.put(item);
  await queue.join();
  consumer.cancel();

  // Callbacks and Futures on the loop.
  const loop = asyncio.getRunningLoop();
  const future = loop.createFuture();
  loop.callLater(0.01, () => future.setResult("set by a callback"));
  return await future;
});
console.log(result);
