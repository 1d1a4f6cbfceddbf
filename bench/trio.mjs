// Trio-flavored engine: checkpoints, task switches, spawning, memory per task, scopes.
// Every case runs next to its raw-Node baseline in the same process; baselines that
// await run inside a Trio task, so the library's AsyncLocalStorage is active for both.
import { trio } from "../dist/index.js";
import { compare, measure } from "./harness.mjs";

const { lowlevel } = trio;

export async function rawPingPong(n) {
  let wakeA = null;
  let wakeB = null;
  let count = 0;
  const a = async () => {
    while (count < n) {
      const p = new Promise((r) => (wakeA = r));
      if (wakeB) wakeB();
      await p;
      count++;
    }
    if (wakeB) wakeB();
  };
  const b = async () => {
    while (count < n) {
      const p = new Promise((r) => (wakeB = r));
      if (wakeA) wakeA();
      await p;
      count++;
    }
    if (wakeA) wakeA();
  };
  await Promise.all([a(), b()]);
}

/** Two Trio tasks handing control back and forth through a pair of wait primitives. */
function trioPingPong(makePair) {
  return (n) =>
    trio.run(async () => {
      const [waitA, wakeA, waitB, wakeB] = makePair();
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          for (let i = 0; i < n; i += 2) {
            wakeB();
            await waitA();
          }
          wakeB();
        });
        for (let i = 1; i < n; i += 2) {
          await waitB();
          wakeA();
        }
      });
    });
}

const parkingLotPair = () => {
  const a = new lowlevel.ParkingLot();
  const b = new lowlevel.ParkingLot();
  // A wake with nobody parked yet is remembered, as an Event would.
  let pendingA = 0;
  let pendingB = 0;
  return [
    () => (pendingA > 0 ? (pendingA--, trio.checkpoint()) : a.park()),
    () => (a.size > 0 ? a.unpark() : pendingA++),
    () => (pendingB > 0 ? (pendingB--, trio.checkpoint()) : b.park()),
    () => (b.size > 0 ? b.unpark() : pendingB++),
  ];
};

function heapAfterGc() {
  globalThis.gc?.();
  globalThis.gc?.();
  return process.memoryUsage().heapUsed;
}

async function memoryPerSleepingTask(count) {
  let perTask = 0;
  await trio.run(async () => {
    await trio.openNursery(async (nursery) => {
      const before = heapAfterGc();
      for (let i = 0; i < count; i++) nursery.startSoon(trio.sleepForever);
      await trio.testing.waitAllTasksBlocked();
      perTask = (heapAfterGc() - before) / count;
      nursery.cancelScope.cancel();
    });
  });
  return perTask;
}

async function memoryPerPendingAsyncFunction(count) {
  const never = new Promise(() => {});
  const pending = [];
  const before = heapAfterGc();
  for (let i = 0; i < count; i++) pending.push((async () => await never)());
  await new Promise((r) => setImmediate(r));
  const perFn = (heapAfterGc() - before) / count;
  pending.length = 0;
  return perFn;
}

export async function trioBenchmarks() {
  const results = {};

  results["trio.checkpoint() loop, one task"] = await compare({
    n: 1_000_000,
    target: 3,
    subject: { fn: (n) => trio.run(async () => { for (let i = 0; i < n; i++) await trio.checkpoint(); }) },
    baseline: {
      name: "await Promise.resolve() loop (inside a Trio task: AsyncLocalStorage active)",
      fn: (n) => trio.run(async () => { for (let i = 0; i < n; i++) await Promise.resolve(); }),
    },
  });

  results["task switch: two tasks ping-ponging through ParkingLots"] = await compare({
    n: 500_000,
    target: 3,
    subject: { fn: trioPingPong(parkingLotPair) },
    baseline: {
      name: "raw promise ping-pong between two async functions (inside a Trio task)",
      fn: (n) => trio.run(() => rawPingPong(n)),
    },
  });

  results["task switch: two tasks ping-ponging through trio.Events"] = await compare({
    n: 500_000,
    target: 3,
    subject: {
      fn: (n) =>
        trio.run(async () => {
          let ping = new trio.Event();
          let pong = new trio.Event();
          await trio.openNursery(async (nursery) => {
            nursery.startSoon(async () => {
              for (let i = 0; i < n; i += 2) {
                await ping.wait();
                ping = new trio.Event();
                pong.set();
              }
            });
            for (let i = 1; i < n; i += 2) {
              ping.set();
              await pong.wait();
              pong = new trio.Event();
            }
            ping.set();
          });
        }),
    },
    baseline: {
      name: "raw promise ping-pong between two async functions (inside a Trio task)",
      fn: (n) => trio.run(() => rawPingPong(n)),
    },
  });

  results["task switch: two tasks ping-ponging through a 0-buffer memory channel"] = await compare({
    n: 500_000,
    // No target of its own: the issue sets one on the Event ping-pong ("or a channel").
    subject: {
      fn: (n) =>
        trio.run(async () => {
          const [send, receive] = trio.openMemoryChannel(0);
          await trio.openNursery(async (nursery) => {
            nursery.startSoon(async () => {
              for (let i = 0; i < n; i += 2) await send.send(i);
              await send.aclose();
            });
            for await (const _ of receive) void _;
          });
        }),
    },
    baseline: {
      name: "raw promise ping-pong between two async functions (inside a Trio task)",
      fn: (n) => trio.run(() => rawPingPong(n)),
    },
  });

  results["startSoon: 100k no-op tasks and nursery exit"] = await (async () => {
    const tasks = 100_000;
    const noop = async () => {};
    const entry = await compare({
      n: tasks,
      subject: { fn: (n) => trio.run(() => trio.openNursery(async (nursery) => { for (let i = 0; i < n; i++) nursery.startSoon(noop); })) },
      baseline: {
        name: "Promise.all of 100k calls of an async no-op (inside a Trio task)",
        fn: (n) => trio.run(async () => { const all = []; for (let i = 0; i < n; i++) all.push(noop()); await Promise.all(all); }),
      },
    });
    entry.tasks_per_second = Math.round(1e9 / entry.ns_per_op);
    return entry;
  })();

  results["memory per sleeping task (100k tasks in sleepForever)"] = await (async () => {
    const count = 100_000;
    const subject = await memoryPerSleepingTask(count);
    const baseline = await memoryPerPendingAsyncFunction(count);
    return {
      bytes_per_task: Math.round(subject),
      baseline: "a pending native async function awaiting a never-settling promise",
      baseline_bytes: Math.round(baseline),
      ratio: Number((subject / baseline).toFixed(2)),
      target_max_ratio: 2,
      gc_exposed: typeof globalThis.gc === "function",
    };
  })();

  results["moveOnAfter: 100k scopes entered and left without firing"] = await (async () => {
    let heapEntriesAfter = -1;
    const entry = await compare({
      n: 100_000,
      subject: {
        fn: (n) =>
          trio.run(async () => {
            const body = () => trio.checkpoint();
            for (let i = 0; i < n; i++) await trio.moveOnAfter(60, body);
            heapEntriesAfter = trio.lowlevel.currentStatistics().secondsToNextDeadline === Infinity ? 0 : -1;
          }),
      },
      baseline: {
        name: "setTimeout + clearTimeout around an await (inside a Trio task)",
        fn: (n) =>
          trio.run(async () => {
            for (let i = 0; i < n; i++) {
              const t = setTimeout(() => {}, 60_000);
              await Promise.resolve();
              clearTimeout(t);
            }
          }),
      },
    });
    entry.ops_per_second = Math.round(1e9 / entry.ns_per_op);
    entry.deadline_heap_empty_after = heapEntriesAfter === 0;
    return entry;
  })();

  void measure;
  return results;
}
