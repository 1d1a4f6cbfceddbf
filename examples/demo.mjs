// `npm run demo`: a tour of what works so far, printing what happens.
import { setTimeout as delay } from "node:timers/promises";
import { aioAsTrio, asyncio, contextvars, run, sniffio, trio, trioAsAio } from "trio-asyncio";

const requestId = new contextvars.ContextVar("requestId", { default: "-" });
const t0 = performance.now();

function log(message) {
  let flavor;
  try {
    flavor = sniffio.currentAsyncLibrary();
  } catch {
    flavor = "no async library";
  }
  const ms = String(Math.round(performance.now() - t0)).padStart(4);
  console.log(`${ms} ms [request ${requestId.get()}] [${flavor}] ${message}`);
}

// A worker handles requests from a channel; each request runs in its own task, with its
// own context (the request id follows it), and a timeout.
async function handle(id, work) {
  requestId.set(id);
  const result = await trio.moveOnAfter(0.05, async () => {
    log(`started (needs ${work * 1000} ms)`);
    await trio.sleep(work);
    return "ok";
  });
  log(result === undefined ? "timed out after 50 ms: cancelled" : "finished");
}

async function worker(receive, done) {
  await trio.openNursery(async (nursery) => {
    for await (const [id, work] of receive) nursery.startSoon({ name: `request ${id}` }, handle, id, work);
  });
  done.set();
}

await trio.run(async () => {
  log("trio.run started");
  const [send, receive] = trio.openMemoryChannel(0);
  const done = new trio.Event();
  await trio.openNursery(async (nursery) => {
    nursery.startSoon(worker, receive, done);
    for (const [id, work] of [["A", 0.01], ["B", 0.2], ["C", 0.02]]) await send.send([id, work]);
    await send.aclose();
    await done.wait();
  });

  // An npm API that takes an AbortSignal, cancelled by a Trio scope.
  const got = await trio.moveOnAfter(0.01, () => trio.runAbortable((signal) => delay(1000, "late", { signal })));
  log(`abortable timer under a 10 ms timeout: ${got === undefined ? "aborted" : got}`);

  // The first error in a nursery cancels the siblings; errors come out together.
  try {
    await trio.openNursery(async (nursery) => {
      nursery.startSoon(async () => {
        try {
          await trio.sleepForever();
        } finally {
          log("sibling cancelled by the failure");
        }
      });
      nursery.startSoon(async () => {
        await trio.sleep(0.005);
        throw new Error("boom");
      });
    });
  } catch (error) {
    log(`nursery raised ${error.name} with [${error.exceptions.map(String).join(", ")}]`);
  }
});
log(`back at the top level; the request id is ${requestId.get()}`);

// The asyncio flavor on the same engine: an event loop with Tasks, callbacks, timeouts.
const answers = await asyncio.run(async () => {
  requestId.set("D");
  log("asyncio.run started");
  asyncio.getRunningLoop().callSoon(() => log("a callback, in a copy of its scheduler's context"));
  const results = await asyncio.gather(
    async () => {
      requestId.set("E");
      await asyncio.sleep(0.01);
      log("task E done");
      return "E";
    },
    async () => {
      await asyncio.sleep(0.02);
      log("task done (it inherited the request id)");
      return requestId.get();
    },
  );
  try {
    await asyncio.waitFor(() => asyncio.sleep(1), 0.01);
  } catch (error) {
    log(`waitFor gave up after 10 ms: ${error.name}`);
  }
  return results;
});
log(`asyncio.run returned ${JSON.stringify(answers)}`);

// Both flavors in one program: a Trio supervisor uses an asyncio-flavored client, the
// client calls back into Trio, a Trio timeout cancels a slow asyncio call, and a CPU-heavy
// job runs in a worker thread through the loop's executor.
const quoteClient = {
  // asyncio-flavored "library" code
  async quote(symbol, seconds) {
    log(`bridge: asyncio client quoting ${symbol}`);
    await asyncio.sleep(seconds);
    const rate = await trioAsAio(exchangeRate)(symbol); // back into Trio for a helper
    return Math.round(symbol.length * 100 * rate);
  },
};
async function exchangeRate() {
  log("bridge: Trio helper called from the asyncio client");
  await trio.sleep(0.005); // Trio-flavored helper
  return 1.5;
}
await run(async () => {
  requestId.set("F");
  log("bridge: run() started (trio.run plus an asyncio loop)");
  const price = await aioAsTrio(quoteClient.quote.bind(quoteClient))("ACME", 0.01);
  log(`bridge: asyncio client returned ${price} (it called a Trio helper on the way)`);
  const slow = await trio.moveOnAfter(0.02, () => aioAsTrio((s) => quoteClient.quote(s, 5))("SLOW"));
  log(`bridge: slow asyncio call under a 20 ms Trio timeout: ${slow === undefined ? "cancelled" : slow}`);
  const digest = await aioAsTrio(() =>
    asyncio.getRunningLoop().runInExecutor(
      null,
      (text) => {
        // Runs in a worker thread: shipped by source, so it imports what it needs itself.
        const { createHash } = require("node:crypto");
        let h = text;
        for (let i = 0; i < 10_000; i++) h = createHash("sha256").update(h).digest("hex");
        return h.slice(0, 12);
      },
      "trio-asyncio",
    ),
  )();
  log(`bridge: executor job in a worker thread computed ${digest}`);
});

// Flavor detection is per block, for libraries that support several runtimes.
await sniffio.withAsyncLibrary("curio", async () => log("inside withAsyncLibrary"));
