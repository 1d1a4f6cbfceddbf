import { describe, expect, it } from "vitest";
import * as asyncio from "../../../src/asyncio/index.js";
import { Barrier } from "../../../src/asyncio/locks/index.js";
import { ValueError } from "../../../src/errors/builtins.js";
import { FlavorError } from "../../../src/flavor/flavor-error.js";
import { asyncWith } from "../../../src/loop/async-context-manager.js";
import * as trio from "../../../src/trio/index.js";

const { BrokenBarrierError, CancelledError } = asyncio;

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await asyncio.sleep(0);
}

function outcome(settled: PromiseSettledResult<unknown>): string {
  return settled.status === "fulfilled" ? `ok ${String(settled.value)}` : `${(settled.reason as Error).name}: ${(settled.reason as Error).message}`;
}

describe("asyncio.Barrier", () => {
  it("releases the parties together, each with a distinct index, and is reusable", async () => {
    const events: string[] = [];
    await asyncio.run(async () => {
      const barrier = new Barrier(3);
      expect(barrier.parties).toBe(3);
      const party = (name: string) =>
        asyncio.createTask(async () => {
          const indices: number[] = [];
          for (let round = 1; round <= 2; round++) {
            events.push(`${name} arrives ${round}`);
            indices.push(await barrier.wait());
            events.push(`${name} passes ${round}`);
          }
          return indices;
        });
      const a = party("a");
      await settle();
      expect(barrier.nWaiting).toBe(1);
      expect(String(barrier)).toBe("<asyncio.locks.Barrier object [filling, waiters:1/3]>");
      const b = party("b");
      await settle();
      expect(barrier.nWaiting).toBe(2);
      const c = party("c");
      const results = await Promise.all([a, b, c]);
      expect(results.map((r) => r[0]).sort()).toEqual([0, 1, 2]);
      expect(results.map((r) => r[1]).sort()).toEqual([0, 1, 2]);
      expect(barrier.nWaiting).toBe(0);
      expect(barrier.broken).toBe(false);
      expect(String(barrier)).toBe("<asyncio.locks.Barrier object [filling, waiters:0/3]>");
    });
    // Nobody passes a round before all three arrived at it.
    const firstPass1 = events.indexOf(events.find((e) => e.endsWith("passes 1"))!);
    const lastArrive1 = Math.max(...["a", "b", "c"].map((n) => events.indexOf(`${n} arrives 1`)));
    expect(firstPass1).toBeGreaterThan(lastArrive1);
    const firstPass2 = events.indexOf(events.find((e) => e.endsWith("passes 2"))!);
    const lastArrive2 = Math.max(...["a", "b", "c"].map((n) => events.indexOf(`${n} arrives 2`)));
    expect(firstPass2).toBeGreaterThan(lastArrive2);
    expect(events.slice(0, 3)).toEqual(["a arrives 1", "b arrives 1", "c arrives 1"]);
  });

  it("a one-party barrier never blocks", async () => {
    await asyncio.run(async () => {
      const barrier = new Barrier(1);
      expect(await barrier.wait()).toBe(0);
      expect(await barrier.wait()).toBe(0);
      expect(await asyncWith(barrier, (i) => `index ${i}`)).toBe("index 0");
    });
  });

  it("abort breaks it: waiters and later callers get BrokenBarrierError until reset", async () => {
    await asyncio.run(async () => {
      const barrier = new Barrier(3);
      const waiters = [asyncio.createTask(() => barrier.wait()), asyncio.createTask(() => barrier.wait())];
      await settle();
      await barrier.abort();
      expect(barrier.broken).toBe(true);
      expect(String(barrier)).toBe("<asyncio.locks.Barrier object [broken]>");
      const settled = await Promise.allSettled(waiters);
      expect(settled.map(outcome)).toEqual(["BrokenBarrierError: Abort or reset of barrier", "BrokenBarrierError: Abort or reset of barrier"]);
      await expect(barrier.wait()).rejects.toThrow(BrokenBarrierError);
      await expect(barrier.wait()).rejects.toThrow("Barrier aborted");
      expect(barrier.nWaiting).toBe(0);
      // reset() repairs it.
      await barrier.reset();
      expect(barrier.broken).toBe(false);
      const again = [1, 2, 3].map(() => asyncio.createTask(() => barrier.wait()));
      expect((await Promise.all(again)).sort()).toEqual([0, 1, 2]);
    });
  });

  it("reset sends BrokenBarrierError to the current waiters; newcomers wait for the reset to finish", async () => {
    const events: string[] = [];
    await asyncio.run(async () => {
      const barrier = new Barrier(3);
      const waiter = (name: string) =>
        asyncio.createTask(async () => {
          try {
            events.push(`${name} got ${await barrier.wait()}`);
          } catch (error) {
            events.push(`${name} ${(error as Error).name}`);
          }
        });
      const old = [waiter("a"), waiter("b")];
      await settle();
      await barrier.reset();
      expect(String(barrier)).toBe("<asyncio.locks.Barrier object [resetting, waiters:0/3]>");
      // Arrives while a and b still have to leave: it waits for the reset to complete.
      const c = waiter("c");
      await Promise.all(old);
      await settle();
      expect(barrier.nWaiting).toBe(1);
      expect(String(barrier)).toBe("<asyncio.locks.Barrier object [filling, waiters:1/3]>");
      await Promise.all([c, waiter("d"), waiter("e")]);
    });
    // The last party to arrive does not wait: it passes first.
    expect(events).toEqual(["a BrokenBarrierError", "b BrokenBarrierError", "e got 2", "c got 0", "d got 1"]);
  });

  it("a cancelled waiter leaves the barrier; it fills with the others", async () => {
    await asyncio.run(async () => {
      const barrier = new Barrier(2);
      const a = asyncio.createTask(() => barrier.wait());
      await settle();
      expect(barrier.nWaiting).toBe(1);
      a.cancel();
      await expect(a).rejects.toThrow(CancelledError);
      expect(barrier.nWaiting).toBe(0);
      const [x, y] = [asyncio.createTask(() => barrier.wait()), asyncio.createTask(() => barrier.wait())];
      expect((await Promise.all([x, y])).sort()).toEqual([0, 1]);
      expect(barrier.broken).toBe(false);
    });
  });

  it("asyncWith waits on entry and passes the index to the body", async () => {
    await asyncio.run(async () => {
      const barrier = new Barrier(2);
      const run = () => asyncio.createTask(() => asyncWith(barrier, (index) => index * 10));
      expect((await Promise.all([run(), run()])).sort()).toEqual([0, 10]);
    });
  });

  it("rejects bad party counts and extra arguments", () => {
    expect(() => new Barrier(0)).toThrow(ValueError);
    expect(() => new Barrier(-1)).toThrow("parties must be >= 1");
    expect(() => new Barrier(2.5)).toThrow(TypeError);
    expect(() => new Barrier("3" as any)).toThrow(/Barrier parties must be an integer/);
    expect(() => new (Barrier as any)()).toThrow(TypeError);
    expect(() => new (Barrier as any)(2, { loop: null })).toThrow(/Barrier\(parties\) got 1 unexpected argument/);
  });

  it("is asyncio-flavored: FlavorError from Trio code and outside any loop", async () => {
    const barrier = new Barrier(1);
    await expect(barrier.wait()).rejects.toThrow(/asyncio\.Barrier\.wait\(\) is asyncio-flavored/);
    await expect(barrier.reset()).rejects.toThrow(/asyncio\.Barrier\.reset\(\) is asyncio-flavored/);
    await expect(barrier.abort()).rejects.toThrow(/asyncio\.Barrier\.abort\(\) is asyncio-flavored/);
    await trio.run(async () => {
      await expect(barrier.wait()).rejects.toBeInstanceOf(FlavorError);
      await expect(asyncWith(barrier, () => undefined)).rejects.toBeInstanceOf(FlavorError);
    });
    expect(barrier.broken).toBe(false);
  });
});
