// Ported from python-trio/trio-asyncio tests/aiotest/test_timer.py (TestTimer), with the
// `loop` fixture of tests/conftest.py (`async with open_loop() as loop`): each test runs
// in `trio.run` + `openLoop` on a MockClock with autojump, so the original's 0.2 s to
// 0.6 s of real waiting take no time. Every test of the file is ported (test_display_date
// adapted, see the comment next to it).
import { describe, expect, it } from "vitest";
import { openLoop, type TrioEventLoop } from "../../../src/decorators/index.js";
import * as trio from "../../../src/trio/index.js";

// A test that hangs (it waits on virtual time that never comes) fails in seconds, not 20.
const HANG = { timeout: 5000 };

/** The `loop` fixture: a Trio run (on virtual time) with an open loop around the test. */
function withLoop(body: (loop: TrioEventLoop) => Promise<void>): Promise<void> {
  return trio.run({ clock: new trio.testing.MockClock({ autojumpThreshold: 0 }) }, () => openLoop(body));
}

describe("TestTimer", HANG, () => {
  // Adapted: the original records wall-clock times (datetime.now()) and checks that the
  // callbacks ran at least 0.15 s apart; on the MockClock the port records loop.time(),
  // the clock the timers run on, and checks the same gaps in virtual seconds.
  it("test_display_date", async () => {
    await withLoop(async (loop) => {
      const result: number[] = [];
      const delay = 0.2;
      const count = 3;
      const h = new trio.Event();

      const displayDate = (endTime: number[], l: TrioEventLoop): void => {
        if (endTime.length === 0) endTime.push(l.time() + delay * count);
        result.push(l.time());
        if (l.time() + delay * 1.5 < endTime[0]) l.callLater(delay, displayDate, endTime, l);
        else l.stop(h);
      };

      loop.callSoon(displayDate, [], loop);
      await h.wait();

      expect(result.length).toBeGreaterThanOrEqual(2);
      expect(result.length).toBeLessThanOrEqual(3);
      for (let i = 1; i < result.length; i++) expect(result[i] - result[i - 1]).toBeGreaterThanOrEqual(0.15);
    });
  });

  it("test_later_stop_later", async () => {
    await withLoop(async (loop) => {
      const result: string[] = [];
      const hello = (): void => {
        result.push("Hello");
      };
      const world = (l: TrioEventLoop): void => {
        result.push("World");
        l.stop();
      };

      loop.callLater(0.1, hello);
      loop.callLater(0.5, world, loop);

      await trio.sleep(0.3);
      expect(result).toEqual(["Hello"]);

      await loop.waitStopped();
      expect(result).toEqual(["Hello", "World"]);
    });
  });
});
