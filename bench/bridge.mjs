// The bridge: round trips across the flavors, next to a raw promise ping-pong in the
// same run; and a decorated method next to the same call through the plain wrapper.
import { aioAsTrio, run, trioAsAio } from "../dist/index.js";
import { compare } from "./harness.mjs";
import { rawPingPong } from "./trio.mjs";

const noop = async () => {};

export async function bridgeBenchmarks() {
  const results = {};

  // One round trip counts as one operation; the raw baseline's n counts hand-offs of a
  // ping-pong, two per round trip.
  results["bridge: await aioAsTrio(noop)() from Trio, one round trip"] = await compare({
    n: 50_000,
    target: 10,
    subject: {
      fn: (n) =>
        run(async () => {
          const call = aioAsTrio(noop);
          for (let i = 0; i < n; i++) await call();
        }),
    },
    baseline: { name: "raw promise ping-pong between two async functions, one round trip (inside a Trio task)", fn: (n) => run(() => rawPingPong(2 * n)) },
  });

  results["bridge: await trioAsAio(noop)() from asyncio, one round trip"] = await compare({
    n: 50_000,
    target: 10,
    subject: {
      fn: (n) =>
        run(() =>
          aioAsTrio(async () => {
            const call = trioAsAio(noop);
            for (let i = 0; i < n; i++) await call();
          })(),
        ),
    },
    baseline: { name: "raw promise ping-pong between two async functions, one round trip (inside a Trio task)", fn: (n) => run(() => rawPingPong(2 * n)) },
  });

  // A decorated method is the plain wrapper installed on the class: build both the
  // same way the decorator does, and compare calls.
  class Service {
    async work() {}
  }
  const plain = aioAsTrio(Service.prototype.work);
  const descriptor = aioAsTrio(Service.prototype, "work", Object.getOwnPropertyDescriptor(Service.prototype, "work"));
  Object.defineProperty(Service.prototype, "work", descriptor);
  const service = new Service();
  results["bridge: decorated method call vs the plain wrapper"] = await compare({
    n: 20_000,
    target: 1.2,
    subject: { fn: (n) => run(async () => { for (let i = 0; i < n; i++) await service.work(); }) },
    baseline: { name: "the same call through aioAsTrio(fn)", fn: (n) => run(async () => { for (let i = 0; i < n; i++) await plain.call(service); }) },
  });

  return results;
}
