import { describe, expect, it } from "vitest";
import * as trio from "../../src/trio/index.js";
import { FlavorError } from "../../src/flavor/flavor-error.js";
import { withAsyncLibrary } from "../../src/flavor/sniffio.js";
import { RuntimeError, ValueError } from "../../src/errors/builtins.js";
import { ExceptionGroup } from "../../src/errors/exception-group.js";

const clock = () => new trio.testing.MockClock({ autojumpThreshold: 0 });

describe("bad input fails at once with a specific error", () => {
  it("Trio-flavored calls outside trio.run throw FlavorError naming the call", async () => {
    expect(() => trio.sleep(1)).toThrow(FlavorError);
    expect(() => trio.sleep(1)).toThrow(/^trio\.sleep\(\) is Trio-flavored and must run inside trio\.run\(\)/);
    expect(() => trio.checkpoint()).toThrow(FlavorError);
    await expect(trio.openNursery(async () => {})).rejects.toThrow(FlavorError);
    await expect(new trio.CancelScope().run(async () => {})).rejects.toThrow(FlavorError);
    expect(() => trio.lowlevel.currentTask()).toThrow(FlavorError);
    expect(() => trio.currentTime()).toThrow(/must be called inside trio\.run\(\)/);
  });

  it("Trio-flavored calls from another flavor name the adapter", () => {
    expect(() => withAsyncLibrary("asyncio", () => trio.sleep(1))).toThrow(/trioAsAio/);
  });

  it("negative and NaN durations and deadlines", async () => {
    await trio.run({ clock: clock() }, async () => {
      expect(() => trio.sleep(-1)).toThrow(ValueError);
      expect(() => trio.sleep(-1)).toThrow("`seconds` must be non-negative");
      expect(() => trio.sleep(NaN)).toThrow("`seconds` must not be NaN");
      expect(() => trio.sleepUntil(NaN)).toThrow("deadline must not be NaN");
      expect(() => trio.sleep("1" as any)).toThrow(TypeError);
      expect(() => trio.moveOnAfter(-1, async () => {})).toThrow(ValueError);
      await expect(trio.failAfter(NaN, async () => {})).rejects.toThrow(ValueError);
      expect(() => new trio.CancelScope({ relativeDeadline: -2 })).toThrow("timeout must be non-negative");
      expect(() => new trio.CancelScope({ deadline: NaN })).toThrow("deadline must not be NaN");
      expect(() => new trio.CancelScope({ deadline: 1, relativeDeadline: 1 })).toThrow(/both a deadline and a relative deadline/);
      expect(() => new trio.CancelScope({ shield: 1 as any })).toThrow("shield must be a boolean");
      const scope = new trio.CancelScope();
      expect(() => (scope.deadline = NaN)).toThrow(ValueError);
      expect(() => (scope.relativeDeadline = -1)).toThrow(ValueError);
    });
  });

  it("a Promise where a function is expected says what to write instead", async () => {
    await trio.run(async () => {
      await trio.openNursery(async (n) => {
        const started = (async () => {})();
        expect(() => n.startSoon(started as any)).toThrow(/write nursery\.startSoon\(fn, \.\.\.args\) instead of nursery\.startSoon\(fn\(\.\.\.args\)\)/);
        expect(() => n.startSoon(42 as any)).toThrow(/needs an async function to run, got number/);
        await expect(n.start(started as any)).rejects.toThrow(/instead of nursery\.start\(fn\(\.\.\.args\)\)/);
      });
      await expect(trio.openNursery(Promise.resolve() as any)).rejects.toThrow(/got a Promise/);
      await expect(new trio.CancelScope().run(Promise.resolve() as any)).rejects.toThrow(/not `scope\.run\(work\(\)\)`/);
    });
    expect(() => trio.run(Promise.resolve() as any)).toThrow(/instead of trio\.run\(fn\(\.\.\.args\)\)/);
  });

  it("a task function that is not async fails the task with a clear TypeError", async () => {
    const error = await trio
      .run(async () => {
        await trio.openNursery(async (n) => {
          n.startSoon((() => 42) as any);
        });
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExceptionGroup);
    const inner = (error as ExceptionGroup).exceptions[0];
    expect(inner).toBeInstanceOf(TypeError);
    expect(String(inner)).toMatch(/returned number 42 instead of a Promise/);
  });

  it("started() twice, and a start()ed task that never calls started()", async () => {
    await trio.run(async () => {
      await trio.openNursery(async (n) => {
        const twice = n.start(async (status: trio.TaskStatus<number>) => {
          status.started(1);
          expect(() => status.started(2)).toThrow("called 'started' twice on the same task status");
        });
        expect(await twice).toBe(1);
        await expect(n.start(async () => {})).rejects.toThrow("child exited without calling task_status.started()");
      });
    });
  });

  it("using a nursery after it closed", async () => {
    await trio.run(async () => {
      let saved!: trio.Nursery;
      await trio.openNursery(async (n) => {
        saved = n;
      });
      expect(() => saved.startSoon(async () => {})).toThrow("Nursery is closed to new arrivals");
      await expect(saved.start(async () => {})).rejects.toThrow("Nursery is closed to new arrivals");
    });
  });

  it("a CancelScope can be run only once", async () => {
    await trio.run(async () => {
      const scope = new trio.CancelScope();
      await scope.run(async () => {});
      await expect(scope.run(async () => {})).rejects.toThrow(/may only be run once/);
    });
  });

  it("trio.run inside a run is an error; independent runs may coexist", async () => {
    await trio.run(async () => {
      expect(() => trio.run(async () => {})).toThrow(/from inside a run\(\)/);
    });
    const results = await Promise.all([1, 2, 3].map((n) => trio.run({ clock: clock() }, async () => {
      await trio.sleep(n);
      return n * 10;
    })));
    expect(results).toEqual([10, 20, 30]);
  });

  it("bad run options", () => {
    expect(() => trio.run({ clock: {} as any }, async () => {})).toThrow(/startClock\(\) method/);
    expect(() => trio.run({ strictExceptionGroups: "yes" as any }, async () => {})).toThrow(TypeError);
    expect(() => trio.run({ instruments: {} as any }, async () => {})).toThrow(/instruments must be an array/);
  });
});

describe("one wait at a time per task", () => {
  it("a second concurrent wait in the same task is a clear error", async () => {
    await trio.run({ clock: clock() }, async () => {
      const first = trio.sleep(10);
      expect(() => trio.sleep(1)).toThrow(/already waiting in trio\.sleep.*start tasks in a nursery/s);
      await first;
    });
  });

  it("a task that returns while a wait is still pending fails with a clear error", async () => {
    const error = await trio
      .run({ clock: clock() }, async () => {
        void trio.sleep(10);
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeError);
    expect(String(error)).toMatch(/returned while still waiting in trio\.sleep.*started without await/s);
  });

  it("a Trio call from a task that already exited says so", async () => {
    let late: Promise<unknown> | undefined;
    await trio.run(async () => {
      await trio.openNursery(async (n) => {
        n.startSoon(async () => {
          // The rejection is captured at once (as a value), so it is never unhandled.
          late = Promise.resolve()
            .then(async () => {
              await new Promise((r) => setTimeout(r, 5));
              return trio.checkpoint();
            })
            .then(
              () => undefined,
              (e: unknown) => e,
            );
        });
      });
      await trio.sleep(0.02);
    });
    expect(String(await late)).toMatch(/has already exited/);
  });
});
