import { describe, expect, it } from "vitest";
import * as trio from "../../../src/trio/index.js";
import { Sequencer, assertCheckpoints, assertNoCheckpoints } from "../../../src/trio/testing/index.js";
import { RuntimeError, ValueError } from "../../../src/errors/builtins.js";
import { FlavorError } from "../../../src/flavor/flavor-error.js";

/** Collects process warnings emitted while `fn` runs (the engine reports swallowed Cancelled that way). */
async function collectWarnings(fn: () => Promise<void>): Promise<string[]> {
  const warnings: string[] = [];
  const listener = (w: Error): void => {
    warnings.push(`${w.name}: ${w.message}`);
  };
  process.on("warning", listener);
  try {
    await fn();
    // process.emitWarning delivers on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off("warning", listener);
  }
  return warnings;
}

describe("Sequencer", () => {
  it("runs blocks of several tasks in position order (the docstring example)", async () => {
    const events: number[] = [];
    await trio.run(async () => {
      const seq = new Sequencer();
      const print = (n: number) => async () => {
        events.push(n);
      };
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          await seq.run(0, print(0));
          await seq.run(4, print(4));
        });
        nursery.startSoon(async () => {
          await seq.run(2, print(2));
          await seq.run(5, print(5));
        });
        nursery.startSoon(async () => {
          await seq.run(1, print(1));
          await seq.run(3, print(3));
        });
      });
    });
    expect(events).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("does not start block N before block N-1 has finished, even when block N-1 blocks", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const seq = new Sequencer();
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          await seq.run(1, async () => {
            events.push("1 start");
            await trio.sleep(0);
            events.push("1 end");
          });
        });
        nursery.startSoon(async () => {
          await seq.run(0, async () => {
            events.push("0 start");
            for (let i = 0; i < 5; i++) await trio.checkpoint();
            events.push("0 end");
          });
        });
      });
    });
    expect(events).toEqual(["0 start", "0 end", "1 start", "1 end"]);
  });

  it("returns the body's value", async () => {
    const result = await trio.run(async () => {
      const seq = new Sequencer();
      const a = await seq.run(0, async () => "zero");
      const b = await seq.run(1, () => 1);
      return [a, b];
    });
    expect(result).toEqual(["zero", 1]);
  });

  it("passes the turn on even when a block throws", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const seq = new Sequencer();
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          await seq.run(1, async () => {
            events.push("1");
          });
        });
        nursery.startSoon(async () => {
          try {
            await seq.run(0, async () => {
              events.push("0");
              throw new Error("boom");
            });
          } catch (e) {
            events.push(`caught ${(e as Error).message}`);
          }
        });
      });
    });
    expect(events).toEqual(["0", "caught boom", "1"]);
  });

  it("refuses to reuse a position", async () => {
    await trio.run(async () => {
      const seq = new Sequencer();
      await seq.run(0, async () => {});
      await expect(seq.run(0, async () => {})).rejects.toThrow(new RuntimeError("Attempted to reuse sequence point 0"));
      await expect(seq.run(0, async () => {})).rejects.toBeInstanceOf(RuntimeError);
    });
  });

  it("a position is claimed on entry: a second concurrent use fails at once", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const seq = new Sequencer();
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          await seq.run(1, async () => {
            events.push("first 1");
          });
        });
        nursery.startSoon(async () => {
          await seq.run(1, async () => {}).catch((e: Error) => events.push(`second 1: ${e.message}`));
          await seq.run(0, async () => {
            events.push("0");
          });
        });
      });
    });
    expect(events).toEqual(["second 1: Attempted to reuse sequence point 1", "0", "first 1"]);
  });

  it("rejects bad positions and bodies", async () => {
    await trio.run(async () => {
      const seq = new Sequencer();
      await expect(seq.run(1.5, async () => {})).rejects.toThrow(new TypeError("Sequencer position must be an integer, got 1.5"));
      await expect(seq.run("1" as any, async () => {})).rejects.toThrow(new TypeError("Sequencer position must be an integer, got string"));
      await expect(seq.run(NaN, async () => {})).rejects.toThrow(TypeError);
      await expect(seq.run(-1, async () => {})).rejects.toThrow(new ValueError("Sequencer position must be non-negative, got -1"));
      await expect(seq.run(-1, async () => {})).rejects.toBeInstanceOf(ValueError);
      await expect(seq.run(0, "body" as any)).rejects.toThrow(TypeError);
      expect(() => seq.at(2.5)).toThrow(TypeError);
      expect(() => seq.at(-3)).toThrow(ValueError);
      // Bad input did not claim anything.
      await seq.run(0, async () => {});
    });
  });

  it("is Trio-flavored", async () => {
    const seq = new Sequencer();
    await expect(seq.run(0, async () => {})).rejects.toBeInstanceOf(FlavorError);
    await expect(seq.at(0).aenter()).rejects.toBeInstanceOf(FlavorError);
    // The failed calls claimed nothing: position 0 still works in a run.
    expect(await trio.run(() => seq.run(0, async () => "ok"))).toBe("ok");
  });

  it("position 0 is not a checkpoint; a later position whose turn has come is one", async () => {
    await trio.run(async () => {
      const seq = new Sequencer();
      await assertNoCheckpoints(() => seq.run(0, async () => {}));
      await assertCheckpoints(() => seq.run(1, async () => {}));
    });
  });

  it("shows the turn it waits for in the task tree", async () => {
    let waitingOn: string | undefined;
    await trio.run(async () => {
      const seq = new Sequencer();
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          await seq.run(3, async () => {});
        });
        await trio.testing.waitAllTasksBlocked();
        const [child] = trio.lowlevel.currentTask().childNurseries[0].childTasks;
        waitingOn = child.waitingOn;
        await seq.run(0, async () => {});
        await seq.run(1, async () => {});
        await seq.run(2, async () => {});
      });
    });
    expect(waitingOn).toBe("Sequencer turn 3");
  });

  describe("cancellation breaks the sequence", () => {
    it("the cancelled waiter, the other waiters and late arrivals get RuntimeErrors", async () => {
      const events: string[] = [];
      await trio.run(async () => {
        const seq = new Sequencer();
        await trio.openNursery(async (nursery) => {
          const child = async (i: number, cancelled: boolean) => {
            await new trio.CancelScope().run(async (scope) => {
              try {
                await seq.run(i, async () => {
                  events.push(`body ${i}`);
                });
              } catch (e) {
                events.push(`seq(${i}) ${(e as Error).name}: ${(e as Error).message}`);
              }
              if (cancelled) scope.cancel();
            });
          };
          nursery.startSoon(child, 2, false);
          nursery.startSoon(child, 3, false);
          await trio.testing.waitAllTasksBlocked();
          await new trio.CancelScope().run(async (scope) => {
            scope.cancel();
            try {
              await seq.run(1, async () => {
                events.push("body 1");
              });
            } catch (e) {
              events.push(`seq(1) ${(e as Error).name}: ${(e as Error).message}`);
            }
          });
        });
        await seq.run(4, async () => {}).catch((e: Error) => events.push(`late seq(4): ${e.message}`));
        await seq.run(1, async () => {}).catch((e: Error) => events.push(`late seq(1): ${e.message}`));
        await seq.run(0, async () => {}).catch((e: Error) => events.push(`late seq(0): ${e.message}`));
      });
      expect(events).toEqual([
        "seq(1) RuntimeError: Sequencer wait cancelled -- sequence broken",
        "seq(2) RuntimeError: sequence broken!",
        "seq(3) RuntimeError: sequence broken!",
        "late seq(4): sequence broken!",
        "late seq(1): Attempted to reuse sequence point 1",
        "late seq(0): sequence broken!",
      ]);
    });

    it("the scope stays cancelled: the next checkpoint raises Cancelled, and no swallowed-cancel warning", async () => {
      const events: string[] = [];
      const warnings = await collectWarnings(async () => {
        await trio.run(async () => {
          const seq = new Sequencer();
          const scope = new trio.CancelScope();
          await scope.run(async () => {
            scope.cancel();
            try {
              await seq.run(1, async () => {});
            } catch (e) {
              events.push((e as Error).message);
            }
            try {
              await trio.checkpoint();
            } catch (e) {
              events.push((e as Error).name);
              throw e;
            }
          });
          events.push(`cancelledCaught ${scope.cancelledCaught}`);
        });
      });
      expect(events).toEqual(["Sequencer wait cancelled -- sequence broken", "Cancelled", "cancelledCaught true"]);
      expect(warnings).toEqual([]);
    });

    it("a RuntimeError caught inside the cancelled scope is not reported as a swallowed Cancelled", async () => {
      const warnings = await collectWarnings(async () => {
        await trio.run(async () => {
          const seq = new Sequencer();
          await new trio.CancelScope().run(async (scope) => {
            scope.cancel();
            await seq.run(1, async () => {}).catch(() => {});
          });
        });
      });
      expect(warnings).toEqual([]);
    });

    it("a cancel at a turn that has already come (a plain checkpoint) also breaks it", async () => {
      const events: string[] = [];
      await trio.run(async () => {
        const seq = new Sequencer();
        await seq.run(0, async () => {});
        await new trio.CancelScope().run(async (scope) => {
          scope.cancel();
          await seq.run(1, async () => {}).catch((e: Error) => events.push(e.message));
        });
        await seq.run(2, async () => {}).catch((e: Error) => events.push(e.message));
      });
      expect(events).toEqual(["Sequencer wait cancelled -- sequence broken", "sequence broken!"]);
    });

    it("a block already running is not affected; its exit does not un-break the sequence", async () => {
      const events: string[] = [];
      await trio.run(async () => {
        const seq = new Sequencer();
        const lot = new trio.lowlevel.ParkingLot();
        await trio.openNursery(async (nursery) => {
          nursery.startSoon(async () => {
            await seq.run(0, async () => {
              events.push("0 start");
              await lot.park();
              events.push("0 end");
            });
          });
          await trio.testing.waitAllTasksBlocked();
          await new trio.CancelScope().run(async (scope) => {
            scope.cancel();
            await seq.run(2, async () => {}).catch((e: Error) => events.push(`seq(2): ${e.message}`));
          });
          lot.unpark();
        });
        await seq.run(1, async () => {}).catch((e: Error) => events.push(`seq(1): ${e.message}`));
      });
      expect(events).toEqual(["0 start", "seq(2): Sequencer wait cancelled -- sequence broken", "0 end", "seq(1): sequence broken!"]);
    });
  });

  describe("at(): the async context manager", () => {
    it("works with asyncWith, in order", async () => {
      const events: string[] = [];
      await trio.run(async () => {
        const seq = new Sequencer();
        await trio.openNursery(async (nursery) => {
          nursery.startSoon(async () => {
            await trio.asyncWith(seq.at(1), async () => {
              events.push("1");
            });
          });
          nursery.startSoon(async () => {
            const r = await trio.asyncWith(seq.at(0), async (value) => {
              events.push(`0 value=${String(value)}`);
              return "r0";
            });
            events.push(`0 returned ${r}`);
          });
        });
      });
      expect(events).toEqual(["0 value=undefined", "0 returned r0", "1"]);
    });

    it("does not swallow the body's error, and passes the turn on", async () => {
      const events: string[] = [];
      await trio.run(async () => {
        const seq = new Sequencer();
        await expect(
          trio.asyncWith(seq.at(0), async () => {
            throw new Error("inner");
          }),
        ).rejects.toThrow("inner");
        await trio.asyncWith(seq.at(1), async () => {
          events.push("1");
        });
      });
      expect(events).toEqual(["1"]);
    });

    it("is single-use, and aexit needs a successful aenter", async () => {
      await trio.run(async () => {
        const seq = new Sequencer();
        const cm = seq.at(0);
        await expect(cm.aexit(undefined, false)).rejects.toThrow(
          new RuntimeError("Sequencer.at(0).aexit() called without a successful aenter()"),
        );
        await cm.aenter();
        await expect(cm.aenter()).rejects.toThrow(new RuntimeError("this Sequencer.at(0) context manager can be entered only once"));
        expect(await cm.aexit(undefined, false)).toBe(false);
        await expect(cm.aexit(undefined, false)).rejects.toThrow(RuntimeError);
        // A second manager for a used position fails on entry, like Trio's.
        const again = seq.at(0);
        await expect(again.aenter()).rejects.toThrow("Attempted to reuse sequence point 0");
        await expect(again.aexit(undefined, false)).rejects.toThrow(RuntimeError);
        // The turn passed on by the first manager's exit.
        await seq.run(1, async () => {});
      });
    });
  });
});
