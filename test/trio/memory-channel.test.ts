import { describe, expect, it } from "vitest";
import { ValueError } from "../../src/errors/builtins.js";
import { FlavorError } from "../../src/flavor/flavor-error.js";
import * as trio from "../../src/trio/index.js";
import type { ReceiveChannel, SendChannel } from "../../src/trio/channel-abc.js";
import { MemoryReceiveChannel, MemorySendChannel, openMemoryChannel } from "../../src/trio/memory-channel.js";

const { waitAllTasksBlocked, assertCheckpoints, assertNoCheckpoints } = trio.testing;

/** Runs `fn` and returns what it threw (fails the test if it did not throw). */
/**
 * The error `fn` throws. These tests catch `Cancelled` on purpose to look at it, which
 * the engine reports as a swallowed cancellation; that report is acknowledged here.
 */
async function caught(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof trio.Cancelled) trio.lowlevel.currentTask()._cancelledAt = null;
    return error;
  }
  throw new Error("expected an error");
}

describe("openMemoryChannel", () => {
  it("rejects bad buffer sizes with Trio's errors", () => {
    for (const bad of [1.5, Number.NaN, -Infinity, "2", null, undefined]) {
      expect(() => openMemoryChannel(bad as number)).toThrow(TypeError);
      expect(() => openMemoryChannel(bad as number)).toThrow("maxBufferSize must be an integer or Infinity");
    }
    expect(() => openMemoryChannel(-1)).toThrow(ValueError);
    expect(() => openMemoryChannel(-1)).toThrow(/^maxBufferSize must be >= 0$/);
  });

  it("accepts 0, a positive integer and Infinity", () => {
    for (const size of [0, 3, Infinity]) {
      const [s, r] = openMemoryChannel<number>(size);
      expect(s).toBeInstanceOf(MemorySendChannel);
      expect(r).toBeInstanceOf(MemoryReceiveChannel);
      expect(s.statistics().maxBufferSize).toBe(size);
    }
  });

  it("has no public constructors", () => {
    const [s, r] = openMemoryChannel(0);
    const SendCtor = MemorySendChannel as unknown as new (...args: unknown[]) => unknown;
    const ReceiveCtor = MemoryReceiveChannel as unknown as new (...args: unknown[]) => unknown;
    expect(() => new SendCtor(Symbol("x"), (s as unknown as { _state: unknown })._state)).toThrow(/use trio\.openMemoryChannel/);
    expect(() => new ReceiveCtor(undefined, (r as unknown as { _state: unknown })._state)).toThrow(TypeError);
    expect(s.statistics().openSendChannels).toBe(1);
    expect(s.statistics().openReceiveChannels).toBe(1);
  });

  it("implements the channel interfaces", async () => {
    const [s, r] = openMemoryChannel<string>(1);
    const send: SendChannel<string> = s;
    const receive: ReceiveChannel<string> = r;
    const got = await trio.run(async () => {
      await send.send("x");
      await send.aclose();
      const values: string[] = [];
      for await (const v of receive) values.push(v);
      await receive.aclose();
      return values;
    });
    expect(got).toEqual(["x"]);
  });

  it("has readable descriptions", () => {
    const [s, r] = openMemoryChannel(0);
    expect(String(s)).toMatch(/^<send channel using buffer #\d+>$/);
    expect(String(r)).toMatch(/^<receive channel using buffer #\d+>$/);
    const [s2] = openMemoryChannel(0);
    expect(String(s2)).not.toBe(String(s));
    s.close();
    r.close();
    expect(String(s)).toMatch(/^<send channel using buffer #\d+, closed>$/);
    expect(String(r)).toMatch(/^<receive channel using buffer #\d+, closed>$/);
  });
});

describe("nowait calls", () => {
  it("buffer in FIFO order and raise WouldBlock when full or empty, outside any run", () => {
    const [s, r] = openMemoryChannel<number>(2);
    expect(() => r.receiveNowait()).toThrow(trio.WouldBlock);
    s.sendNowait(1);
    s.sendNowait(2);
    expect(() => s.sendNowait(3)).toThrow(trio.WouldBlock);
    expect(r.receiveNowait()).toBe(1);
    s.sendNowait(3);
    expect([r.receiveNowait(), r.receiveNowait()]).toEqual([2, 3]);
    expect(() => r.receiveNowait()).toThrow(trio.WouldBlock);
  });

  it("unbuffered: would block with nobody on the other side", () => {
    const [s, r] = openMemoryChannel<number>(0);
    expect(() => s.sendNowait(1)).toThrow(trio.WouldBlock);
    expect(() => r.receiveNowait()).toThrow(trio.WouldBlock);
    expect(s.statistics().currentBufferUsed).toBe(0);
  });

  it("keep every kind of value as it is, undefined and Promises included", () => {
    const [s, r] = openMemoryChannel<unknown>(Infinity);
    const promise = new Promise<number>(() => {});
    const thenable = { then: () => {} };
    const fn = (): number => 1;
    const values: unknown[] = [undefined, null, 0, "", promise, thenable, fn, NaN];
    for (const v of values) s.sendNowait(v);
    const out = values.map(() => r.receiveNowait());
    expect(out).toEqual(values);
    expect(out[4]).toBe(promise);
    expect(out[5]).toBe(thenable);
    expect(out[6]).toBe(fn);
    expect(() => r.receiveNowait()).toThrow(trio.WouldBlock);
  });

  it("with an infinite buffer, keep order across many values", () => {
    const [s, r] = openMemoryChannel<number>(Infinity);
    for (let i = 0; i < 5000; i++) s.sendNowait(i);
    const got: number[] = [];
    for (let i = 0; i < 2500; i++) got.push(r.receiveNowait());
    for (let i = 5000; i < 6000; i++) s.sendNowait(i);
    for (;;) {
      try {
        got.push(r.receiveNowait());
      } catch (error) {
        expect(error).toBeInstanceOf(trio.WouldBlock);
        break;
      }
    }
    expect(got).toEqual(Array.from({ length: 6000 }, (_, i) => i));
    expect(s.statistics().peakBufferUsed).toBe(5000);
  });

  it("are not checkpoints", async () => {
    await trio.run(async () => {
      const [s, r] = openMemoryChannel<number>(1);
      await assertNoCheckpoints(() => {
        s.sendNowait(1);
        expect(r.receiveNowait()).toBe(1);
        s.clone().close();
        r.clone().close();
      });
    });
  });
});

describe("send and receive", () => {
  it("are checkpoints even when they do not block", async () => {
    await trio.run(async () => {
      const [s, r] = openMemoryChannel<number>(1);
      await assertCheckpoints(() => s.send(1));
      expect(await assertCheckpoints(() => r.receive())).toBe(1);
    });
  });

  it("keep order and values over many non-blocking operations (the engine's slow schedule points included)", async () => {
    await trio.run(async () => {
      const [s, r] = openMemoryChannel<number>(Infinity);
      for (let i = 0; i < 300; i++) await s.send(i);
      const got: number[] = [];
      for (let i = 0; i < 300; i++) got.push(await r.receive());
      expect(got).toEqual(Array.from({ length: 300 }, (_, i) => i));
      for (let i = 0; i < 300; i++) s.sendNowait(i);
      s.close();
      let sum = 0;
      for await (const v of r) sum += v;
      expect(sum).toBe((299 * 300) / 2);
    });
  });

  it("unbuffered: a sender waits for a receiver, which gets the value directly", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const [s, r] = openMemoryChannel<string>(0);
      await trio.openNursery(async (n) => {
        n.startSoon(async () => {
          events.push("send start");
          await s.send("hello");
          events.push("send done");
        });
        await waitAllTasksBlocked();
        events.push(`waiting senders ${s.statistics().tasksWaitingSend}`);
        const value = await r.receive();
        // The sender was woken: it finishes before everything blocks again.
        await waitAllTasksBlocked();
        events.push(`received ${value}`, `waiting senders ${s.statistics().tasksWaitingSend}`);
      });
      expect(s.statistics().currentBufferUsed).toBe(0);
    });
    expect(events).toEqual(["send start", "waiting senders 1", "send done", "received hello", "waiting senders 0"]);
  });

  it("unbuffered: a receiver waits for a sender", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const [s, r] = openMemoryChannel<string>(0);
      await trio.openNursery(async (n) => {
        n.startSoon(async () => {
          events.push("receive start");
          events.push(`received ${await r.receive()}`);
        });
        await waitAllTasksBlocked();
        events.push(`waiting receivers ${r.statistics().tasksWaitingReceive}`);
        await s.send("hi");
        await waitAllTasksBlocked();
        events.push(`waiting receivers ${r.statistics().tasksWaitingReceive}`);
      });
    });
    expect(events).toEqual(["receive start", "waiting receivers 1", "received hi", "waiting receivers 0"]);
  });

  it("sendNowait wakes a waiting receiver and receiveNowait wakes a waiting sender", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const [s, r] = openMemoryChannel<number>(0);
      await trio.openNursery(async (n) => {
        n.startSoon(async () => {
          events.push(`received ${await r.receive()}`);
        });
        await waitAllTasksBlocked();
        s.sendNowait(1);
        await waitAllTasksBlocked();
        n.startSoon(async () => {
          await s.send(2);
          events.push("sent 2");
        });
        await waitAllTasksBlocked();
        events.push(`receiveNowait ${r.receiveNowait()}`);
      });
    });
    expect(events).toEqual(["received 1", "receiveNowait 2", "sent 2"]);
  });

  it("serve waiting receivers and waiting senders in arrival order", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const [s, r] = openMemoryChannel<string>(0);
      await trio.openNursery(async (n) => {
        for (const name of ["a", "b", "c"]) {
          n.startSoon(async () => {
            events.push(`${name} got ${await r.receive()}`);
          });
          await waitAllTasksBlocked();
        }
        for (const v of ["1", "2", "3"]) await s.send(v);
      });
      events.push("--");
      await trio.openNursery(async (n) => {
        for (const name of ["x", "y", "z"]) {
          n.startSoon(async () => {
            await s.send(name);
          });
          await waitAllTasksBlocked();
        }
        for (let i = 0; i < 3; i++) events.push(await r.receive());
      });
    });
    expect(events.slice(0, 3).sort()).toEqual(["a got 1", "b got 2", "c got 3"]);
    expect(events.slice(3)).toEqual(["--", "x", "y", "z"]);
  });

  it("buffered: a blocked sender's value joins the buffer behind the buffered ones", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const [s, r] = openMemoryChannel<string>(2);
      s.sendNowait("b1");
      s.sendNowait("b2");
      await trio.openNursery(async (n) => {
        n.startSoon(async () => {
          await s.send("w1");
          events.push("w1 sent");
        });
        await waitAllTasksBlocked();
        n.startSoon(async () => {
          await s.send("w2");
          events.push("w2 sent");
        });
        await waitAllTasksBlocked();
        events.push(`waiting ${s.statistics().tasksWaitingSend}`);
        events.push(r.receiveNowait());
        expect(s.statistics().currentBufferUsed).toBe(2);
        // The freed slot belongs to w1 already: a new sendNowait cannot take it.
        expect(() => s.sendNowait("late")).toThrow(trio.WouldBlock);
        await waitAllTasksBlocked();
        for (let i = 0; i < 3; i++) {
          events.push(r.receiveNowait());
          await waitAllTasksBlocked();
        }
      });
    });
    expect(events).toEqual(["waiting 2", "b1", "w1 sent", "b2", "w2 sent", "w1", "w2"]);
  });

  it("hand a Promise over as the same object through nowait calls and async iteration", async () => {
    await trio.run(async () => {
      const promise = Promise.resolve("inner");
      const never = new Promise<string>(() => {});
      const [s, r] = openMemoryChannel<Promise<string>>(0);
      await trio.openNursery(async (n) => {
        // A waiting sender's Promise, taken with receiveNowait.
        n.startSoon(async () => {
          await s.send(promise);
        });
        await waitAllTasksBlocked();
        expect(r.receiveNowait()).toBe(promise);
        // A waiting receiver (async iteration) gets the sent Promise itself.
        let got: unknown;
        n.startSoon(async () => {
          for await (const value of r) {
            got = value;
            break;
          }
        });
        await waitAllTasksBlocked();
        s.sendNowait(never);
        await waitAllTasksBlocked();
        expect(got).toBe(never);
      });
      // Buffered, through async iteration's fast path.
      const [s2, r2] = openMemoryChannel<Promise<string>>(2);
      s2.sendNowait(never);
      s2.sendNowait(promise);
      s2.close();
      const out: unknown[] = [];
      for await (const value of r2) out.push(value);
      expect(out).toHaveLength(2);
      expect(out[0]).toBe(never);
      expect(out[1]).toBe(promise);
    });
  });

  it("receive() gives a Promise's settled value, as any async function's result does", async () => {
    await trio.run(async () => {
      const [s, r] = openMemoryChannel<Promise<string>>(1);
      s.sendNowait(Promise.resolve("buffered"));
      expect(await r.receive()).toBe("buffered");
      await trio.openNursery(async (n) => {
        n.startSoon(async () => {
          expect(await r.receive()).toBe("handed");
        });
        await waitAllTasksBlocked();
        await s.send(Promise.resolve("handed"));
      });
    });
  });

  it("hand undefined over like any value", async () => {
    const events: unknown[] = [];
    await trio.run(async () => {
      const [s, r] = openMemoryChannel<undefined>(0);
      await trio.openNursery(async (n) => {
        n.startSoon(async () => {
          events.push(await r.receive());
          events.push(await r.receive());
        });
        await waitAllTasksBlocked();
        await s.send(undefined);
        await waitAllTasksBlocked();
        s.close();
      }).catch((error: unknown) => events.push((error as trio.ExceptionGroup).exceptions[0]));
    });
    expect(events).toHaveLength(2);
    expect(events[0]).toBeUndefined();
    expect(events[1]).toBeInstanceOf(trio.EndOfChannel);
  });

  it("many producers and consumers exchange every value exactly once", async () => {
    const got: number[] = [];
    await trio.run(async () => {
      const [s, r] = openMemoryChannel<number>(3);
      await trio.openNursery(async (n) => {
        for (let p = 0; p < 4; p++) {
          const sc = s.clone();
          n.startSoon(async () => {
            for (let i = 0; i < 50; i++) await sc.send(p * 1000 + i);
            sc.close();
          });
        }
        s.close();
        for (let c = 0; c < 3; c++) {
          const rc = r.clone();
          n.startSoon(async () => {
            for await (const v of rc) {
              got.push(v);
              if (v % 7 === 0) await trio.checkpoint();
            }
            rc.close();
          });
        }
        r.close();
      });
    });
    const expected = [0, 1, 2, 3].flatMap((p) => Array.from({ length: 50 }, (_, i) => p * 1000 + i));
    expect([...got].sort((a, b) => a - b)).toEqual(expected);
    // Each producer's values arrive in its own order.
    for (let p = 0; p < 4; p++) {
      const mine = got.filter((v) => Math.floor(v / 1000) === p);
      expect(mine).toEqual([...mine].sort((a, b) => a - b));
    }
  });
});

describe("cancellation", () => {
  it("a cancelled blocked send never delivers its value", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const [s, r] = openMemoryChannel<string>(0);
      await trio.openNursery(async (n) => {
        let scope!: trio.CancelScope;
        n.startSoon(async () => {
          await new trio.CancelScope().run(async (cs) => {
            scope = cs;
            try {
              await s.send("lost");
              events.push("sent?!");
            } catch (error) {
              events.push(`send: ${(error as Error).name}`);
              throw error;
            }
          });
          events.push(`caught ${scope.cancelledCaught}`);
        });
        await waitAllTasksBlocked();
        events.push(`waiting ${s.statistics().tasksWaitingSend}`);
        scope.cancel();
        await waitAllTasksBlocked();
        events.push(`waiting ${s.statistics().tasksWaitingSend}`);
        expect(() => r.receiveNowait()).toThrow(trio.WouldBlock);
      });
    });
    expect(events).toEqual(["waiting 1", "send: Cancelled", "caught true", "waiting 0"]);
  });

  it("a cancelled blocked receive takes nothing, and the next value goes to the next receiver", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const [s, r] = openMemoryChannel<string>(1);
      await trio.openNursery(async (n) => {
        const scope = new trio.CancelScope();
        n.startSoon(async () => {
          await scope.run(async () => {
            events.push(`first got ${await r.receive()}`);
          });
          events.push("first cancelled");
        });
        await waitAllTasksBlocked();
        n.startSoon(async () => {
          events.push(`second got ${await r.receive()}`);
        });
        await waitAllTasksBlocked();
        scope.cancel();
        await waitAllTasksBlocked();
        events.push(`waiting ${r.statistics().tasksWaitingReceive}`);
        s.sendNowait("v");
      });
      expect(s.statistics().currentBufferUsed).toBe(0);
    });
    expect(events).toEqual(["first cancelled", "waiting 1", "second got v"]);
  });

  it("in a cancelled scope, send and receive raise Cancelled without acting, even when they could complete", async () => {
    await trio.run(async () => {
      const [s, r] = openMemoryChannel<number>(1);
      await trio.CancelScope.prototype.run.call(new trio.CancelScope(), async (scope: trio.CancelScope) => {
        scope.cancel();
        expect(await caught(() => s.send(1))).toBeInstanceOf(trio.Cancelled);
        expect(s.statistics().currentBufferUsed).toBe(0);
        s.sendNowait(2);
        expect(await caught(() => r.receive())).toBeInstanceOf(trio.Cancelled);
        expect(s.statistics().currentBufferUsed).toBe(1);
        // Cancellation is checked before the channel's state.
        const [cs, cr] = openMemoryChannel<number>(0);
        cs.close();
        cr.close();
        expect(await caught(() => cs.send(1))).toBeInstanceOf(trio.Cancelled);
        expect(await caught(() => cr.receive())).toBeInstanceOf(trio.Cancelled);
      });
      expect(r.receiveNowait()).toBe(2);
    });
  });

  it("a value handed over just before the cancel arrives is kept; the next checkpoint raises", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const [s, r] = openMemoryChannel<string>(0);
      await trio.openNursery(async (n) => {
        const recvScope = new trio.CancelScope();
        n.startSoon(async () => {
          await recvScope.run(async () => {
            events.push(`received ${await r.receive()}`);
            await trio.checkpoint();
            events.push("not reached");
          });
          events.push(`receiver cancelled ${recvScope.cancelledCaught}`);
        });
        await waitAllTasksBlocked();
        s.sendNowait("kept");
        recvScope.cancel();
        await waitAllTasksBlocked();

        const sendScope = new trio.CancelScope();
        n.startSoon(async () => {
          await sendScope.run(async () => {
            await s.send("delivered");
            events.push("send returned");
            await trio.checkpoint();
          });
          events.push(`sender cancelled ${sendScope.cancelledCaught}`);
        });
        await waitAllTasksBlocked();
        events.push(`took ${r.receiveNowait()}`);
        sendScope.cancel();
      });
    });
    expect(events).toEqual([
      "received kept",
      "receiver cancelled true",
      "took delivered",
      "send returned",
      "sender cancelled true",
    ]);
  });

  it("cancelling one of several blocked senders keeps the others' values in order", async () => {
    const got: string[] = [];
    await trio.run(async () => {
      const [s, r] = openMemoryChannel<string>(0);
      await trio.openNursery(async (n) => {
        const scopes = new Map<string, trio.CancelScope>();
        for (const v of ["a", "b", "c"]) {
          const scope = new trio.CancelScope();
          scopes.set(v, scope);
          n.startSoon(async () => {
            await scope.run(() => s.send(v));
          });
          await waitAllTasksBlocked();
        }
        scopes.get("b")!.cancel();
        await waitAllTasksBlocked();
        expect(s.statistics().tasksWaitingSend).toBe(2);
        got.push(await r.receive(), await r.receive());
        expect(() => r.receiveNowait()).toThrow(trio.WouldBlock);
      });
    });
    expect(got).toEqual(["a", "c"]);
  });

  it("a receive times out under moveOnAfter and leaves the channel usable", async () => {
    const clock = new trio.testing.MockClock({ autojumpThreshold: 0 });
    const result = await trio.run({ clock }, async () => {
      const [s, r] = openMemoryChannel<string>(1);
      const t0 = trio.currentTime();
      const timedOut = await trio.moveOnAfter(10, () => r.receive());
      const elapsed = trio.currentTime() - t0;
      await s.send("after");
      return [timedOut, elapsed, r.receiveNowait(), r.statistics().tasksWaitingReceive];
    });
    expect(result).toEqual([undefined, 10, "after", 0]);
  });

  it("a parked async iteration step is cancellable", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const [s, r] = openMemoryChannel<number>(0);
      await trio.openNursery(async (n) => {
        const scope = new trio.CancelScope();
        n.startSoon(async () => {
          await scope.run(async () => {
            for await (const v of r) events.push(`got ${v}`);
          });
          events.push(`loop cancelled ${scope.cancelledCaught}`);
        });
        await waitAllTasksBlocked();
        await s.send(1);
        await waitAllTasksBlocked();
        scope.cancel();
        await waitAllTasksBlocked();
        expect(() => s.sendNowait(2)).toThrow(trio.WouldBlock);
      });
    });
    expect(events).toEqual(["got 1", "loop cancelled true"]);
  });
});

describe("closing", () => {
  it("closing the send side: blocked senders get ClosedResourceError, receivers drain the buffer then get EndOfChannel", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const [s, r] = openMemoryChannel<string>(1);
      s.sendNowait("buffered");
      await trio.openNursery(async (n) => {
        n.startSoon(async () => {
          const error = await caught(() => s.send("blocked"));
          events.push(`sender: ${(error as Error).name}`);
        });
        await waitAllTasksBlocked();
        s.close();
        await waitAllTasksBlocked();
      });
      expect(() => s.sendNowait("x")).toThrow(trio.ClosedResourceError);
      expect(await caught(() => s.send("x"))).toBeInstanceOf(trio.ClosedResourceError);
      expect(() => s.clone()).toThrow(trio.ClosedResourceError);
      events.push(`left: ${await r.receive()}`);
      const end = await caught(() => r.receive());
      events.push(`then: ${(end as Error).name}`);
      expect(() => r.receiveNowait()).toThrow(trio.EndOfChannel);
    });
    expect(events).toEqual(["sender: ClosedResourceError", "left: buffered", "then: EndOfChannel"]);
  });

  it("closing the last send clone wakes every blocked receiver, of every clone, with EndOfChannel", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const [s, r] = openMemoryChannel<string>(0);
      const s2 = s.clone();
      const r2 = r.clone();
      await trio.openNursery(async (n) => {
        for (const [name, chan] of [["r", r], ["r2", r2]] as const) {
          n.startSoon(async () => {
            const error = await caught(() => chan.receive());
            events.push(`${name}: ${(error as Error).name}`);
          });
        }
        await waitAllTasksBlocked();
        s.close();
        await waitAllTasksBlocked();
        events.push(`waiting after first close: ${r.statistics().tasksWaitingReceive}`);
        s2.close();
      });
    });
    expect(events).toEqual(["waiting after first close: 2", "r: EndOfChannel", "r2: EndOfChannel"]);
  });

  it("closing the last receive clone: blocked senders get BrokenResourceError and the buffer is dropped", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const [s, r] = openMemoryChannel<string>(1);
      s.sendNowait("dropped");
      await trio.openNursery(async (n) => {
        n.startSoon(async () => {
          const error = await caught(() => s.send("blocked"));
          events.push(`sender: ${(error as Error).name}`);
        });
        await waitAllTasksBlocked();
        r.close();
      });
      expect(s.statistics().currentBufferUsed).toBe(0);
      expect(() => s.sendNowait("x")).toThrow(trio.BrokenResourceError);
      expect(await caught(() => s.send("x"))).toBeInstanceOf(trio.BrokenResourceError);
      expect(() => r.receiveNowait()).toThrow(trio.ClosedResourceError);
      expect(await caught(() => r.receive())).toBeInstanceOf(trio.ClosedResourceError);
      expect(() => r.clone()).toThrow(trio.ClosedResourceError);
    });
    expect(events).toEqual(["sender: BrokenResourceError"]);
  });

  it("a task parked on a clone that another task closes gets ClosedResourceError; other clones carry on", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const [s1, r1] = openMemoryChannel<string>(0);
      const s2 = s1.clone();
      await trio.openNursery(async (n) => {
        n.startSoon(async () => {
          events.push(`s1: ${((await caught(() => s1.send("nope"))) as Error).name}`);
        });
        await waitAllTasksBlocked();
        n.startSoon(async () => {
          await s2.send("ok");
          events.push("s2 sent");
        });
        await waitAllTasksBlocked();
        s1.close();
        await waitAllTasksBlocked();
        const value = await r1.receive();
        await waitAllTasksBlocked();
        events.push(`received ${value}`);
      });
      const r2 = r1.clone();
      await trio.openNursery(async (n) => {
        n.startSoon(async () => {
          events.push(`r1: ${((await caught(() => r1.receive())) as Error).name}`);
        });
        await waitAllTasksBlocked();
        n.startSoon(async () => {
          events.push(`r2 got ${await r2.receive()}`);
        });
        await waitAllTasksBlocked();
        r1.close();
        await waitAllTasksBlocked();
        await s2.send("still open");
      });
    });
    expect(events).toEqual(["s1: ClosedResourceError", "s2 sent", "received ok", "r1: ClosedResourceError", "r2 got still open"]);
  });

  it("close() and aclose() are idempotent; aclose is a checkpoint and closes even when cancelled", async () => {
    await trio.run(async () => {
      const [s, r] = openMemoryChannel<number>(0);
      await assertCheckpoints(() => s.aclose());
      await assertCheckpoints(() => s.aclose());
      s.close();
      expect(s.closed).toBe(true);
      expect(s.statistics().openSendChannels).toBe(0);
      await new trio.CancelScope().run(async (scope) => {
        scope.cancel();
        r.close(); // sync close works in cancelled code
        expect(r.closed).toBe(true);
        const r2 = openMemoryChannel<number>(0)[1];
        expect(await caught(() => r2.aclose())).toBeInstanceOf(trio.Cancelled);
        expect(r2.closed).toBe(true);
        expect(r2.statistics().openReceiveChannels).toBe(0);
      });
    });
  });

  it("a closed clone raises ClosedResourceError before BrokenResourceError", async () => {
    await trio.run(async () => {
      const [s, r] = openMemoryChannel<number>(5);
      r.close();
      expect(() => s.sendNowait(1)).toThrow(trio.BrokenResourceError);
      s.close();
      expect(() => s.sendNowait(1)).toThrow(trio.ClosedResourceError);
      expect(await caught(() => s.send(1))).toBeInstanceOf(trio.ClosedResourceError);
    });
  });

  it("each clone must be closed separately", () => {
    const [s, r] = openMemoryChannel<number>(5);
    const s2 = s.clone();
    const s3 = s2.clone();
    s.close();
    s.close();
    expect(s.statistics().openSendChannels).toBe(2);
    s2.sendNowait(1);
    s3.close();
    expect(r.receiveNowait()).toBe(1);
    expect(() => r.receiveNowait()).toThrow(trio.WouldBlock);
    s2.close();
    expect(() => r.receiveNowait()).toThrow(trio.EndOfChannel);
    const r2 = r.clone();
    r.close();
    r.close();
    expect(r2.statistics().openReceiveChannels).toBe(1);
    expect(() => r2.receiveNowait()).toThrow(trio.EndOfChannel);
  });

  it("error messages say what happened", async () => {
    const [s, r] = openMemoryChannel<number>(0);
    s.close();
    expect(() => s.sendNowait(1)).toThrow("this MemorySendChannel has been closed");
    expect(() => r.receiveNowait()).toThrow(/every MemorySendChannel of this channel has been closed/);
    r.close();
    expect(() => r.receiveNowait()).toThrow("this MemoryReceiveChannel has been closed");
    const [s2, r2] = openMemoryChannel<number>(0);
    r2.close();
    expect(() => s2.sendNowait(1)).toThrow("every MemoryReceiveChannel of this channel has been closed");
    await Promise.resolve();
  });
});

describe("async iteration", () => {
  it("receives until EndOfChannel, which ends the loop", async () => {
    const got = await trio.run(async () => {
      const [s, r] = openMemoryChannel<number>(0);
      const out: number[] = [];
      await trio.openNursery(async (n) => {
        n.startSoon(async () => {
          for (let i = 0; i < 5; i++) await s.send(i);
          await s.aclose();
        });
        for await (const v of r) out.push(v);
      });
      return out;
    });
    expect(got).toEqual([0, 1, 2, 3, 4]);
  });

  it("breaking out leaves the channel open; a later loop continues", async () => {
    const got = await trio.run(async () => {
      const [s, r] = openMemoryChannel<number>(10);
      for (let i = 0; i < 4; i++) s.sendNowait(i);
      s.close();
      const out: number[] = [];
      for await (const v of r) {
        out.push(v);
        if (v === 1) break;
      }
      expect(r.closed).toBe(false);
      for await (const v of r) out.push(v + 100);
      return out;
    });
    expect(got).toEqual([0, 1, 102, 103]);
  });

  it("a closed clone throws ClosedResourceError from the loop; so does closing it while a step waits", async () => {
    await trio.run(async () => {
      const [, r] = openMemoryChannel<number>(0);
      await trio.openNursery(async (n) => {
        n.startSoon(async () => {
          const error = await caught(async () => {
            for await (const v of r) void v;
          });
          expect(error).toBeInstanceOf(trio.ClosedResourceError);
        });
        await waitAllTasksBlocked();
        r.close();
      });
      const error = await caught(async () => {
        for await (const v of r) void v;
      });
      expect(error).toBeInstanceOf(trio.ClosedResourceError);
    });
  });

  it("a waiting step ends the loop when the last sender closes", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const [s, r] = openMemoryChannel<number>(0);
      await trio.openNursery(async (n) => {
        n.startSoon(async () => {
          for await (const v of r) events.push(`got ${v}`);
          events.push("loop ended");
        });
        await waitAllTasksBlocked();
        await s.send(1);
        await waitAllTasksBlocked();
        s.close();
      });
    });
    expect(events).toEqual(["got 1", "loop ended"]);
  });

  it("the iterator is its own async iterable and each step is a checkpoint", async () => {
    await trio.run(async () => {
      const [s, r] = openMemoryChannel<number>(1);
      const it = r[Symbol.asyncIterator]();
      expect(it[Symbol.asyncIterator]()).toBe(it);
      s.sendNowait(7);
      expect(await assertCheckpoints(() => it.next())).toEqual({ done: false, value: 7 });
      s.close();
      expect(await it.next()).toEqual({ done: true, value: undefined });
    });
  });
});

describe("resource protocols", () => {
  it("await using closes the channel at the end of the block", async () => {
    await trio.run(async () => {
      const [s, r] = openMemoryChannel<number>(1);
      {
        await using sender = s.clone();
        await sender.send(1);
        expect(s.statistics().openSendChannels).toBe(2);
      }
      expect(s.statistics().openSendChannels).toBe(1);
      {
        await using receiver = r;
        expect(await receiver.receive()).toBe(1);
      }
      expect(r.closed).toBe(true);
      expect(() => s.sendNowait(2)).toThrow(trio.BrokenResourceError);
    });
  });

  it("await using in a cancelled scope lets the Cancelled reach its scope", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const [s] = openMemoryChannel<number>(0);
      const result = await new trio.CancelScope().run(async (scope) => {
        await using sender = s;
        scope.cancel();
        await sender.send(1);
        return "not reached";
      });
      events.push(`result ${String(result)}, closed ${s.closed}`);
    });
    expect(events).toEqual(["result undefined, closed true"]);
  });

  it("asyncWith enters with the channel itself and closes it on exit, without swallowing errors", async () => {
    await trio.run(async () => {
      const [s, r] = openMemoryChannel<number>(1);
      const value = await trio.asyncWith(s, async (sender) => {
        expect(sender).toBe(s);
        await sender.send(5);
        return "body";
      });
      expect(value).toBe("body");
      expect(s.closed).toBe(true);
      const error = await caught(() =>
        trio.asyncWith(r, () => {
          throw new Error("boom");
        }),
      );
      expect((error as Error).message).toBe("boom");
      expect(r.closed).toBe(true);
    });
  });

  it("using closes synchronously", () => {
    const [s, r] = openMemoryChannel<number>(1);
    {
      using sender = s;
      sender.sendNowait(1);
    }
    expect(s.closed).toBe(true);
    {
      using receiver = r;
      expect(receiver.receiveNowait()).toBe(1);
    }
    expect(r.closed).toBe(true);
  });
});

describe("statistics", () => {
  it("reports buffer use, open clones and waiting tasks of all clones", async () => {
    await trio.run(async () => {
      const [s, r] = openMemoryChannel<number>(1);
      expect(s.statistics()).toEqual({
        currentBufferUsed: 0,
        maxBufferSize: 1,
        openSendChannels: 1,
        openReceiveChannels: 1,
        tasksWaitingSend: 0,
        tasksWaitingReceive: 0,
        peakBufferUsed: 0,
      });
      const s2 = s.clone();
      const r2 = r.clone();
      await trio.openNursery(async (n) => {
        s.sendNowait(1);
        n.startSoon(() => s.send(2));
        n.startSoon(() => s2.send(3));
        await waitAllTasksBlocked();
        expect(r2.statistics()).toEqual({
          currentBufferUsed: 1,
          maxBufferSize: 1,
          openSendChannels: 2,
          openReceiveChannels: 2,
          tasksWaitingSend: 2,
          tasksWaitingReceive: 0,
          peakBufferUsed: 1,
        });
        n.cancelScope.cancel();
      });
      expect(s.statistics().tasksWaitingSend).toBe(0);
      r.receiveNowait();
      await trio.openNursery(async (n) => {
        n.startSoon(() => r.receive());
        n.startSoon(() => r2.receive());
        await waitAllTasksBlocked();
        expect(s.statistics().tasksWaitingReceive).toBe(2);
        n.cancelScope.cancel();
      });
      expect(s.statistics().tasksWaitingReceive).toBe(0);
    });
  });
});

describe("flavor", () => {
  it("Trio-flavored calls throw FlavorError outside a Trio task", () => {
    const [s, r] = openMemoryChannel<number>(1);
    expect(() => s.send(1)).toThrow(FlavorError);
    expect(() => r.receive()).toThrow(FlavorError);
    expect(() => s.aclose()).toThrow(FlavorError);
    expect(() => r.aclose()).toThrow(FlavorError);
    expect(() => s[Symbol.asyncDispose]()).toThrow(FlavorError);
    expect(() => r[Symbol.asyncDispose]()).toThrow(FlavorError);
    expect(() => r[Symbol.asyncIterator]().next()).toThrow(FlavorError);
    expect(() => s.send(1)).toThrow(/MemorySendChannel\.send\(\) is Trio-flavored/);
    // Nothing happened: the failed calls did not close or use the channel.
    expect(s.closed || r.closed).toBe(false);
    expect(s.statistics().currentBufferUsed).toBe(0);
  });

  it("two waits at once in one task are refused and leave no trace in the channel", async () => {
    await trio.run(async () => {
      const [s, r] = openMemoryChannel<number>(0);
      const [other, otherReceiver] = openMemoryChannel<number>(0);
      await trio.openNursery(async (n) => {
        n.startSoon(async () => {
          const first = r.receive();
          expect(() => r.receive()).toThrow(/already waiting in MemoryReceiveChannel.receive\(\)/);
          expect(() => other.send(5)).toThrow(/already waiting in MemoryReceiveChannel.receive\(\)/);
          expect(r.statistics().tasksWaitingReceive).toBe(1);
          expect(other.statistics().tasksWaitingSend).toBe(0);
          expect(await first).toBe(1);
        });
        await waitAllTasksBlocked();
        await s.send(1);
      });
      expect(r.statistics().tasksWaitingReceive).toBe(0);
      expect(() => otherReceiver.receiveNowait()).toThrow(trio.WouldBlock);
    });
  });
});
