import { describe, expect, it } from "vitest";
import * as trio from "../../src/trio/index.js";

const clock = () => new trio.testing.MockClock({ autojumpThreshold: 0 });

/** A stand-in for an abortable npm API (fetch-like): rejects with signal.reason on abort. */
function abortableDelay(signal: AbortSignal, ms: number, value: string): Promise<string> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => resolve(value), ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });
}

describe("CancelScope.signal", () => {
  it("aborts when the scope is cancelled, with the scope's Cancelled as reason", async () => {
    await trio.run(async () => {
      const events: string[] = [];
      await new trio.CancelScope().run(async (scope) => {
        const signal = scope.signal;
        signal.addEventListener("abort", () => events.push("aborted"));
        expect(signal.aborted).toBe(false);
        scope.cancel("enough");
        expect(signal.aborted).toBe(true);
        expect(signal.reason).toBeInstanceOf(trio.Cancelled);
        expect((signal.reason as trio.Cancelled).scope).toBe(scope);
        expect((signal.reason as trio.Cancelled).reason).toBe("enough");
        await trio.checkpoint();
      });
      expect(events).toEqual(["aborted"]);
    });
  });

  it("aborts when an unshielded outer scope is cancelled; not through a shield", async () => {
    await trio.run(async () => {
      let inner!: AbortSignal;
      let shielded!: AbortSignal;
      await new trio.CancelScope().run(async (outer) => {
        await new trio.CancelScope({ shield: true }).run(async (s) => {
          shielded = s.signal;
        });
        await new trio.CancelScope().run(async (s) => {
          inner = s.signal;
          outer.cancel();
          expect(inner.aborted).toBe(true);
          expect((inner.reason as trio.Cancelled).scope).toBe(outer);
          await trio.checkpoint();
        });
      });
      expect(shielded.aborted).toBe(false);
    });
  });

  it("a signal read after the cancel is already aborted", async () => {
    await trio.run(async () => {
      const scope = new trio.CancelScope();
      scope.cancel();
      expect(scope.signal.aborted).toBe(true);
    });
  });
});

describe("CancelScope({ signal })", () => {
  it("is cancelled when the external signal aborts", async () => {
    await trio.run(async () => {
      const controller = new AbortController();
      const scope = new trio.CancelScope({ signal: controller.signal });
      const result = await scope.run(async () => {
        setTimeout(() => controller.abort(new Error("user pressed stop")), 2);
        await trio.sleepForever();
      });
      expect(result).toBeUndefined();
      expect(scope.cancelledCaught).toBe(true);
    });
  });

  it("an already-aborted signal cancels the scope on entry, with the reason in the message", async () => {
    await trio.run(async () => {
      const controller = new AbortController();
      controller.abort("stop");
      let message = "";
      await new trio.CancelScope({ signal: controller.signal }).run(async () => {
        try {
          await trio.checkpoint();
        } catch (e) {
          message = String(e);
          throw e;
        }
      });
      expect(message).toMatch(/AbortSignal aborted: stop/);
    });
  });

  it("stops listening once the scope exits", async () => {
    await trio.run(async () => {
      const controller = new AbortController();
      const scope = new trio.CancelScope({ signal: controller.signal });
      await scope.run(async () => {});
      controller.abort();
      expect(scope.cancelCalled).toBe(false);
    });
  });

  it("rejects a non-signal", () => {
    expect(() => new trio.CancelScope({ signal: {} as any })).toThrow("signal must be an AbortSignal");
  });
});

describe("runAbortable", () => {
  it("returns the operation's value", async () => {
    expect(await trio.run(() => trio.runAbortable((signal) => abortableDelay(signal, 1, "done")))).toBe("done");
  });

  it("a cancel aborts the operation, waits for it to settle, and raises Cancelled to its scope", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const scope = new trio.CancelScope();
      await scope.run(async () => {
        await trio.openNursery(async (n) => {
          n.startSoon(async () => {
            await trio.sleep(0.005);
            events.push("cancel");
            scope.cancel();
          });
          try {
            await trio.runAbortable(async (signal) => {
              try {
                return await abortableDelay(signal, 10_000, "late");
              } finally {
                events.push("operation settled");
              }
            });
          } catch (e) {
            events.push(e instanceof trio.Cancelled ? "Cancelled" : `other: ${String(e)}`);
            throw e;
          }
        });
      });
      expect(scope.cancelledCaught).toBe(true);
    });
    expect(events).toEqual(["cancel", "operation settled", "Cancelled"]);
  });

  it("an APIs AbortError (not the reason) also becomes Cancelled", async () => {
    await trio.run(async () => {
      const r = await trio.moveOnAfter(0.002, () =>
        trio.runAbortable(
          (signal) =>
            new Promise((_, reject) =>
              signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError"))),
            ),
        ),
      );
      expect(r).toBeUndefined();
    });
  });

  it("a value that arrives despite the cancel is returned; the next checkpoint raises", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      await trio.moveOnAfter(0.002, async () => {
        const v = await trio.runAbortable((_signal) => new Promise((r) => setTimeout(() => r("ignored the abort"), 10)));
        events.push(`got ${String(v)}`);
        try {
          await trio.checkpoint();
        } catch (e) {
          events.push(e instanceof trio.Cancelled ? "Cancelled at next checkpoint" : "other");
          throw e;
        }
      });
    });
    expect(events).toEqual(["got ignored the abort", "Cancelled at next checkpoint"]);
  });

  it("other errors pass through unchanged", async () => {
    const boom = new Error("boom");
    await expect(trio.run(() => trio.runAbortable(() => Promise.reject(boom)))).rejects.toBe(boom);
  });

  it("is a checkpoint when already cancelled: the operation never starts", async () => {
    let started = false;
    await trio.run(async () => {
      await new trio.CancelScope().run(async (scope) => {
        scope.cancel();
        await trio.runAbortable(async () => {
          started = true;
        });
      });
    });
    expect(started).toBe(false);
  });

  it("bad input", async () => {
    await trio.run(async () => {
      await expect(trio.runAbortable(42 as any)).rejects.toThrow(TypeError);
      await expect(trio.runAbortable((() => 42) as any)).rejects.toThrow(/must return a Promise/);
    });
  });

  it("under a MockClock the engine treats the wait as blocked (autojump passes it)", async () => {
    await trio.run({ clock: clock() }, async () => {
      const r = await trio.moveOnAfter(100, () => trio.runAbortable((signal) => abortableDelay(signal, 10_000, "x")));
      expect(r).toBeUndefined();
    });
  });
});
