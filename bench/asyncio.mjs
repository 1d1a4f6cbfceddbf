// asyncio flavor: callSoon bursts, sleep(0), task spawning, timers. Each case runs next
// to its raw-Node baseline in the same process.
import { asyncio } from "../dist/index.js";
import { compare } from "./harness.mjs";

/** Runs `fn(loop)` inside asyncio.run on a fresh loop. */
function inLoop(fn) {
  return asyncio.run(async () => fn(asyncio.getRunningLoop()));
}

function heapAfterGc() {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed;
}

export async function asyncioBenchmarks() {
  const results = {};
  let sink = 0;
  const cb = () => {
    sink++;
  };

  results["asyncio: callSoon burst of 100k callbacks, drained"] = await compare({
    n: 100_000,
    target: 3,
    subject: {
      fn: (n) =>
        inLoop(async (loop) => {
          const done = loop.createFuture();
          for (let i = 0; i < n; i++) loop.callSoon(cb);
          loop.callSoon(() => done.setResult(undefined));
          await done;
        }),
    },
    baseline: {
      name: "push 100k closures into an array, call them from one microtask",
      fn: (n) =>
        new Promise((resolve) => {
          const queue = [];
          for (let i = 0; i < n; i++) queue.push(() => sink++);
          queueMicrotask(() => {
            for (let i = 0; i < queue.length; i++) queue[i]();
            resolve();
          });
        }),
    },
  });

  results["asyncio: await asyncio.sleep(0) loop, one task"] = await compare({
    n: 200_000,
    subject: { fn: (n) => inLoop(async () => { for (let i = 0; i < n; i++) await asyncio.sleep(0); }) },
    baseline: {
      name: "await Promise.resolve() loop (inside an asyncio task: AsyncLocalStorage active)",
      fn: (n) => inLoop(async () => { for (let i = 0; i < n; i++) await Promise.resolve(); }),
    },
  });

  results["asyncio: createTask + gather of 10k no-op tasks"] = await compare({
    n: 10_000,
    subject: {
      fn: (n) =>
        inLoop(async () => {
          const noop = async () => {};
          const tasks = [];
          // One function per task: gather runs the same function given twice only once.
          for (let i = 0; i < n; i++) tasks.push(() => noop());
          await asyncio.gather(...tasks);
        }),
    },
    baseline: {
      name: "Promise.all of 10k calls of an async no-op (inside an asyncio task)",
      fn: (n) =>
        inLoop(async () => {
          const noop = async () => {};
          const all = [];
          for (let i = 0; i < n; i++) all.push(noop());
          await Promise.all(all);
        }),
    },
  });

  results["asyncio: callLater of 100k timers (random delays), half cancelled"] = await (async () => {
    const count = 100_000;
    let peak = 0;
    let timersLeft = -1;
    const entry = await compare({
      n: count,
      subject: {
        fn: (n) =>
          inLoop(async (loop) => {
            const before = process.memoryUsage().heapUsed;
            const handles = [];
            for (let i = 0; i < n; i++) handles.push(loop.callLater(60 + Math.random() * 60, cb));
            for (let i = 0; i < n; i += 2) handles[i].cancel();
            peak = Math.max(peak, process.memoryUsage().heapUsed - before);
            for (let i = 1; i < n; i += 2) handles[i].cancel();
            timersLeft = loop._timerCount;
          }),
      },
      baseline: {
        name: "setTimeout of 100k timers, half cleared (then the rest)",
        fn: (n) =>
          new Promise((resolve) => {
            const timers = [];
            for (let i = 0; i < n; i++) timers.push(setTimeout(cb, 60_000 + Math.random() * 60_000));
            for (let i = 0; i < n; i += 2) clearTimeout(timers[i]);
            for (let i = 1; i < n; i += 2) clearTimeout(timers[i]);
            resolve();
          }),
      },
    });
    entry.ops_per_second = Math.round(1e9 / entry.ns_per_op);
    entry.peak_heap_bytes = peak;
    entry.timers_left_after_cancel = timersLeft;
    void heapAfterGc;
    return entry;
  })();

  if (sink === -1) console.error(sink);
  return results;
}
