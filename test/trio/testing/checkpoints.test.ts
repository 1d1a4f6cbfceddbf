import { AssertionError } from "node:assert";
import { describe, expect, it } from "vitest";
import * as trio from "../../../src/trio/index.js";
import { assertCheckpoints, assertNoCheckpoints } from "../../../src/trio/testing/index.js";
import { FlavorError } from "../../../src/flavor/flavor-error.js";

const { cancelShieldedCheckpoint, checkpointIfCancelled } = trio.lowlevel;

async function failure(promise: Promise<unknown>): Promise<AssertionError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AssertionError);
  return error as AssertionError;
}

describe("assertCheckpoints", () => {
  it("passes for a checkpoint, trio.sleep(0), and a real block; returns the result", async () => {
    const clock = new trio.testing.MockClock({ autojumpThreshold: 0 });
    await trio.run({ clock }, async () => {
      expect(await assertCheckpoints(() => trio.checkpoint())).toBeUndefined();
      await assertCheckpoints(() => trio.sleep(0));
      expect(
        await assertCheckpoints(async () => {
          await trio.sleep(1);
          return 42;
        }),
      ).toBe(42);
    });
  });

  it("an empty nursery is a schedule point only, as in Trio (cancel_shielded_checkpoint at exit)", async () => {
    await trio.run(async () => {
      await failure(assertCheckpoints(() => trio.openNursery(async () => {})));
      await failure(assertNoCheckpoints(() => trio.openNursery(async () => {})));
    });
  });

  // Trio's nursery exit waits for its children in wait_task_rescheduled(aborted), and
  // every wait_task_rescheduled counts as a cancel point (its abort function returns
  // FAILED, but the counter is bumped regardless).
  it("waiting for children at nursery exit is a checkpoint", async () => {
    await trio.run(async () => {
      await assertCheckpoints(() =>
        trio.openNursery(async (nursery) => {
          nursery.startSoon(async () => {});
        }),
      );
    });
  });

  // Same root cause: Trio's nursery.start() waits in an inner nursery's exit.
  it("nursery.start() is a checkpoint", async () => {
    await trio.run(async () => {
      await trio.openNursery(async (nursery) => {
        await assertCheckpoints(() =>
          nursery.start(async (taskStatus: trio.TaskStatus) => {
            taskStatus.started();
          }),
        );
      });
    });
  });

  it("fails when nothing yields, with Trio's message adapted", async () => {
    await trio.run(async () => {
      const error = await failure(assertCheckpoints(() => 1 + 1));
      expect(error.message).toBe("assertCheckpoints block did not yield!");
      await failure(assertCheckpoints(async () => {}));
      // A plain Promise is not a checkpoint.
      await failure(assertCheckpoints(() => new Promise((resolve) => setImmediate(resolve))));
    });
  });

  it("a schedule point alone or a cancel point alone is not a checkpoint; both together are", async () => {
    await trio.run(async () => {
      await failure(assertCheckpoints(() => checkpointIfCancelled()));
      await failure(assertCheckpoints(() => cancelShieldedCheckpoint()));
      await assertCheckpoints(async () => {
        await checkpointIfCancelled();
        await cancelShieldedCheckpoint();
      });
    });
  });

  it("lets the block's error through unchecked", async () => {
    await trio.run(async () => {
      const boom = new Error("boom");
      await expect(
        assertCheckpoints(() => {
          throw boom;
        }),
      ).rejects.toBe(boom);
    });
  });

  it("counts a checkpoint that raised Cancelled", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      await new trio.CancelScope().run(async (scope) => {
        scope.cancel();
        try {
          await assertCheckpoints(() => trio.checkpoint());
        } catch (e) {
          events.push((e as Error).name);
          throw e;
        }
      });
    });
    expect(events).toEqual(["Cancelled"]);
  });

  it("counts only the current task's checkpoints", async () => {
    await trio.run(async () => {
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          for (let i = 0; i < 3; i++) await trio.checkpoint();
        });
        // The child runs (and checkpoints) while this task awaits a plain promise.
        await failure(assertCheckpoints(() => new Promise((resolve) => setImmediate(resolve))));
      });
    });
  });

  it("rejects bad input and is Trio-flavored", async () => {
    await trio.run(async () => {
      await expect(assertCheckpoints("nope" as any)).rejects.toThrow(TypeError);
      await expect(assertCheckpoints(undefined as any)).rejects.toThrow("assertCheckpoints() needs a function to run");
    });
    await expect(assertCheckpoints(() => undefined)).rejects.toBeInstanceOf(FlavorError);
  });
});

describe("assertNoCheckpoints", () => {
  it("passes for sync code and for awaits of plain promises; returns the result", async () => {
    await trio.run(async () => {
      expect(await assertNoCheckpoints(() => 1 + 1)).toBe(2);
      expect(await assertNoCheckpoints(async () => "x")).toBe("x");
      await assertNoCheckpoints(() => new Promise((resolve) => setImmediate(resolve)));
    });
  });

  it("fails for a checkpoint, with Trio's message adapted", async () => {
    await trio.run(async () => {
      const error = await failure(assertNoCheckpoints(() => trio.checkpoint()));
      expect(error.message).toBe("assertNoCheckpoints block yielded!");
      expect(error.cause).toBeUndefined();
    });
  });

  it("a schedule point alone or a cancel point alone already fails it", async () => {
    await trio.run(async () => {
      await failure(assertNoCheckpoints(() => checkpointIfCancelled()));
      await failure(assertNoCheckpoints(() => cancelShieldedCheckpoint()));
      await failure(
        assertNoCheckpoints(async () => {
          await checkpointIfCancelled();
          await cancelShieldedCheckpoint();
        }),
      );
    });
  });

  it("checks even when the block throws: the failure replaces the error and keeps it as cause", async () => {
    await trio.run(async () => {
      const boom = new Error("boom");
      const error = await failure(
        assertNoCheckpoints(async () => {
          await trio.checkpoint();
          throw boom;
        }),
      );
      expect(error.cause).toBe(boom);
      // Without a checkpoint the error passes through.
      await expect(
        assertNoCheckpoints(() => {
          throw boom;
        }),
      ).rejects.toBe(boom);
    });
  });

  it("a Cancelled raised by a checkpoint becomes the failure's cause", async () => {
    let cause: unknown;
    await trio.run(async () => {
      await new trio.CancelScope().run(async (scope) => {
        scope.cancel();
        const error = await failure(assertNoCheckpoints(() => trio.checkpoint()));
        cause = error.cause;
        throw cause;
      });
    });
    expect(cause).toBeInstanceOf(trio.Cancelled);
  });

  it("rejects bad input and is Trio-flavored", async () => {
    await trio.run(async () => {
      await expect(assertNoCheckpoints(42 as any)).rejects.toThrow("assertNoCheckpoints() needs a function to run");
    });
    await expect(assertNoCheckpoints(() => undefined)).rejects.toBeInstanceOf(FlavorError);
  });
});
