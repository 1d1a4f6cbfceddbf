// contextvars: ContextVar.get, set/reset and copyContext().run, each against the raw
// AsyncLocalStorage operation closest to it, measured in the same run.
import { AsyncLocalStorage } from "node:async_hooks";
import { contextvars } from "../dist/index.js";
import { compare } from "./harness.mjs";

const { Context, ContextVar, copyContext } = contextvars;

export async function contextvarsBenchmarks() {
  const raw = new AsyncLocalStorage();
  const rawStore = { map: new Map(), value: 1 };
  const rawKey = {};
  const v = new ContextVar("bench", { default: 0 });
  const ctx = new Context();
  ctx.run(() => v.set(1));
  let sink = 0;

  const get = await compare({
    n: 2_000_000,
    subject: { fn: (n) => ctx.run(() => { for (let i = 0; i < n; i++) sink += v.get(); }) },
    baseline: {
      name: "AsyncLocalStorage.getStore() + property read",
      fn: (n) => raw.run(rawStore, () => { for (let i = 0; i < n; i++) sink += raw.getStore().value; }),
    },
  });

  const setReset = await compare({
    n: 1_000_000,
    subject: { fn: (n) => ctx.run(() => { for (let i = 0; i < n; i++) v.reset(v.set(i)); }) },
    baseline: {
      name: "AsyncLocalStorage.getStore() + Map set and delete on the store",
      fn: (n) =>
        raw.run(rawStore, () => {
          for (let i = 0; i < n; i++) {
            const m = raw.getStore().map;
            m.set(rawKey, i);
            m.delete(rawKey);
          }
        }),
    },
  });

  const body = () => { sink++; };
  const copyRun = await compare({
    n: 500_000,
    subject: { fn: (n) => ctx.run(() => { for (let i = 0; i < n; i++) copyContext().run(body); }) },
    baseline: {
      name: "AsyncLocalStorage.run(newStore, fn)",
      fn: (n) => raw.run(rawStore, () => { for (let i = 0; i < n; i++) raw.run({ map: rawStore.map }, body); }),
    },
  });

  if (sink === -1) console.error(sink);
  return {
    "contextvars.ContextVar.get": get,
    "contextvars.ContextVar.set+reset": setReset,
    "contextvars.copyContext().run": copyRun,
  };
}
