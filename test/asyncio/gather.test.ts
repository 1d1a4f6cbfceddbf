import { describe, expect, it } from "vitest";
import * as asyncio from "../../src/asyncio/index.js";
import { GatheringFuture, gather } from "../../src/asyncio/gather.js";
import { RuntimeError, ValueError } from "../../src/errors/builtins.js";
import * as trio from "../../src/trio/index.js";
import { name, now, run } from "./helpers.js";

function sleeper(events: string[], label: string, seconds: number, result?: unknown): () => Promise<unknown> {
  return async () => {
    try {
      await asyncio.sleep(seconds);
    } catch (error) {
      events.push(`${label}: ${name(error)} at ${now()}`);
      throw error;
    }
    events.push(`${label}: done at ${now()}`);
    return result;
  };
}

describe("asyncio.gather", () => {
  it("gathers functions, Futures, Tasks and Promises, in argument order", async () => {
    const events: string[] = [];
    const results = await run(async () => {
      const loop = asyncio.getRunningLoop();
      const fut = loop.createFuture<string>();
      loop.callLater(1, () => fut.setResult("future"));
      const task = asyncio.createTask(sleeper(events, "task", 3, "task"));
      const promise = Promise.resolve("promise");
      return gather(sleeper(events, "fn", 2, "fn"), fut, task, promise);
    });
    expect(results).toEqual(["fn", "future", "task", "promise"]);
    expect(events).toEqual(["fn: done at 2", "task: done at 3"]);
  });

  it("runs an argument given twice once, with its result in both places", async () => {
    let calls = 0;
    const results = await run(async () => {
      const fn = async (): Promise<number> => ++calls;
      const promise = Promise.resolve("p");
      return gather(fn, promise, fn, promise);
    });
    expect(results).toEqual([1, "p", 1, "p"]);
    expect(calls).toBe(1);
  });

  it("with no awaitables, is already done with []", async () => {
    await run(async () => {
      const outer = gather();
      expect(outer.done()).toBe(true);
      expect(await outer).toEqual([]);
      expect(await gather({ returnExceptions: true })).toEqual([]);
    });
  });

  it("the first error becomes the result at once; the other children keep running", async () => {
    const events: string[] = [];
    await run(async () => {
      const slow = asyncio.createTask(sleeper(events, "slow", 5, "slow"));
      try {
        await gather(slow, async () => {
          await asyncio.sleep(1);
          throw new RangeError("bad");
        });
      } catch (error) {
        events.push(`gather: ${name(error)} at ${now()}`);
      }
      events.push(`slow finally gives ${String(await slow)}`);
    });
    expect(events).toEqual(["gather: RangeError(bad) at 1", "slow: done at 5", "slow finally gives slow"]);
  });

  it("returnExceptions puts errors and CancelledErrors in the results", async () => {
    const results = await run(async () => {
      const loop = asyncio.getRunningLoop();
      const cancelled = loop.createFuture();
      loop.callLater(1, () => cancelled.cancel("no"));
      const bad = async (): Promise<never> => {
        throw new RangeError("bad");
      };
      return gather(async () => 1, bad, cancelled, { returnExceptions: true });
    });
    expect(results.map(name)).toEqual(["1", "RangeError(bad)", "CancelledError(no)"]);
  });

  it("cancel() cancels the children; the gathering Future then ends with CancelledError, even with returnExceptions", async () => {
    const events: string[] = [];
    await run(async () => {
      const outer = gather(sleeper(events, "a", 10), sleeper(events, "b", 10), { returnExceptions: true });
      await asyncio.sleep(1);
      events.push(`cancel() -> ${outer.cancel("stop")}, done right away: ${outer.done()}`);
      try {
        await outer;
      } catch (error) {
        events.push(`outer: ${name(error)} at ${now()}`);
      }
      events.push(`cancel() again -> ${outer.cancel()}`);
    });
    expect(events).toEqual([
      "cancel() -> true, done right away: false",
      "a: CancelledError(stop) at 1",
      "b: CancelledError(stop) at 1",
      "outer: CancelledError(stop) at 1",
      "cancel() again -> false",
    ]);
  });

  it("cancelling the task that awaits gather cancels the children", async () => {
    const events: string[] = [];
    await run(async () => {
      const waiter = asyncio.createTask(async () => {
        try {
          await gather(sleeper(events, "a", 10), sleeper(events, "b", 10));
        } catch (error) {
          events.push(`waiter: ${name(error)}`);
          throw error;
        }
      });
      await asyncio.sleep(1);
      waiter.cancel();
      await waiter.catch(() => events.push(`waiter cancelled: ${waiter.cancelled()}`));
    });
    expect(events).toEqual(["a: CancelledError at 1", "b: CancelledError at 1", "waiter: CancelledError", "waiter cancelled: true"]);
  });

  it("once cancel() reached a child, the Future ends cancelled even if a child returns a value", async () => {
    const events: string[] = [];
    await run(async () => {
      const outer = gather(async () => {
        try {
          await asyncio.sleep(10);
        } catch {
          return "caught";
        }
        return "slept";
      }, sleeper(events, "b", 10));
      await asyncio.sleep(1);
      outer.cancel();
      try {
        await outer;
      } catch (error) {
        events.push(`outer: ${name(error)}`);
      }
    });
    // Python issue 32684: once cancel() reached a child, the Future ends cancelled.
    expect(events).toEqual(["b: CancelledError at 1", "outer: CancelledError"]);
  });

  it("cancel() returns false once every child is done", async () => {
    await run(async () => {
      const a = asyncio.getRunningLoop().createFuture<number>();
      const outer = gather(a);
      a.setResult(1);
      expect(outer.cancel()).toBe(false);
      expect(await outer).toEqual([1]);
      expect(outer).toBeInstanceOf(GatheringFuture);
    });
  });

  it("recognises only a trailing plain object as the options", async () => {
    await run(async () => {
      const nullProto = Object.assign(Object.create(null) as object, { returnExceptions: true });
      expect(await gather(async () => 1, nullProto)).toEqual([1]);
      expect(() => gather(async () => 1, { returnExceptions: true, extra: 1 } as never)).toThrow(/unknown option "extra"/);
      expect(() => gather(async () => 1, { returnExceptions: "yes" } as never)).toThrow(/returnExceptions must be a boolean/);
      expect(() => (gather as (...args: unknown[]) => unknown)({ returnExceptions: true }, async () => 1)).toThrow(/options go last/);
      expect(() => gather(async () => 1, 42 as never)).toThrow(/got number 42/);
      class NotPlain {}
      expect(() => gather(new NotPlain() as never)).toThrow(TypeError);
    });
  });

  it("refuses Futures of different loops", async () => {
    const other = new asyncio.SyncTrioEventLoop();
    try {
      await run(async () => {
        const mine = asyncio.getRunningLoop().createFuture();
        expect(() => gather(mine, other.createFuture())).toThrow(ValueError);
      });
    } finally {
      other.close();
    }
  });

  it("is sync, either flavor: Trio code needs a loop for functions, and gets a clear error", async () => {
    await trio.run(async () => {
      expect(() => gather(async () => 1)).toThrow(RuntimeError);
      expect(() => gather(async () => 1)).toThrow("no running event loop");
    });
    // Futures name their loop, so a gather of Futures can be built outside any loop.
    const loop = new asyncio.SyncTrioEventLoop();
    try {
      const f = loop.createFuture<number>();
      const outer = gather(f);
      expect(outer.getLoop()).toBe(loop);
      loop.callSoon(() => f.setResult(3));
      expect(await loop.runUntilComplete(outer)).toEqual([3]);
    } finally {
      loop.close();
    }
  });
});

/** Regression test: a core bug found while building gather. */
describe("asyncio core regressions seen by gather", () => {
  it("Future.setException accepts a CancelledError (gather relies on it)", async () => {
    // asyncio's gather finishes the gathering Future with a cancelled child's
    // CancelledError as its exception, without cancelling it; the core's setException
    // refuses CancelledError, so gather falls back to cancelling the Future.
    await run(async () => {
      const loop = asyncio.getRunningLoop();
      const child = loop.createFuture();
      const outer = gather(child);
      child.cancel("child");
      await outer.catch(() => undefined);
      expect(outer.cancelled()).toBe(false);
      expect(name(outer.exception())).toBe("CancelledError(child)");
    });
  });
});
