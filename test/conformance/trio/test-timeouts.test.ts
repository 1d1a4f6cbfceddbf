// Ported from python-trio/trio src/trio/_tests/test_timeouts.py. Trio's slow real-time
// tests (1 s sleeps checked against the wall clock) run here on a MockClock, where the
// durations can be checked exactly.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import * as trio from "../../../src/trio/index.js";
import { RuntimeError, ValueError } from "../../../src/errors/builtins.js";

const { Cancelled, CancelScope, ExceptionGroup, TooSlowError } = trio;
const { MockClock } = trio.testing;

const NOTHING = Symbol("nothing thrown");

function show(e: unknown): string {
  if (e instanceof ExceptionGroup) return `ExceptionGroup[${e.exceptions.map(show).join(", ")}]`;
  if (e instanceof Error) return `${e.name}(${JSON.stringify(e.message)})`;
  return String(e);
}

/** pytest.raises: `fn` must throw an instance of `cls` (message matching `match`); returns it. */
async function raises<E>(cls: abstract new (...args: never[]) => E, fn: () => unknown, match?: RegExp): Promise<E> {
  let error: unknown = NOTHING;
  try {
    await fn();
  } catch (e) {
    error = e;
  }
  if (error === NOTHING) throw new Error(`DID NOT RAISE ${cls.name}`);
  if (!(error instanceof cls)) throw new Error(`expected ${cls.name}, got ${show(error)}`, { cause: error });
  if (match !== undefined) expect((error as Error).message).toMatch(match);
  return error;
}

let warnings: unknown[] = [];
beforeEach(() => {
  warnings = [];
  // The engine reports swallowed Cancelled as a warning; Trio's tests swallow them on purpose.
  vi.spyOn(process, "emitWarning").mockImplementation((w: unknown) => {
    warnings.push(w);
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

const TARGET = 1.0;

/** Trio's check_takes_about, on virtual time: `fn` takes exactly `expected` seconds. */
async function checkTakesAbout<T>(fn: () => Promise<T>, expected: number): Promise<T> {
  const start = trio.currentTime();
  try {
    return await fn();
  } finally {
    expect(trio.currentTime() - start).toBe(expected);
  }
}

/** Runs `fn` in a fresh run on an autojumping MockClock. */
function runMock(fn: () => Promise<void>): Promise<void> {
  return trio.run({ clock: new MockClock({ autojumpThreshold: 0 }) }, fn);
}

/** Trio's assert_checkpoints: the block must hit a schedule point and a cancel point. */
async function assertCheckpoints(fn: () => Promise<unknown>): Promise<void> {
  const task = trio.lowlevel.currentTask();
  const schedule = task._schedulePoints;
  const cancel = task._cancelPoints;
  await fn();
  expect(task._schedulePoints).toBeGreaterThan(schedule);
  expect(task._cancelPoints).toBeGreaterThan(cancel);
}

describe("test_timeouts.py", () => {
  it("test_sleep", async () => {
    await runMock(async () => {
      await checkTakesAbout(() => trio.sleepUntil(trio.currentTime() + TARGET), TARGET);
      await checkTakesAbout(() => trio.sleep(TARGET), TARGET);
      await assertCheckpoints(() => trio.sleep(0));
      // also a test of the trivial moveOnAt
      await trio.moveOnAt(trio.currentTime(), async () => {
        await raises(Cancelled, () => trio.sleep(0));
      });
    });
  });

  it("test_move_on_after", async () => {
    await runMock(async () => {
      await checkTakesAbout(() => trio.moveOnAfter(TARGET, () => trio.sleep(100)), TARGET);
    });
  });

  it("test_cannot_wake_sleep_forever", async () => {
    // waking sleepForever() by hand is an error
    await trio.run(async () => {
      const task = trio.lowlevel.currentTask();
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          await trio.lowlevel.checkpoint();
          trio.lowlevel.reschedule(task, { value: undefined });
        });
        await raises(RuntimeError, () => trio.sleepForever());
      });
    });
  });

  for (const [name, scope] of [
    ["moveOnAfter", trio.moveOnAfter],
    ["failAfter", trio.failAfter],
  ] as const) {
    it(`test_context_shields_from_outer[${name}]`, async () => {
      await trio.run(async () => {
        await new CancelScope().run((outer) =>
          scope(
            TARGET,
            async (inner) => {
              outer.cancel();
              // the shield works
              await trio.lowlevel.checkpoint();
              inner.shield = false;
              await raises(Cancelled, () => trio.lowlevel.checkpoint());
            },
            { shield: true },
          ),
        );
      });
    });
  }

  it("test_move_on_after_moves_on_even_if_shielded", async () => {
    await runMock(async () => {
      await checkTakesAbout(
        () =>
          new CancelScope().run((outer) =>
            trio.moveOnAfter(
              TARGET,
              async () => {
                outer.cancel();
                // the shield protects this task from the outer cancel: it sleeps until the deadline
                await trio.sleepForever();
              },
              { shield: true },
            ),
          ),
        TARGET,
      );
    });
  });

  it("test_fail_after_fails_even_if_shielded", async () => {
    await runMock(async () => {
      await checkTakesAbout(
        () =>
          raises(TooSlowError, () =>
            new CancelScope().run((outer) =>
              trio.failAfter(
                TARGET,
                async () => {
                  outer.cancel();
                  await trio.sleepForever();
                },
                { shield: true },
              ),
            ),
          ),
        TARGET,
      );
    });
  });

  it("test_fail", async () => {
    await runMock(async () => {
      await raises(TooSlowError, () => checkTakesAbout(() => trio.failAt(trio.currentTime() + TARGET, () => trio.sleep(100)), TARGET));
      await trio.failAt(trio.currentTime() + 100, () => trio.sleep(0));
      await raises(TooSlowError, () => checkTakesAbout(() => trio.failAfter(TARGET, () => trio.sleep(100)), TARGET));
      await trio.failAfter(100, () => trio.sleep(0));
    });
  });

  it("test_timeouts_raise_value_error", async () => {
    // deadlines may be negative, delays may not; neither may be NaN
    const message = /^(deadline|`seconds`) must (not )*be (non-negative|NaN)$/;
    await trio.run(async () => {
      for (const [fn, value] of [
        [trio.sleep, -1],
        [trio.sleep, NaN],
        [trio.sleepUntil, NaN],
      ] as const) {
        await raises(ValueError, () => fn(value), message);
      }
      for (const [cm, value] of [
        [trio.failAfter, -1],
        [trio.failAfter, NaN],
        [trio.failAt, NaN],
        [trio.moveOnAfter, -1],
        [trio.moveOnAfter, NaN],
        [trio.moveOnAt, NaN],
      ] as const) {
        let ran = false;
        await raises(ValueError, () => cm(value, async () => (ran = true)), message);
        expect(ran).toBe(false);
      }
    });
  });

  it("test_timeout_deadline_on_entry", async () => {
    // Trio's move_on_after(5) is an unentered scope with a relative deadline: here that
    // is `new CancelScope({ relativeDeadline: 5 })` (what moveOnAfter runs its body in).
    const clock = new MockClock();
    await trio.run({ clock }, async () => {
      let rcs = new CancelScope({ relativeDeadline: 5 });
      expect(rcs.relativeDeadline).toBe(5);

      clock.jump(3);
      let start = trio.currentTime();
      await rcs.run(async (cs) => {
        expect(cs.isRelative).toBeUndefined();
        // this used to be start + 2
        expect(cs.deadline).toBe(start + 5);
        expect(cs.relativeDeadline).toBe(5);

        cs.deadline = start + 3;
        expect(cs.deadline).toBe(start + 3);
        expect(cs.relativeDeadline).toBe(3);

        cs.relativeDeadline = 4;
        expect(cs.deadline).toBe(start + 4);
        expect(cs.relativeDeadline).toBe(4);
      });

      rcs = new CancelScope({ relativeDeadline: 5 });
      expect(rcs.shield).toBe(false);
      rcs.shield = true;
      expect(rcs.shield).toBe(true);

      clock.jump(3);
      start = trio.currentTime();
      const entered = rcs;
      await rcs.run(async (cs) => {
        expect(cs.deadline).toBe(start + 5);
        expect(cs).toBe(entered);
      });

      // moveOnAfter's own scope gets its deadline on entry too
      clock.jump(3);
      start = trio.currentTime();
      await trio.moveOnAfter(5, async (cs) => {
        expect(cs.deadline).toBe(start + 5);
        expect(cs.shield).toBe(false);
      });
    });
  });

  it("test_invalid_access_unentered", async () => {
    let cs = new CancelScope({ relativeDeadline: 5 });
    let match = /^Unentered relative cancel scope does not have an absolute deadline/;
    await raises(RuntimeError, () => cs.deadline, match);
    await raises(RuntimeError, () => (cs.deadline = 7), match);
    // nothing happened
    expect(cs.relativeDeadline).toBe(5);
    expect(cs.isRelative).toBe(true);

    cs = new CancelScope({ deadline: 5 });
    match = /^Unentered non-relative cancel scope does not have a relative deadline$/;
    await raises(RuntimeError, () => cs.relativeDeadline, match);
    await raises(RuntimeError, () => (cs.relativeDeadline = 7), match);
  });
});
