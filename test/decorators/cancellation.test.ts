// The crossing rules for cancellation (DESIGN.md section 5), both directions, with
// recorded event sequences and virtual time.
import { describe, expect, it } from "vitest";
import * as asyncio from "../../src/asyncio/index.js";
import { aioAsTrio, openLoop, run, runAioFuture, trioAsAio } from "../../src/decorators/index.js";
import * as trio from "../../src/trio/index.js";

const { CancelledError } = asyncio;

function clock(): trio.testing.MockClock {
  return new trio.testing.MockClock({ autojumpThreshold: 0 });
}

function name(error: unknown): string {
  return error instanceof Error ? error.name : String(error);
}

describe("Trio -> asyncio: a Trio cancel", () => {
  it("cancels the asyncio task; its CancelledError becomes trio.Cancelled, caught by the Trio scope", async () => {
    const events: string[] = [];
    await run({ clock: clock() }, async () => {
      const result = await trio.moveOnAfter(1, async () => {
        await aioAsTrio(async () => {
          try {
            await asyncio.sleep(10);
          } catch (error) {
            events.push(`asyncio side: ${name(error)} at ${asyncio.getRunningLoop().time()}`);
            throw error;
          }
        })();
        return "not cancelled";
      });
      events.push(`trio side: moveOnAfter gave ${String(result)}`);
    });
    expect(events).toEqual(["asyncio side: CancelledError at 1", "trio side: moveOnAfter gave undefined"]);
  });

  it("waits until the asyncio side really finishes, running its cleanup", async () => {
    const events: string[] = [];
    await run({ clock: clock() }, async () => {
      await trio.moveOnAfter(1, () =>
        aioAsTrio(async () => {
          try {
            await asyncio.sleep(10);
          } finally {
            events.push("cleanup starts");
            await asyncio.shield(asyncio.sleep(2));
            events.push(`cleanup done at ${asyncio.getRunningLoop().time()}`);
          }
        })(),
      );
      events.push(`trio resumes at ${trio.currentTime()}`);
    });
    expect(events).toEqual(["cleanup starts", "cleanup done at 3", "trio resumes at 3"]);
  });

  it("a value that arrives despite the cancel is returned; the next checkpoint raises", async () => {
    const events: string[] = [];
    await run({ clock: clock() }, async () => {
      await new trio.CancelScope().run(async (scope) => {
        const value = await trio.openNursery(async (nursery) => {
          nursery.startSoon(async () => {
            await trio.sleep(1);
            scope.cancel();
          });
          return aioAsTrio(async () => {
            try {
              await asyncio.sleep(10);
            } catch {
              return "value despite the cancel";
            }
            return "never";
          })();
        });
        events.push(`got ${String(value)}`);
        try {
          await trio.checkpoint();
        } catch (error) {
          events.push(`next checkpoint: ${name(error)}`);
          throw error;
        }
      });
    });
    expect(events).toEqual(["got value despite the cancel", "next checkpoint: Cancelled"]);
  });

  it("a CancelledError that does not come from the Trio cancel passes through unchanged", async () => {
    const events: string[] = [];
    await run(async () => {
      try {
        await aioAsTrio(async () => {
          const inner = asyncio.createTask(() => asyncio.sleep(10));
          await asyncio.sleep(0);
          inner.cancel("inner");
          await inner;
        })();
      } catch (error) {
        events.push(`${name(error)}: ${(error as Error).message}`);
      }
    });
    expect(events).toEqual(["CancelledError: inner"]);
  });

  it("runAioFuture: a Future cancelled by asyncio code raises CancelledError in Trio", async () => {
    const events: string[] = [];
    await run(async () => {
      const loop = asyncio.getEventLoop();
      const fut = loop.createFuture<number>();
      loop.callSoon(() => fut.cancel("by asyncio"));
      try {
        await runAioFuture(fut);
      } catch (error) {
        events.push(`${name(error)} ${(error as Error).message}`);
      }
    });
    expect(events).toEqual(["CancelledError by asyncio"]);
  });
});

describe("asyncio -> Trio: cancelling the Future of a Trio call", () => {
  it("cancels the Trio callee; the Future stays pending until it exits, then is cancelled", async () => {
    const events: string[] = [];
    await run({ clock: clock() }, async () => {
      await aioAsTrio(async () => {
        const loop = asyncio.getRunningLoop();
        const fut = trioAsAio(async () => {
          try {
            await trio.sleepForever();
          } finally {
            events.push(`trio callee cancelled at ${trio.currentTime()}`);
            await new trio.CancelScope({ shield: true }).run(() => trio.sleep(1));
            events.push(`trio callee exits at ${trio.currentTime()}`);
          }
        })();
        await asyncio.sleep(1);
        expect(fut.cancel("stop")).toBe(true);
        expect(fut.done()).toBe(false);
        try {
          await fut;
        } catch (error) {
          events.push(`asyncio caller: ${name(error)} ${(error as Error).message} at ${loop.time()}`);
        }
        expect(fut.cancelled()).toBe(true);
      })();
    });
    expect(events).toEqual(["trio callee cancelled at 1", "trio callee exits at 2", "asyncio caller: CancelledError stop at 2"]);
  });

  it("a value the callee returns despite the cancel wins", async () => {
    const result = await run({ clock: clock() }, async () =>
      aioAsTrio(async () => {
        const fut = trioAsAio(async () => {
          try {
            await trio.sleepForever();
          } catch {
            return "late value";
          }
          return "never";
        })();
        await asyncio.sleep(1);
        fut.cancel();
        return await fut;
      })(),
    );
    expect(result).toBe("late value");
  });

  it("an error the callee throws despite the cancel wins", async () => {
    const events: string[] = [];
    await run({ clock: clock() }, async () => {
      await aioAsTrio(async () => {
        const fut = trioAsAio(async () => {
          try {
            await trio.sleepForever();
          } finally {
            // The error replaces the cancellation on purpose.
            throw new RangeError("late error");
          }
        })();
        await asyncio.sleep(1);
        fut.cancel();
        try {
          await fut;
        } catch (error) {
          events.push(name(error));
        }
      })();
    });
    expect(events).toEqual(["RangeError"]);
  });

  it("cancelling the asyncio task that awaits the Future cancels the Trio callee; asyncio never sees trio.Cancelled", async () => {
    const events: string[] = [];
    await run({ clock: clock() }, async () => {
      await aioAsTrio(async () => {
        const task = asyncio.createTask(async () => {
          try {
            await trioAsAio(() => trio.sleepForever())();
          } catch (error) {
            events.push(`asyncio task: ${name(error)}`);
            throw error;
          }
        });
        await asyncio.sleep(1);
        task.cancel();
        await Promise.allSettled([task]);
        events.push(`task cancelled: ${task.cancelled()}`);
      })();
    });
    expect(events).toEqual(["asyncio task: CancelledError", "task cancelled: true"]);
  });

  it("a handle cancelled before it starts still resolves its Future (cancelled), and the function never runs", async () => {
    const events: string[] = [];
    await run(async () => {
      await aioAsTrio(async () => {
        const loop = asyncio.getRunningLoop();
        const fut = loop.trioAsFuture(async () => {
          events.push("ran");
        });
        fut.cancel("early");
        try {
          await fut;
        } catch (error) {
          events.push(`${name(error)} ${(error as Error).message}`);
        }
        const handle = loop.runTrioTask(async () => {
          events.push("task ran");
        });
        handle.cancel();
        await asyncio.sleep(0);
      })();
    });
    expect(events).toEqual(["CancelledError early"]);
  });
});

describe("openLoop and outer cancellation", () => {
  it("inside moveOnAfter, openLoop exits exactly at the deadline and the scope catches it", async () => {
    const events: string[] = [];
    await trio.run({ clock: clock() }, async () => {
      const scope = new trio.CancelScope({ relativeDeadline: 5 });
      await scope.run(() =>
        openLoop(async () => {
          await aioAsTrio(async () => {
            try {
              await asyncio.sleep(100);
            } catch (error) {
              events.push(`asyncio: ${name(error)} at ${asyncio.getRunningLoop().time()}`);
              throw error;
            }
          })();
          events.push("not reached");
        }),
      );
      events.push(`after: cancelledCaught=${scope.cancelledCaught} at ${trio.currentTime()}`);
    });
    expect(events).toEqual(["asyncio: CancelledError at 5", "after: cancelledCaught=true at 5"]);
  });

  it("Trio tasks started from asyncio are shielded from the outer cancel until the loop's teardown", async () => {
    const events: string[] = [];
    await trio.run({ clock: clock() }, async () => {
      await trio.moveOnAfter(1, () =>
        openLoop(async (loop) => {
          const fut = loop.trioAsFuture(async () => {
            try {
              await trio.sleep(10);
              events.push("trio task finished");
            } catch (error) {
              events.push(`trio task: ${name(error)} at ${trio.currentTime()}`);
              throw error;
            }
          });
          try {
            await trio.sleep(10);
          } catch (error) {
            events.push(`body: ${name(error)} at ${trio.currentTime()}; Future done: ${fut.done()}`);
            throw error;
          }
        }),
      );
      events.push(`after at ${trio.currentTime()}`);
    });
    expect(events).toEqual(["body: Cancelled at 1; Future done: false", "trio task: Cancelled at 1", "after at 1"]);
  });

  it("a body that finishes normally gives no Cancelled even if the outer scope is cancelled meanwhile", async () => {
    const result = await trio.run(async () => {
      const scope = new trio.CancelScope();
      const value = await scope.run(() =>
        openLoop(async () => {
          scope.cancel();
          return "body result";
        }),
      );
      return [value, scope.cancelledCaught];
    });
    expect(result).toEqual(["body result", false]);
  });
});

describe("shutdown", () => {
  it("leaving the block runs the callbacks scheduled before, then cancels asyncio and Trio tasks together", async () => {
    const events: string[] = [];
    await run({ clock: clock() }, async () => {
      await openLoop(async (loop) => {
        loop.callSoon(() => events.push("callback scheduled before exit"));
        loop.createTask(async () => {
          try {
            await asyncio.sleep(100);
          } catch (error) {
            events.push(`asyncio task: ${name(error)}`);
            throw error;
          }
        });
        loop.runTrioTask(async () => {
          try {
            await trio.sleep(100);
          } catch (error) {
            events.push(`trio task: ${name(error)}`);
            throw error;
          }
        });
        await trio.sleep(1);
        events.push("body ends");
      });
      events.push(`openLoop returned at ${trio.currentTime()}`);
    });
    expect(events.slice(0, 2)).toEqual(["callback scheduled before exit", "body ends"]);
    expect(new Set(events.slice(2, 4))).toEqual(new Set(["asyncio task: CancelledError", "trio task: Cancelled"]));
    expect(events[4]).toBe("openLoop returned at 1");
  });

  it("a manual loop.stop() followed by leaving the block does not deadlock", async () => {
    const events: string[] = [];
    await run({ clock: clock() }, async () => {
      await openLoop(async (loop) => {
        const fut = loop.createFuture<number>();
        const waiter = loop.trioAsFuture(async () => {
          try {
            return await runAioFuture(fut);
          } catch (error) {
            events.push(`waiter: ${name(error)}: ${(error as Error).message.slice(0, 40)}`);
            throw error;
          }
        });
        await trio.sleep(1);
        await loop.stop().wait();
        events.push(`stopped; running: ${loop.isRunning()}`);
        void waiter;
      });
      events.push("openLoop returned");
    });
    expect(events[0]).toBe("stopped; running: false");
    expect(events[1]).toMatch(/^waiter: RuntimeError: <TrioEventLoop running=no> stopped/);
    expect(events[2]).toBe("openLoop returned");
  });

  it("an error in a callback comes out of openLoop", async () => {
    await expect(
      run(async () => {
        await openLoop(async (loop) => {
          loop.callSoon(() => {
            throw new RangeError("from a callback");
          });
          await trio.sleep(0.01);
        });
      }),
    ).rejects.toThrow(RangeError);
  });

  it("an error an asyncio task raises while it is cancelled at the teardown comes out of openLoop", async () => {
    await expect(
      run(async () => {
        await openLoop(async (loop) => {
          loop.createTask(async () => {
            try {
              await asyncio.sleep(10);
            } catch {
              throw new RangeError("raised while cancelled");
            }
          });
          await trio.sleep(0.001);
        });
      }),
    ).rejects.toThrow(RangeError);
  });

  it("the loop can no longer be used after openLoop exited", async () => {
    let kept: asyncio.BaseTrioEventLoop | null = null;
    await run(async () => {
      await openLoop(async (loop) => {
        kept = loop;
      });
      expect(() => kept!.callSoon(() => {})).toThrow(/Event loop is closed/);
      await expect(aioAsTrio(async () => 1, { loop: kept! })()).rejects.toThrow(/closed/);
      expect(() => kept!.trioAsFuture(async () => {})).toThrow(/Event loop is closed/);
    });
  });
});

// Keeps CancelledError referenced for readers of the file: the asyncio side's error class.
void CancelledError;

describe("no hang when the loop ends", () => {
  it("an error escaping the loop ends openLoop even with Trio tasks waiting on asyncio Futures", async () => {
    const events: string[] = [];
    await expect(
      run({ clock: clock() }, async () => {
        await openLoop(async (loop) => {
          const never = loop.createFuture<void>();
          await trio.openNursery(async (nursery) => {
            nursery.startSoon(async () => {
              try {
                await runAioFuture(never);
              } catch (error) {
                events.push(`waiter: ${name(error)}`);
                throw error;
              }
            });
            loop.callLater(1, () => {
              throw new RangeError("escaped");
            });
          });
        });
      }),
    ).rejects.toThrow(RangeError);
    expect(events).toEqual(["waiter: Cancelled"]);
  });

  it("autoclose closes file descriptors with the loop; noAutoclose takes one back", async () => {
    const { openSync, closeSync, fstatSync } = await import("node:fs");
    const a = openSync(import.meta.filename, "r");
    const b = openSync(import.meta.filename, "r");
    await run(async () => {
      await openLoop(async (loop) => {
        loop.autoclose(a);
        loop.autoclose({ fileno: () => b });
        loop.noAutoclose(b);
        expect(() => loop.noAutoclose(b)).toThrow(/KeyError|\d/);
      });
    });
    expect(() => fstatSync(a)).toThrow(/EBADF/);
    expect(fstatSync(b).isFile()).toBe(true);
    closeSync(b);
  });
});
