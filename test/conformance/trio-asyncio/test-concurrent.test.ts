// Ported from trio-asyncio tests/test_concurrent.py (python-trio/trio-asyncio): concurrent
// and nested loops. `async with open_loop()` becomes `openLoop(async (loop) => ...)`;
// Python's `asyncio._get_running_loop()` (None outside a loop) becomes a check that
// `asyncio.getRunningLoop()` throws; the real-time sleeps run on a MockClock.
import { describe, expect, it } from "vitest";
import * as asyncio from "../../../src/asyncio/index.js";
import { openLoop, TrioEventLoop } from "../../../src/decorators/index.js";
import { RuntimeError } from "../../../src/errors/builtins.js";
import * as trio from "../../../src/trio/index.js";
import { autojumpClock } from "./helpers.js";

/** `not isinstance(asyncio._get_running_loop(), TrioEventLoop)`: no loop is running here. */
function expectNoRunningTrioLoop(): void {
  let running: unknown = null;
  try {
    running = asyncio.getRunningLoop();
  } catch (error) {
    expect(error).toBeInstanceOf(RuntimeError);
  }
  expect(running).not.toBeInstanceOf(TrioEventLoop);
}

describe("test_concurrent", () => {
  it("test_parallel", async () => {
    const loops: (TrioEventLoop | null)[] = [null, null];
    await trio.run(async () => {
      await trio.openNursery(async (n) => {
        async function genLoop(status: trio.TaskStatus, i: number): Promise<void> {
          status.started();
          await openLoop(async (loop) => {
            loops[i] = loop;
          });
        }

        expectNoRunningTrioLoop();
        await n.start(genLoop, 0);
        await n.start(genLoop, 1);
      });
    });
    expect(loops[0]).toBeInstanceOf(TrioEventLoop);
    expect(loops[1]).toBeInstanceOf(TrioEventLoop);
    expect(loops[0]).not.toBe(loops[1]);
  });

  it("test_nested", async () => {
    const loops: (TrioEventLoop | null)[] = [null, null];
    await trio.run(async () => {
      await trio.openNursery(async (n) => {
        async function genLoop(status: trio.TaskStatus, i: number): Promise<void> {
          status.started();
          await openLoop(async (loop) => {
            loops[i] = loop;
            if (i > 0) await n.start(genLoop, i - 1);
          });
        }

        expectNoRunningTrioLoop();
        await n.start(genLoop, 1);
      });
      expectNoRunningTrioLoop();
    });
    expect(loops[0]).toBeInstanceOf(TrioEventLoop);
    expect(loops[1]).toBeInstanceOf(TrioEventLoop);
    expect(loops[0]).not.toBe(loops[1]);
  });

  it("test_same_task", async () => {
    // Adapted: in Python, trio-asyncio's TrioPolicy is in force only inside trio.run (the
    // test first checks that the policy outside is not a TrioPolicy). Here trio-asyncio's
    // policy is asyncio's default policy everywhere, so the checks become: the policy is
    // a TrioEventLoopPolicy outside and inside, and the same object throughout.
    const outerPolicy = asyncio.getEventLoopPolicy();
    expect(outerPolicy).toBeInstanceOf(asyncio.TrioEventLoopPolicy);
    const seen: [number, boolean, boolean][] = [];

    await trio.run({ clock: autojumpClock() }, async () => {
      expect(asyncio.getEventLoopPolicy()).toBeInstanceOf(asyncio.TrioEventLoopPolicy);

      function getLoop(i: number, loop: asyncio.BaseTrioEventLoop, policy: asyncio.EventLoopPolicy): void {
        seen.push([i, loop === asyncio.getEventLoop(), policy === asyncio.getEventLoopPolicy()]);
      }

      await trio.openNursery(async () => {
        await openLoop(async (loop1) => {
          const policy = asyncio.getEventLoopPolicy();
          expect(policy).toBeInstanceOf(asyncio.TrioEventLoopPolicy);
          await openLoop(async (loop2) => {
            const p2 = asyncio.getEventLoopPolicy();
            expect(p2).toBe(policy);
            loop1.callLater(0.1, getLoop, 0, loop1, policy);
            loop2.callLater(0.1, getLoop, 1, loop2, policy);
            await trio.sleep(0.2);
          });
        });
      });

      expect(asyncio.getEventLoopPolicy()).toBeInstanceOf(asyncio.TrioEventLoopPolicy);
      expect(asyncio.getEventLoopPolicy()).toBe(outerPolicy);
      expectNoRunningTrioLoop();
      expect(() => asyncio.getRunningLoop()).toThrow(RuntimeError);
    });
    // get_loop's assertions, made in the callbacks (in either order: two loops).
    seen.sort((a, b) => a[0] - b[0]);
    expect(seen).toEqual([
      [0, true, true],
      [1, true, true],
    ]);
  });
});
