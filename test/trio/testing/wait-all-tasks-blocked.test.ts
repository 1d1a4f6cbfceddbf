import { describe, expect, it } from "vitest";
import * as trio from "../../../src/trio/index.js";
import { assertCheckpoints, waitAllTasksBlocked } from "../../../src/trio/testing/index.js";
import { ValueError } from "../../../src/errors/builtins.js";
import { FlavorError } from "../../../src/flavor/flavor-error.js";

describe("waitAllTasksBlocked", () => {
  it("wakes once every other task is parked", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const lot = new trio.lowlevel.ParkingLot();
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          for (let i = 0; i < 20; i++) await trio.checkpoint();
          events.push("busy done");
          await lot.park();
          events.push("unparked");
        });
        await waitAllTasksBlocked();
        events.push("all blocked");
        lot.unpark();
      });
    });
    expect(events).toEqual(["busy done", "all blocked", "unparked"]);
  });

  it("is a checkpoint", async () => {
    await trio.run(async () => {
      await assertCheckpoints(() => waitAllTasksBlocked());
    });
  });

  it("wakes the smallest cushion first, whatever the order of arrival", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      await trio.openNursery(async (nursery) => {
        for (const cushion of [0.03, 0.01, 0.02, 0]) {
          nursery.startSoon(async () => {
            await waitAllTasksBlocked(cushion);
            events.push(`cushion ${cushion}`);
          });
        }
      });
    });
    expect(events).toEqual(["cushion 0", "cushion 0.01", "cushion 0.02", "cushion 0.03"]);
  });

  it("wakes every waiter with the same cushion at once, and the bigger cushion only after they block again", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      await trio.openNursery(async (nursery) => {
        for (const name of ["a", "b", "c"]) {
          nursery.startSoon(async () => {
            await waitAllTasksBlocked(0);
            events.push(`${name} woke`);
            await trio.checkpoint();
            events.push(`${name} ran on`);
          });
        }
        nursery.startSoon(async () => {
          await waitAllTasksBlocked(0.005);
          events.push("big cushion woke");
        });
      });
    });
    expect(events).toEqual(["a woke", "b woke", "c woke", "a ran on", "b ran on", "c ran on", "big cushion woke"]);
  });

  it("counts a task awaiting a plain Promise as running", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          await new Promise((resolve) => setTimeout(resolve, 20));
          events.push("foreign await done");
          await trio.sleep(0);
          events.push("checkpointed");
        });
        nursery.startSoon(async () => {
          await waitAllTasksBlocked();
          events.push("waiter woke");
        });
      });
    });
    expect(events).toEqual(["foreign await done", "checkpointed", "waiter woke"]);
  });

  it("does not wake while deadlines keep other tasks busy; a cushion restarts after each activity", async () => {
    // Real clock: the other task wakes every 5 ms for 10 rounds (at least 50 ms in all); a
    // 25 ms cushion fits in none of its gaps (the margin absorbs host timer jitter), but
    // would expire before the end if it were not restarted.
    const events: string[] = [];
    await trio.run(async () => {
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          for (let i = 0; i < 10; i++) await trio.sleep(0.005);
          events.push("ticker done");
        });
        nursery.startSoon(async () => {
          await waitAllTasksBlocked(0.025);
          events.push("waiter woke");
        });
      });
    });
    expect(events).toEqual(["ticker done", "waiter woke"]);
  });

  it("a cancelled waiter throws Cancelled and leaves the queue; the others still wake", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      await trio.openNursery(async (nursery) => {
        const scope = new trio.CancelScope();
        nursery.startSoon(async () => {
          await scope.run(async () => {
            try {
              await waitAllTasksBlocked(0.01);
            } catch (e) {
              events.push(`small: ${(e as Error).name}`);
              throw e;
            }
          });
          events.push(`small cancelledCaught ${scope.cancelledCaught}`);
        });
        nursery.startSoon(async () => {
          await waitAllTasksBlocked(0.02);
          events.push("big woke");
        });
        await waitAllTasksBlocked();
        events.push("cancelling");
        scope.cancel();
      });
    });
    expect(events).toEqual(["cancelling", "small: Cancelled", "small cancelledCaught true", "big woke"]);
  });

  it("a waiter in an already-cancelled scope raises Cancelled without waiting", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          for (let i = 0; i < 5; i++) await trio.checkpoint();
          events.push("other done");
        });
        await new trio.CancelScope().run(async (scope) => {
          scope.cancel();
          try {
            await waitAllTasksBlocked();
          } catch (e) {
            events.push((e as Error).name);
            throw e;
          }
        });
      });
    });
    expect(events).toEqual(["Cancelled", "other done"]);
  });

  it("rejects bad cushions and is Trio-flavored", async () => {
    await trio.run(async () => {
      expect(() => waitAllTasksBlocked(-1)).toThrow(ValueError);
      expect(() => waitAllTasksBlocked(-1)).toThrow("cushion must be non-negative");
      expect(() => waitAllTasksBlocked(NaN)).toThrow(TypeError);
      expect(() => waitAllTasksBlocked("0" as any)).toThrow(TypeError);
    });
    expect(() => waitAllTasksBlocked()).toThrow(FlavorError);
  });
});
