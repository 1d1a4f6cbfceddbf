// Ported from python-trio/trio src/trio/_tests/test_highlevel_generic.py
// (test_StapledStream, test_StapledStream_with_erroring_close), followed by tests of
// our own for the TypeScript API and for acloseForcefully.
import { describe, expect, it } from "vitest";
import { FlavorError } from "../../src/flavor/flavor-error.js";
import * as trio from "../../src/trio/index.js";
import type { HalfCloseableStream, ReceiveStream, SendStream } from "../../src/trio/stream-abc.js";
import { assertBytes, assertRaises, checkHalfCloseableStream, checkTwoWayStream } from "./testing/check-streams.js";

const { StapledStream, acloseForcefully, openNursery } = trio;
const { assertCheckpoints, lockstepStreamOneWayPair, memoryStreamOneWayPair, waitAllTasksBlocked } = trio.testing;

/** Trio's test functions are async and run under trio.run; this does the same. */
function trioTest(fn: () => Promise<void>): () => Promise<void> {
  return () => trio.run(fn);
}

type Entry = string | [string, unknown];

class RecordSendStream implements SendStream {
  record: Entry[] = [];

  async sendAll(data: Uint8Array | string): Promise<void> {
    this.record.push(["sendAll", data]);
  }

  async waitSendAllMightNotBlock(): Promise<void> {
    this.record.push("waitSendAllMightNotBlock");
  }

  async aclose(): Promise<void> {
    this.record.push("aclose");
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.record.push("asyncDispose");
  }
}

class RecordReceiveStream implements ReceiveStream {
  record: Entry[] = [];

  async receiveSome(maxBytes?: number): Promise<Uint8Array> {
    this.record.push(["receiveSome", maxBytes]);
    return new Uint8Array(0);
  }

  async aclose(): Promise<void> {
    this.record.push("aclose");
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.record.push("asyncDispose");
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {}
}

describe("test_highlevel_generic.py", () => {
  it(
    "test_StapledStream",
    trioTest(async () => {
      const sendStream = new RecordSendStream();
      const receiveStream = new RecordReceiveStream();
      const stapled = new StapledStream(sendStream, receiveStream);

      expect(stapled.sendStream).toBe(sendStream);
      expect(stapled.receiveStream).toBe(receiveStream);

      const foo = new TextEncoder().encode("foo");
      await stapled.sendAll(foo);
      await stapled.waitSendAllMightNotBlock();
      expect(sendStream.record).toEqual([["sendAll", foo], "waitSendAllMightNotBlock"]);
      expect((sendStream.record[0] as [string, unknown])[1]).toBe(foo);
      sendStream.record = [];

      await stapled.sendEof();
      expect(sendStream.record).toEqual(["aclose"]);
      sendStream.record = [];

      const fakeSendEof = async (): Promise<void> => {
        sendStream.record.push("sendEof");
      };
      (sendStream as unknown as { sendEof: () => Promise<void> }).sendEof = fakeSendEof;
      await stapled.sendEof();
      expect(sendStream.record).toEqual(["sendEof"]);

      sendStream.record = [];
      expect(receiveStream.record).toEqual([]);

      await stapled.receiveSome(1234);
      expect(receiveStream.record).toEqual([["receiveSome", 1234]]);
      expect(sendStream.record).toEqual([]);
      receiveStream.record = [];

      await stapled.aclose();
      expect(receiveStream.record).toEqual(["aclose"]);
      expect(sendStream.record).toEqual(["aclose"]);
    }),
  );

  it(
    "test_StapledStream_with_erroring_close",
    trioTest(async () => {
      // Make sure that if one of the aclose methods errors out, then the other one still
      // gets called.
      class BrokenSendStream extends RecordSendStream {
        override async aclose(): Promise<never> {
          await super.aclose();
          throw new RangeError("send error");
        }
      }
      class BrokenReceiveStream extends RecordReceiveStream {
        override async aclose(): Promise<never> {
          await super.aclose();
          throw new RangeError("recv error");
        }
      }
      const stapled = new StapledStream(new BrokenSendStream(), new BrokenReceiveStream());

      const error = await stapled.aclose().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(RangeError);
      expect((error as Error).message).toMatch(/^(send|recv) error$/);
      // Python chains the first error as __context__; here it is the `cause`.
      expect((error as Error).cause).toBeInstanceOf(RangeError);
      expect(((error as Error).cause as Error).message).toBe("send error");

      expect(stapled.sendStream.record).toEqual(["aclose"]);
      expect(stapled.receiveStream.record).toEqual(["aclose"]);
    }),
  );
});

describe("StapledStream: the TypeScript API", () => {
  it("the constructor refuses values that are not streams", () => {
    const send = new RecordSendStream();
    const receive = new RecordReceiveStream();
    expect(() => new StapledStream(receive as unknown as SendStream, receive)).toThrow(TypeError);
    expect(() => new StapledStream(send, send as unknown as ReceiveStream)).toThrow(/receiveStream must be a ReceiveStream/);
    expect(() => new StapledStream(null as unknown as SendStream, receive)).toThrow(/sendStream must be a SendStream/);
  });

  it(
    "the halves can be replaced; sendEof looks for sendEof at each call",
    trioTest(async () => {
      const stapled = new StapledStream<SendStream, ReceiveStream>(new RecordSendStream(), new RecordReceiveStream());
      const other = new RecordSendStream();
      stapled.sendStream = other;
      await stapled.sendAll("x");
      expect(other.record).toEqual([["sendAll", "x"]]);
      const halfCloseable = Object.assign(new RecordSendStream(), {
        sendEof: async function (this: RecordSendStream): Promise<void> {
          this.record.push("sendEof");
        },
      });
      stapled.sendStream = halfCloseable;
      await stapled.sendEof();
      expect(halfCloseable.record).toEqual(["sendEof"]);
    }),
  );

  it(
    "stapling a stapled stream uses its sendEof",
    trioTest(async () => {
      const [s, r] = memoryStreamOneWayPair();
      const inner: HalfCloseableStream = new StapledStream(s, new RecordReceiveStream());
      const outer = new StapledStream(inner, r);
      await outer.sendAll("ab");
      assertBytes(await outer.receiveSome(), "ab");
      await outer.sendEof();
      assertBytes(await outer.receiveSome(), "");
    }),
  );

  it(
    "await using, asyncWith and async iteration go through the halves",
    trioTest(async () => {
      const send = new RecordSendStream();
      const receive = new RecordReceiveStream();
      {
        await using stapled = new StapledStream(send, receive);
        await stapled.sendAll("in block");
      }
      expect(send.record).toEqual([["sendAll", "in block"], "asyncDispose"]);
      expect(receive.record).toEqual(["asyncDispose"]);

      const send2 = new RecordSendStream();
      const receive2 = new RecordReceiveStream();
      const got = await trio.asyncWith(new StapledStream(send2, receive2), async (stream) => {
        const chunks: Uint8Array[] = [];
        for await (const chunk of stream) chunks.push(chunk);
        return chunks;
      });
      expect(got).toEqual([]);
      expect(receive2.record).toEqual([["receiveSome", undefined], "aclose"]);
      expect(send2.record).toEqual(["aclose"]);
    }),
  );

  it(
    "asyncDispose closes the receive half even when the send half's dispose throws",
    trioTest(async () => {
      const send = new RecordSendStream();
      send[Symbol.asyncDispose] = async () => {
        throw new RangeError("dispose failed");
      };
      const receive = new RecordReceiveStream();
      await assertRaises(RangeError, () => new StapledStream(send, receive)[Symbol.asyncDispose]());
      expect(receive.record).toEqual(["asyncDispose"]);
    }),
  );

  it(
    "Trio-flavored methods check the flavor even when the halves do not",
    async () => {
      const send = new RecordSendStream();
      const receive = new RecordReceiveStream();
      const stapled = new StapledStream(send, receive);
      const calls: [string, () => Promise<unknown>][] = [
        ["StapledStream.sendAll()", () => stapled.sendAll("x")],
        ["StapledStream.waitSendAllMightNotBlock()", () => stapled.waitSendAllMightNotBlock()],
        ["StapledStream.sendEof()", () => stapled.sendEof()],
        ["StapledStream.receiveSome()", () => stapled.receiveSome()],
        ["StapledStream.aclose()", () => stapled.aclose()],
        ["StapledStream[Symbol.asyncDispose]()", () => stapled[Symbol.asyncDispose]()],
        ["StapledStream.receiveSome()", () => stapled[Symbol.asyncIterator]().next()],
        ["trio.acloseForcefully()", () => acloseForcefully(stapled)],
      ];
      for (const [name, call] of calls) {
        const error = await call().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error, name).toBeInstanceOf(FlavorError);
        expect((error as Error).message, name).toContain(name);
      }
      expect(send.record).toEqual([]);
      expect(receive.record).toEqual([]);
    },
  );

  it(
    "generic checks: lockstep halves stapled by hand pass the two-way checks, clogged ones included",
    trioTest(async () => {
      const maker = (): [trio.StapledStream, trio.StapledStream] => {
        const [s1, r1] = lockstepStreamOneWayPair();
        const [s2, r2] = lockstepStreamOneWayPair();
        return [new StapledStream(s1, r2), new StapledStream(s2, r1)];
      };
      await checkTwoWayStream(maker, maker);
    }),
  );

  it(
    "generic checks: memory halves stapled by hand pass the half-closeable checks",
    trioTest(async () => {
      await checkHalfCloseableStream(() => {
        const [s1, r1] = memoryStreamOneWayPair();
        const [s2, r2] = memoryStreamOneWayPair();
        return [new StapledStream(s1, r2), new StapledStream(s2, r1)];
      }, null);
    }),
  );
});

describe("acloseForcefully", () => {
  it(
    "closes a resource whose graceful close would block, as a checkpoint",
    trioTest(async () => {
      const events: string[] = [];
      const resource = {
        closed: false,
        async aclose(): Promise<void> {
          this.closed = true;
          events.push("closing");
          try {
            await trio.sleepForever();
          } catch (error) {
            events.push(`graceful part: ${(error as Error).name}`);
            throw error;
          }
        },
        async [Symbol.asyncDispose](): Promise<void> {},
      };
      await assertCheckpoints(() => acloseForcefully(resource));
      expect(resource.closed).toBe(true);
      expect(events).toEqual(["closing", "graceful part: Cancelled"]);
    }),
  );

  it(
    "lets other errors through, and does not cancel the caller's later work",
    trioTest(async () => {
      const resource = {
        async aclose(): Promise<void> {
          throw new RangeError("close failed");
        },
        async [Symbol.asyncDispose](): Promise<void> {},
      };
      await assertRaises(RangeError, () => acloseForcefully(resource));
      await trio.checkpoint();
      const [s, r] = memoryStreamOneWayPair();
      await openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          await assertRaises(trio.ClosedResourceError, () => r.receiveSome());
        });
        await waitAllTasksBlocked();
        await acloseForcefully(r);
      });
      await s.aclose();
    }),
  );
});
