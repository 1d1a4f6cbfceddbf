// asyncio's executors on Trio worker threads: TrioExecutor and loop.runInExecutor.
import { describe, expect, it } from "vitest";
import * as asyncio from "../../src/asyncio/index.js";
import { aioAsTrio, run, TrioExecutor } from "../../src/decorators/index.js";
import * as trio from "../../src/trio/index.js";

describe("runInExecutor", () => {
  it("runs a self-contained job in a worker thread and returns a Future of its result", async () => {
    const result = await run(() =>
      aioAsTrio(async () => {
        const loop = asyncio.getRunningLoop();
        const fut = loop.runInExecutor(null, (a: number, b: number) => {
          // eslint-disable-next-line @typescript-eslint/no-require-imports -- runs in the worker, shipped by source
          const { isMainThread } = require("node:worker_threads") as typeof import("node:worker_threads");
          return { sum: a + b, isMainThread };
        }, 2, 3);
        expect(fut).toBeInstanceOf(asyncio.Future);
        return fut;
      })(),
    );
    expect(result).toEqual({ sum: 5, isMainThread: false });
  });

  it("a job that closes over outer variables fails with a clear error", async () => {
    const outer = 7;
    await expect(
      run(() => aioAsTrio(() => asyncio.getRunningLoop().runInExecutor(null, () => outer * 2))()),
    ).rejects.toThrow(/outer.*(pass values as arguments|module)/s);
  });

  it("a TrioExecutor with maxWorkers runs at most that many jobs at once", async () => {
    const executor = new TrioExecutor({ maxWorkers: 2 });
    const peak = await run(() =>
      aioAsTrio(async () => {
        const loop = asyncio.getRunningLoop();
        const shared = new Int32Array(new SharedArrayBuffer(8));
        const job = (counters: Int32Array) => {
          const now = Atomics.add(counters, 0, 1) + 1;
          for (;;) {
            const peak = Atomics.load(counters, 1);
            if (now <= peak || Atomics.compareExchange(counters, 1, peak, now) === peak) break;
          }
          Atomics.wait(counters, 0, -1, 20); // hold the slot for 20 ms
          Atomics.sub(counters, 0, 1);
        };
        await asyncio.gather(...Array.from({ length: 5 }, () => loop.runInExecutor(executor, job, shared)));
        return shared[1];
      })(),
    );
    expect(peak).toBeLessThanOrEqual(2);
    expect(peak).toBeGreaterThanOrEqual(1);
  });

  it("setDefaultExecutor takes a TrioExecutor only; shutdown refuses new jobs", async () => {
    await run(() =>
      aioAsTrio(async () => {
        const loop = asyncio.getRunningLoop();
        expect(() => loop.setDefaultExecutor({} as never)).toThrow(/must be a TrioExecutor/);
        const executor = new TrioExecutor();
        loop.setDefaultExecutor(executor);
        expect(await loop.runInExecutor(null, (x: number) => x * 2, 21)).toBe(42);
        await loop.shutdownDefaultExecutor();
        await expect(loop.runInExecutor(null, () => 1)).rejects.toThrow(/Executor is down/);
        expect(() => loop.runInExecutor(null, 5 as never)).toThrow(/needs a job/);
      })(),
    );
  });

  it("TrioExecutor.submit is Trio-flavored and checks its options", async () => {
    expect(() => new TrioExecutor({ maxWorkers: 0 })).toThrow(/positive integer/);
    const result = await trio.run(() => new TrioExecutor({ limiter: new trio.CapacityLimiter(1) }).submit((s: string) => s.toUpperCase(), "job"));
    expect(result).toBe("JOB");
  });
});
