// Ported from python-trio/trio src/trio/_tests/test_channel.py
import { describe, expect, it } from "vitest";
import { ValueError } from "../../../src/errors/builtins.js";
import * as trio from "../../../src/trio/index.js";
import { openMemoryChannel, type MemoryReceiveChannel, type MemorySendChannel } from "../../../src/trio/memory-channel.js";

const { BrokenResourceError, ClosedResourceError, EndOfChannel, WouldBlock } = trio;
const { waitAllTasksBlocked, assertCheckpoints, MockClock } = trio.testing;

const NOTHING = Symbol("nothing thrown");

/** pytest.raises: `fn` must throw an instance of `cls` (message matching `match`); returns it. */
async function raises<E>(cls: abstract new (...args: never[]) => E, fn: () => unknown, match?: RegExp): Promise<E> {
  let error: unknown = NOTHING;
  try {
    await fn();
  } catch (e) {
    error = e;
  }
  if (error === NOTHING) throw new Error(`DID NOT RAISE ${cls.name}`);
  if (!(error instanceof cls)) throw new Error(`expected ${cls.name}, got ${String(error)}`, { cause: error });
  if (match !== undefined) expect((error as Error).message).toMatch(match);
  return error;
}

/** Trio's test functions are async and run under trio.run; this does the same. */
function trioTest(fn: () => Promise<void>, clock?: trio.testing.MockClock): () => Promise<void> {
  return () => (clock === undefined ? trio.run(fn) : trio.run({ clock }, fn));
}

describe("test_channel.py", () => {
  it(
    "test_channel",
    trioTest(async () => {
      await raises(TypeError, () => openMemoryChannel(1.5));
      await raises(ValueError, () => openMemoryChannel(-1), /^maxBufferSize must be >= 0$/);

      const [s, r] = openMemoryChannel<number | string | null>(2);
      String(s); // smoke test
      String(r); // smoke test

      s.sendNowait(1);
      await assertCheckpoints(() => s.send(2));
      await raises(WouldBlock, () => s.sendNowait(null));

      expect(await assertCheckpoints(() => r.receive())).toBe(1);
      expect(r.receiveNowait()).toBe(2);
      await raises(WouldBlock, () => r.receiveNowait());

      s.sendNowait("last");
      await s.aclose();
      await raises(ClosedResourceError, () => s.send("too late"));
      await raises(ClosedResourceError, () => s.sendNowait("too late"));
      await raises(ClosedResourceError, () => s.clone());
      await s.aclose();

      expect(r.receiveNowait()).toBe("last");
      await raises(EndOfChannel, () => r.receive());
      await r.aclose();
      await raises(ClosedResourceError, () => r.receive());
      await raises(ClosedResourceError, () => r.receiveNowait());
      await r.aclose();
    }),
  );

  it(
    "test_553",
    trioTest(async () => {
      const [s, r] = openMemoryChannel<string>(1);
      const timeoutScope = new trio.CancelScope({ relativeDeadline: 10 });
      await timeoutScope.run(() => r.receive());
      expect(timeoutScope.cancelledCaught).toBe(true);
      await s.send("Test for PR #553");
    }, new MockClock({ autojumpThreshold: 0 })),
  );

  it(
    "test_channel_multiple_producers",
    trioTest(async () => {
      async function producer(sendChannel: MemorySendChannel<number>, i: number): Promise<void> {
        // We close our handle when we're done with it
        await trio.asyncWith(sendChannel, async () => {
          for (let j = 3 * i; j < 3 * (i + 1); j++) await sendChannel.send(j);
        });
      }

      const [sendChannel, receiveChannel] = openMemoryChannel<number>(0);
      await trio.openNursery(async (nursery) => {
        // We hand out clones to all the new producers, and then close the original.
        await trio.asyncWith(sendChannel, () => {
          for (let i = 0; i < 10; i++) nursery.startSoon(producer, sendChannel.clone(), i);
        });

        const got: number[] = [];
        for await (const value of receiveChannel) got.push(value);

        got.sort((a, b) => a - b);
        expect(got).toEqual(Array.from({ length: 30 }, (_, i) => i));
      });
    }),
  );

  it(
    "test_channel_multiple_consumers",
    trioTest(async () => {
      const successfulReceivers = new Set<number>();
      const received: number[] = [];

      async function consumer(receiveChannel: MemoryReceiveChannel<number>, i: number): Promise<void> {
        for await (const value of receiveChannel) {
          successfulReceivers.add(i);
          received.push(value);
        }
      }

      await trio.openNursery(async (nursery) => {
        const [sendChannel, receiveChannel] = openMemoryChannel<number>(1);
        await trio.asyncWith(sendChannel, async () => {
          for (let i = 0; i < 5; i++) nursery.startSoon(consumer, receiveChannel, i);
          await waitAllTasksBlocked();
          for (let i = 0; i < 10; i++) await sendChannel.send(i);
        });
      });

      expect(successfulReceivers).toEqual(new Set([0, 1, 2, 3, 4]));
      expect(received).toHaveLength(10);
      expect(new Set(received)).toEqual(new Set(Array.from({ length: 10 }, (_, i) => i)));
    }),
  );

  async function sendBlock(s: MemorySendChannel<null>, expected: abstract new (...args: never[]) => Error): Promise<void> {
    await raises(expected, () => s.send(null));
  }

  async function receiveBlock(r: MemoryReceiveChannel<number | null>): Promise<void> {
    await raises(ClosedResourceError, () => r.receive());
  }

  it(
    "test_close_basics",
    trioTest(async () => {
      // closing send -> other send gets ClosedResourceError
      let [s, r] = openMemoryChannel<null>(0);
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(sendBlock, s, ClosedResourceError);
        await waitAllTasksBlocked();
        await s.aclose();
      });

      // and it's persistent
      await raises(ClosedResourceError, () => s.sendNowait(null));
      await raises(ClosedResourceError, () => s.send(null));

      // and receive gets EndOfChannel
      await raises(EndOfChannel, () => r.receiveNowait());
      await raises(EndOfChannel, () => r.receive());

      // closing receive -> send gets BrokenResourceError
      [s, r] = openMemoryChannel<null>(0);
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(sendBlock, s, BrokenResourceError);
        await waitAllTasksBlocked();
        await r.aclose();
      });

      // and it's persistent
      await raises(BrokenResourceError, () => s.sendNowait(null));
      await raises(BrokenResourceError, () => s.send(null));

      // closing receive -> other receive gets ClosedResourceError
      const [, r2] = openMemoryChannel<number>(0);
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(receiveBlock, r2);
        await waitAllTasksBlocked();
        await r2.aclose();
      });

      // and it's persistent
      await raises(ClosedResourceError, () => r2.receiveNowait());
      await raises(ClosedResourceError, () => r2.receive());
    }),
  );

  it(
    "test_close_sync",
    trioTest(async () => {
      // closing send -> other send gets ClosedResourceError
      let [s, r] = openMemoryChannel<null>(0);
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(sendBlock, s, ClosedResourceError);
        await waitAllTasksBlocked();
        s.close();
      });

      // and it's persistent
      await raises(ClosedResourceError, () => s.sendNowait(null));
      await raises(ClosedResourceError, () => s.send(null));

      // and receive gets EndOfChannel
      await raises(EndOfChannel, () => r.receiveNowait());
      await raises(EndOfChannel, () => r.receive());

      // closing receive -> send gets BrokenResourceError
      [s, r] = openMemoryChannel<null>(0);
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(sendBlock, s, BrokenResourceError);
        await waitAllTasksBlocked();
        r.close();
      });

      // and it's persistent
      await raises(BrokenResourceError, () => s.sendNowait(null));
      await raises(BrokenResourceError, () => s.send(null));

      // closing receive -> other receive gets ClosedResourceError
      [s, r] = openMemoryChannel<null>(0);
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(receiveBlock, r);
        await waitAllTasksBlocked();
        r.close();
      });

      // and it's persistent
      await raises(ClosedResourceError, () => r.receiveNowait());
      await raises(ClosedResourceError, () => r.receive());
    }),
  );

  it(
    "test_receive_channel_clone_and_close",
    trioTest(async () => {
      const [s, r] = openMemoryChannel<null>(10);

      const r2 = r.clone();
      const r3 = r.clone();

      s.sendNowait(null);
      await r.aclose();
      {
        using _ = r2;
      }

      await raises(ClosedResourceError, () => r.clone());
      await raises(ClosedResourceError, () => r2.clone());

      // Can still send, r3 is still open
      s.sendNowait(null);

      await r3.aclose();

      // But now the receiver is really closed
      await raises(BrokenResourceError, () => s.sendNowait(null));
    }),
  );

  it(
    "test_close_multiple_send_handles",
    trioTest(async () => {
      // With multiple send handles, closing one handle only wakes senders on
      // that handle, but others can continue just fine
      const [s1, r] = openMemoryChannel<string>(0);
      const s2 = s1.clone();

      async function sendWillClose(): Promise<void> {
        await raises(ClosedResourceError, () => s1.send("nope"));
      }

      async function sendWillSucceed(): Promise<void> {
        await s2.send("ok");
      }

      await trio.openNursery(async (nursery) => {
        nursery.startSoon(sendWillClose);
        nursery.startSoon(sendWillSucceed);
        await waitAllTasksBlocked();
        await s1.aclose();
        expect(await r.receive()).toBe("ok");
      });
    }),
  );

  it(
    "test_close_multiple_receive_handles",
    trioTest(async () => {
      // With multiple receive handles, closing one handle only wakes receivers on
      // that handle, but others can continue just fine
      const [s, r1] = openMemoryChannel<string>(0);
      const r2 = r1.clone();

      async function receiveWillClose(): Promise<void> {
        await raises(ClosedResourceError, () => r1.receive());
      }

      async function receiveWillSucceed(): Promise<void> {
        expect(await r2.receive()).toBe("ok");
      }

      await trio.openNursery(async (nursery) => {
        nursery.startSoon(receiveWillClose);
        nursery.startSoon(receiveWillSucceed);
        await waitAllTasksBlocked();
        await r1.aclose();
        await s.send("ok");
      });
    }),
  );

  it(
    "test_inf_capacity",
    trioTest(async () => {
      const [send, receive] = openMemoryChannel<number>(Infinity);

      // It's accepted, and we can send all day without blocking
      {
        using sender = send;
        for (let i = 0; i < 10; i++) sender.sendNowait(i);
      }

      const got: number[] = [];
      for await (const i of receive) got.push(i);
      expect(got).toEqual(Array.from({ length: 10 }, (_, i) => i));
    }),
  );

  it(
    "test_statistics",
    trioTest(async () => {
      const [s, r] = openMemoryChannel<null>(2);

      expect(s.statistics()).toEqual(r.statistics());
      const stats = s.statistics();
      expect(stats.currentBufferUsed).toBe(0);
      expect(stats.maxBufferSize).toBe(2);
      expect(stats.openSendChannels).toBe(1);
      expect(stats.openReceiveChannels).toBe(1);
      expect(stats.tasksWaitingSend).toBe(0);
      expect(stats.tasksWaitingReceive).toBe(0);
      expect(stats.peakBufferUsed).toBe(0);

      s.sendNowait(null);
      expect(s.statistics().currentBufferUsed).toBe(1);
      expect(s.statistics().peakBufferUsed).toBe(1);

      const s2 = s.clone();
      expect(s.statistics().openSendChannels).toBe(2);
      await s.aclose();
      expect(s2.statistics().openSendChannels).toBe(1);

      const r2 = r.clone();
      expect(s2.statistics().openReceiveChannels).toBe(2);
      await r2.aclose();
      expect(s2.statistics().openReceiveChannels).toBe(1);

      await trio.openNursery(async (nursery) => {
        s2.sendNowait(null); // fill up the buffer
        expect(s.statistics().currentBufferUsed).toBe(2);
        expect(s.statistics().peakBufferUsed).toBe(2);
        nursery.startSoon((v: null) => s2.send(v), null);
        nursery.startSoon((v: null) => s2.send(v), null);
        await waitAllTasksBlocked();
        expect(s.statistics().tasksWaitingSend).toBe(2);
        nursery.cancelScope.cancel();
      });
      expect(s.statistics().tasksWaitingSend).toBe(0);

      // empty out the buffer again
      try {
        for (;;) r.receiveNowait();
      } catch (error) {
        if (!(error instanceof WouldBlock)) throw error;
      }

      // draining the buffer doesn't reset the high-water mark
      expect(s.statistics().currentBufferUsed).toBe(0);
      expect(s.statistics().peakBufferUsed).toBe(2);

      await trio.openNursery(async (nursery) => {
        nursery.startSoon(() => r.receive());
        await waitAllTasksBlocked();
        expect(s.statistics().tasksWaitingReceive).toBe(1);
        nursery.cancelScope.cancel();
      });
      expect(s.statistics().tasksWaitingReceive).toBe(0);
    }),
  );

  it(
    "test_channel_fairness",
    trioTest(async () => {
      // We can remove an item we just sent, and send an item back in after, if
      // no-one else is waiting.
      let [s, r] = openMemoryChannel<number | null>(1);
      s.sendNowait(1);
      expect(r.receiveNowait()).toBe(1);
      s.sendNowait(2);
      expect(r.receiveNowait()).toBe(2);

      // But if someone else is waiting to receive, then they "own" the item we
      // send, so we can't receive it (even though we run first):

      let result: number | null = null;

      async function doReceive(r: MemoryReceiveChannel<number | null>): Promise<void> {
        result = await r.receive();
      }

      await trio.openNursery(async (nursery) => {
        nursery.startSoon(doReceive, r);
        await waitAllTasksBlocked();
        s.sendNowait(2);
        await raises(WouldBlock, () => r.receiveNowait());
      });
      expect(result).toBe(2);

      // And the analogous situation for send: if we free up a space, we can't
      // immediately send something in it if someone is already waiting to do
      // that
      [s, r] = openMemoryChannel<number | null>(1);
      s.sendNowait(1);
      await raises(WouldBlock, () => s.sendNowait(null));
      await trio.openNursery(async (nursery) => {
        nursery.startSoon((v: number) => s.send(v), 2);
        await waitAllTasksBlocked();
        expect(r.receiveNowait()).toBe(1);
        await raises(WouldBlock, () => s.sendNowait(3));
        expect(await r.receive()).toBe(2);
      });
    }),
  );

  it(
    "test_unbuffered",
    trioTest(async () => {
      const [s, r] = openMemoryChannel<number>(0);
      await raises(WouldBlock, () => r.receiveNowait());
      await raises(WouldBlock, () => s.sendNowait(1));

      async function doSend(s: MemorySendChannel<number>, v: number): Promise<void> {
        await assertCheckpoints(() => s.send(v));
      }

      await trio.openNursery(async (nursery) => {
        nursery.startSoon(doSend, s, 1);
        expect(await assertCheckpoints(() => r.receive())).toBe(1);
      });
      await raises(WouldBlock, () => r.receiveNowait());
    }),
  );
});
