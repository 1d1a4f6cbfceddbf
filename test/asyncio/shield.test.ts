import { describe, expect, it } from "vitest";
import * as asyncio from "../../src/asyncio/index.js";
import { shield } from "../../src/asyncio/shield.js";
import { RuntimeError } from "../../src/errors/builtins.js";
import * as trio from "../../src/trio/index.js";
import { name, now, run } from "./helpers.js";

describe("asyncio.shield", () => {
  it("follows the inner result", async () => {
    expect(await run(() => shield(async () => (await asyncio.sleep(1), "inner")))).toBe("inner");
  });

  it("cancelling the waiting task does not reach the shielded task", async () => {
    const events: string[] = [];
    await run(async () => {
      const inner = asyncio.createTask(async () => {
        await asyncio.sleep(5);
        events.push(`inner done at ${now()}`);
        return "inner result";
      });
      const waiter = asyncio.createTask(async () => {
        try {
          await shield(inner);
        } catch (error) {
          events.push(`waiter: ${name(error)} at ${now()}`);
          throw error;
        }
      });
      await asyncio.sleep(1);
      waiter.cancel("stop waiting");
      await waiter.catch(() => events.push(`waiter cancelled: ${waiter.cancelled()}, inner done: ${inner.done()}`));
      events.push(`inner gives ${String(await inner)}`);
    });
    expect(events).toEqual([
      "waiter: CancelledError(stop waiting) at 1",
      "waiter cancelled: true, inner done: false",
      "inner done at 5",
      "inner gives inner result",
    ]);
  });

  it("a function is started as a task that runs on after the caller is cancelled", async () => {
    const events: string[] = [];
    await run(async () => {
      const caller = asyncio.createTask(async () => {
        await shield(async () => {
          await asyncio.sleep(3);
          events.push(`shielded work finished at ${now()}`);
        });
        events.push("caller: not reached");
      });
      await asyncio.sleep(1);
      caller.cancel();
      await caller.catch((error: unknown) => events.push(`caller: ${name(error)}`));
      await asyncio.sleep(5);
    });
    expect(events).toEqual(["caller: CancelledError", "shielded work finished at 3"]);
  });

  it("cancelling the inner work cancels the outer Future; errors pass through", async () => {
    await run(async () => {
      const loop = asyncio.getRunningLoop();
      const inner = loop.createFuture();
      const outer = shield(inner);
      loop.callLater(1, () => inner.cancel());
      await expect(outer).rejects.toThrow(asyncio.CancelledError);
      expect(outer.cancelled()).toBe(true);

      const failing = shield(async () => {
        await asyncio.sleep(1);
        throw new RangeError("inner failed");
      });
      await expect(failing).rejects.toThrow("inner failed");
    });
  });

  it("cancelling the outer Future detaches it from the inner one", async () => {
    await run(async () => {
      const loop = asyncio.getRunningLoop();
      const inner = loop.createFuture<number>();
      const outer = shield(inner);
      outer.cancel();
      await asyncio.sleep(0);
      await asyncio.sleep(0);
      inner.setResult(1);
      await asyncio.sleep(0);
      expect(outer.cancelled()).toBe(true);
      expect(inner.result()).toBe(1);
    });
  });

  it("returns a Future that is already done as it is, and wraps Promises", async () => {
    await run(async () => {
      const done = asyncio.getRunningLoop().createFuture<number>();
      done.setResult(7);
      expect(shield(done)).toBe(done);
      const outer = shield(Promise.resolve("from a promise"));
      expect(outer).toBeInstanceOf(asyncio.Future);
      expect(await outer).toBe("from a promise");
    });
  });

  it("rejects bad input", async () => {
    await run(async () => {
      expect(() => shield(42 as never)).toThrow(/takes a function \(started as a task\), an asyncio Future or a Promise; got number 42/);
      expect(() => shield(undefined as never)).toThrow(TypeError);
    });
  });

  it("is sync, either flavor: Trio code needs a loop for functions, and gets a clear error", async () => {
    await trio.run(async () => {
      expect(() => shield(async () => 1)).toThrow(RuntimeError);
      expect(() => shield(Promise.resolve(1))).toThrow("no running event loop");
    });
    expect(() => shield(async () => 1)).toThrow("no running event loop");
  });
});
