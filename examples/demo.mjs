// `npm run demo`: a tour of what works so far. Each concurrent "request" runs in its own
// copy of the context, so its request id follows it across awaits and timers, and a
// library that dispatches on currentAsyncLibrary() sees the flavor of its caller.
import { setTimeout as sleep } from "node:timers/promises";
import { contextvars, sniffio } from "trio-asyncio";

const requestId = new contextvars.ContextVar("requestId", { default: "-" });

function log(message) {
  let flavor;
  try {
    flavor = sniffio.currentAsyncLibrary();
  } catch {
    flavor = "no async library";
  }
  console.log(`[request ${requestId.get()}] [${flavor}] ${message}`);
}

async function handle(id, delay) {
  requestId.set(id);
  log("started");
  await sleep(delay);
  log(`finished after ${delay} ms`);
  return id;
}

log("top level");
const ids = await Promise.all([
  contextvars.copyContext().run(() => sniffio.withAsyncLibrary("trio", handle, "A", 20)),
  contextvars.copyContext().run(() => sniffio.withAsyncLibrary("asyncio", handle, "B", 10)),
  contextvars.copyContext().run(handle, "C", 5),
]);
log(`all done: ${ids.join(", ")}; the top level's request id is still ${requestId.get()}`);
