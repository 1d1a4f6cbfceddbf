// Ported from python-trio/trio src/trio/_tests/test_testing.py (the memory stream parts:
// test__assert_raises, test__UnboundeByteQueue, test_MemorySendStream,
// test_MemoryReceiveStream, test_MemoryRecvStream_closing, test_memory_stream_pump,
// test_memory_stream_one_way_pair, test_memory_stream_pair,
// test_memory_streams_with_generic_tests, test_lockstep_streams_with_generic_tests),
// followed by tests of our own for the TypeScript API, the ConflictDetector and the
// generic checkers themselves.
import { AssertionError } from "node:assert";
import { describe, expect, it } from "vitest";
import * as asyncio from "../../../src/asyncio/index.js";
import { aioAsTrio, openLoop } from "../../../src/decorators/index.js";
import { ValueError } from "../../../src/errors/builtins.js";
import { FlavorError } from "../../../src/flavor/flavor-error.js";
import { ConflictDetector } from "../../../src/trio/conflict-detector.js";
import * as trio from "../../../src/trio/index.js";
import type { ReceiveStream, SendStream } from "../../../src/trio/stream-abc.js";
import { UnboundedByteQueue } from "../../../src/trio/testing/memory-streams.js";
import {
  MemoryReceiveStream,
  MemorySendStream,
  lockstepStreamOneWayPair,
  lockstepStreamPair,
  memoryStreamOneWayPair,
  memoryStreamPair,
  memoryStreamPump,
} from "../../../src/trio/testing/index.js";
import {
  assertBytes,
  assertRaises,
  bytes,
  checkHalfCloseableStream,
  checkHalfClosableStream,
  checkOneWayStream,
  checkTwoWayStream,
} from "./check-streams.js";

const { BrokenResourceError, BusyResourceError, Cancelled, ClosedResourceError, WouldBlock, acloseForcefully, openNursery } = trio;
const { assertCheckpoints, waitAllTasksBlocked, MockClock } = trio.testing;
const { currentTask } = trio.lowlevel;

/** Trio's test functions are async and run under trio.run; this does the same. */
function trioTest(fn: () => Promise<void>, clock?: trio.testing.MockClock): () => Promise<void> {
  return () => (clock === undefined ? trio.run(fn) : trio.run({ clock }, fn));
}

const text = (data: Uint8Array): string => String.fromCharCode(...data);

describe("test_testing.py: memory streams", () => {
  it("test__assert_raises", async () => {
    await expect(assertRaises(RangeError, () => 1 + 1)).rejects.toThrow(AssertionError);
    // Another error passes through unchanged.
    await expect(
      assertRaises(RangeError, () => {
        throw new TypeError("foo");
      }),
    ).rejects.toThrow(TypeError);
    await assertRaises(RangeError, () => {
      throw new RangeError("x");
    });
    // wrapped: a group of exactly one; and not the other way round.
    const group = new trio.ExceptionGroup("g", [new RangeError("x")]);
    await assertRaises(
      RangeError,
      () => {
        throw group;
      },
      true,
    );
    await expect(
      assertRaises(RangeError, () => {
        throw group;
      }),
    ).rejects.toThrow(/caught an ExceptionGroup/);
    await expect(
      assertRaises(
        RangeError,
        () => {
          throw new RangeError("x");
        },
        true,
      ),
    ).rejects.toThrow(/expected an ExceptionGroup/);
    await expect(
      assertRaises(
        RangeError,
        () => {
          throw new trio.ExceptionGroup("g", [new RangeError("x"), new RangeError("y")]);
        },
        true,
      ),
    ).rejects.toThrow(AssertionError);
  });

  it(
    "test__UnboundeByteQueue",
    trioTest(async () => {
      const ubq = new UnboundedByteQueue();
      const task = currentTask();
      const get = (maxBytes?: number): Promise<Uint8Array> => ubq.get(task, maxBytes, "test get");

      ubq.put(bytes("123"));
      ubq.put(bytes("456"));
      assertBytes(ubq.getNowait(1), "1");
      assertBytes(ubq.getNowait(10), "23456");
      ubq.put(bytes("789"));
      assertBytes(ubq.getNowait(), "789");

      await assertRaises(WouldBlock, () => ubq.getNowait(10));
      await assertRaises(WouldBlock, () => ubq.getNowait());

      ubq.put(bytes("abc"));
      assertBytes(await assertCheckpoints(() => get(10)), "abc");
      ubq.put(bytes("def"));
      ubq.put(bytes("ghi"));
      assertBytes(await assertCheckpoints(() => get(1)), "d");
      assertBytes(await assertCheckpoints(() => get()), "efghi");

      const putter = async (data: string): Promise<void> => {
        await waitAllTasksBlocked();
        ubq.put(bytes(data));
      };
      const getter = async (expected: string): Promise<void> => {
        // Each getter is its own task: the queue parks the task that calls get().
        assertBytes(await assertCheckpoints(() => ubq.get(currentTask(), undefined, "test getter")), expected);
      };

      await openNursery(async (nursery) => {
        nursery.startSoon(getter, "xyz");
        nursery.startSoon(putter, "xyz");
      });

      // Two gets at the same time -> BusyResourceError
      await assertRaises(
        BusyResourceError,
        () =>
          openNursery(async (nursery) => {
            nursery.startSoon(getter, "asdf");
            nursery.startSoon(getter, "asdf");
          }),
        true,
      );

      // Closing
      ubq.close();
      await assertRaises(ClosedResourceError, () => ubq.put(bytes("---")));

      assertBytes(ubq.getNowait(10), "");
      assertBytes(ubq.getNowait(), "");
      assertBytes(await get(10), "");
      assertBytes(await get(), "");

      // close is idempotent
      ubq.close();

      // close wakes up blocked getters
      const ubq2 = new UnboundedByteQueue();
      await openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          assertBytes(await assertCheckpoints(() => ubq2.get(currentTask(), undefined, "test getter")), "");
        });
        nursery.startSoon(async () => {
          await waitAllTasksBlocked();
          ubq2.close();
        });
      });
    }),
  );

  it(
    "test_MemorySendStream",
    trioTest(async () => {
      const mss = new MemorySendStream();
      const doSendAll = (data: string): Promise<void> => assertCheckpoints(() => mss.sendAll(bytes(data)));

      await doSendAll("123");
      assertBytes(mss.getDataNowait(1), "1");
      assertBytes(mss.getDataNowait(), "23");

      await assertCheckpoints(() => mss.waitSendAllMightNotBlock());

      await assertRaises(WouldBlock, () => mss.getDataNowait());
      await assertRaises(WouldBlock, () => mss.getDataNowait(10));

      await doSendAll("456");
      assertBytes(await assertCheckpoints(() => mss.getData()), "456");

      // Call sendAll twice at once; one should get BusyResourceError and one should
      // succeed. But we can't let the error propagate, because it might cause the other
      // to be cancelled before it can finish doing its thing, and we don't know which
      // one will get the error.
      let resourceBusyCount = 0;
      const doSendAllCountResourceBusy = async (): Promise<void> => {
        try {
          await doSendAll("xxx");
        } catch (error) {
          if (!(error instanceof BusyResourceError)) throw error;
          resourceBusyCount++;
        }
      };
      await openNursery(async (nursery) => {
        nursery.startSoon(doSendAllCountResourceBusy);
        nursery.startSoon(doSendAllCountResourceBusy);
      });
      expect(resourceBusyCount).toBe(1);

      await assertCheckpoints(() => mss.aclose());

      assertBytes(await mss.getData(), "xxx");
      assertBytes(await mss.getData(), "");
      await assertRaises(ClosedResourceError, () => doSendAll("---"));

      // hooks
      expect(mss.sendAllHook).toBeNull();
      expect(mss.waitSendAllMightNotBlockHook).toBeNull();
      expect(mss.closeHook).toBeNull();

      const record: string[] = [];
      const sendAllHook = async (): Promise<void> => {
        // hook runs after sendAll does its work (can pull data out)
        assertBytes(mss2.getDataNowait(), "abc");
        record.push("send_all_hook");
      };
      const waitSendAllMightNotBlockHook = async (): Promise<void> => {
        record.push("wait_send_all_might_not_block_hook");
      };
      const closeHook = (): void => {
        record.push("close_hook");
      };
      const mss2 = new MemorySendStream({ sendAllHook, waitSendAllMightNotBlockHook, closeHook });

      expect(mss2.sendAllHook).toBe(sendAllHook);
      expect(mss2.waitSendAllMightNotBlockHook).toBe(waitSendAllMightNotBlockHook);
      expect(mss2.closeHook).toBe(closeHook);

      await mss2.sendAll(bytes("abc"));
      await mss2.waitSendAllMightNotBlock();
      await acloseForcefully(mss2);
      mss2.close();

      expect(record).toEqual(["send_all_hook", "wait_send_all_might_not_block_hook", "close_hook", "close_hook"]);
    }),
  );

  it(
    "test_MemoryReceiveStream",
    trioTest(async () => {
      const mrs = new MemoryReceiveStream();
      const doReceiveSome = (maxBytes: number | undefined): Promise<Uint8Array> => assertCheckpoints(() => mrs.receiveSome(maxBytes));

      mrs.putData(bytes("abc"));
      assertBytes(await doReceiveSome(1), "a");
      assertBytes(await doReceiveSome(10), "bc");
      mrs.putData(bytes("abc"));
      assertBytes(await doReceiveSome(undefined), "abc");

      await assertRaises(
        BusyResourceError,
        () =>
          openNursery(async (nursery) => {
            nursery.startSoon(doReceiveSome, 10);
            nursery.startSoon(doReceiveSome, 10);
          }),
        true,
      );

      expect(mrs.receiveSomeHook).toBeNull();

      mrs.putData(bytes("def"));
      mrs.putEof();
      mrs.putEof();

      assertBytes(await doReceiveSome(10), "def");
      assertBytes(await doReceiveSome(10), "");
      assertBytes(await doReceiveSome(10), "");

      await assertRaises(ClosedResourceError, () => mrs.putData(bytes("---")));

      const receiveSomeHook = async (): Promise<void> => {
        mrs2.putData(bytes("xxx"));
      };
      const record: string[] = [];
      const closeHook = (): void => {
        record.push("closed");
      };
      const mrs2 = new MemoryReceiveStream({ receiveSomeHook, closeHook });
      expect(mrs2.receiveSomeHook).toBe(receiveSomeHook);
      expect(mrs2.closeHook).toBe(closeHook);

      mrs2.putData(bytes("yyy"));
      assertBytes(await mrs2.receiveSome(10), "yyyxxx");
      assertBytes(await mrs2.receiveSome(10), "xxx");
      assertBytes(await mrs2.receiveSome(10), "xxx");

      mrs2.putData(bytes("zzz"));
      mrs2.receiveSomeHook = null;
      assertBytes(await mrs2.receiveSome(10), "zzz");

      mrs2.putData(bytes("lost on close"));
      await assertCheckpoints(() => mrs2.aclose());
      expect(record).toEqual(["closed"]);

      await assertRaises(ClosedResourceError, () => mrs2.receiveSome(10));
    }),
  );

  it(
    "test_MemoryRecvStream_closing",
    trioTest(async () => {
      const mrs = new MemoryReceiveStream();
      // close with no pending data
      mrs.close();
      await assertRaises(ClosedResourceError, () => mrs.receiveSome(10));
      // repeated closes ok
      mrs.close();
      // putData now fails
      await assertRaises(ClosedResourceError, () => mrs.putData(bytes("123")));

      const mrs2 = new MemoryReceiveStream();
      // close with pending data
      mrs2.putData(bytes("xyz"));
      mrs2.close();
      await assertRaises(ClosedResourceError, () => mrs2.receiveSome(10));
    }),
  );

  it(
    "test_memory_stream_pump",
    trioTest(async () => {
      const mss = new MemorySendStream();
      const mrs = new MemoryReceiveStream();

      // no-op if no data present
      expect(memoryStreamPump(mss, mrs)).toBe(false);

      await mss.sendAll(bytes("123"));
      memoryStreamPump(mss, mrs);
      assertBytes(await mrs.receiveSome(10), "123");

      await mss.sendAll(bytes("456"));
      expect(memoryStreamPump(mss, mrs, { maxBytes: 1 })).toBe(true);
      assertBytes(await mrs.receiveSome(10), "4");
      expect(memoryStreamPump(mss, mrs, { maxBytes: 1 })).toBe(true);
      expect(memoryStreamPump(mss, mrs, { maxBytes: 1 })).toBe(true);
      expect(memoryStreamPump(mss, mrs, { maxBytes: 1 })).toBe(false);
      assertBytes(await mrs.receiveSome(10), "56");

      mss.close();
      memoryStreamPump(mss, mrs);
      assertBytes(await mrs.receiveSome(10), "");
    }),
  );

  it(
    "test_memory_stream_one_way_pair",
    trioTest(async () => {
      let [s, r] = memoryStreamOneWayPair();
      expect(s.sendAllHook).not.toBeNull();
      expect(s.waitSendAllMightNotBlockHook).toBeNull();
      expect(s.closeHook).not.toBeNull();
      expect(r.receiveSomeHook).toBeNull();
      await s.sendAll(bytes("123"));
      assertBytes(await r.receiveSome(10), "123");

      const receiver = async (expected: string): Promise<void> => {
        assertBytes(await r.receiveSome(10), expected);
      };

      // This fails if we pump on r.receiveSomeHook; we need to pump on s.sendAllHook
      await openNursery(async (nursery) => {
        nursery.startSoon(receiver, "abc");
        await waitAllTasksBlocked();
        await s.sendAll(bytes("abc"));
      });

      // And this fails if we don't pump from closeHook
      await openNursery(async (nursery) => {
        nursery.startSoon(receiver, "");
        await waitAllTasksBlocked();
        await s.aclose();
      });

      [s, r] = memoryStreamOneWayPair();
      await openNursery(async (nursery) => {
        nursery.startSoon(receiver, "");
        await waitAllTasksBlocked();
        s.close();
      });

      [s, r] = memoryStreamOneWayPair();
      const old = s.sendAllHook;
      s.sendAllHook = null;
      await s.sendAll(bytes("456"));

      const cancelAfterIdle = async (nursery: trio.Nursery): Promise<void> => {
        await waitAllTasksBlocked();
        nursery.cancelScope.cancel();
      };
      const checkForCancel = async (): Promise<void> => {
        // This should block forever... or until cancelled. Even though we sent some data
        // on the send stream. (The Cancelled is re-thrown for the nursery to catch.)
        let error: unknown;
        try {
          await r.receiveSome(10);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(Cancelled);
        throw error;
      };
      await openNursery(async (nursery) => {
        nursery.startSoon(cancelAfterIdle, nursery);
        nursery.startSoon(checkForCancel);
      });

      s.sendAllHook = old;
      await s.sendAll(bytes("789"));
      assertBytes(await r.receiveSome(10), "456789");
    }),
  );

  it(
    "test_memory_stream_pair",
    trioTest(async () => {
      const [a, b] = memoryStreamPair();
      await a.sendAll(bytes("123"));
      await b.sendAll(bytes("abc"));
      assertBytes(await b.receiveSome(10), "123");
      assertBytes(await a.receiveSome(10), "abc");

      await a.sendEof();
      assertBytes(await b.receiveSome(10), "");

      await openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          assertBytes(await a.receiveSome(10), "xyz");
        });
        nursery.startSoon(async () => {
          await waitAllTasksBlocked();
          await b.sendAll(bytes("xyz"));
        });
      });
    }),
  );

  it(
    "test_memory_streams_with_generic_tests",
    trioTest(async () => {
      await checkOneWayStream(() => memoryStreamOneWayPair(), null);
      await checkHalfCloseableStream(async () => memoryStreamPair(), null);
    }),
  );

  it(
    "test_lockstep_streams_with_generic_tests",
    trioTest(async () => {
      const oneWayStreamMaker = async (): Promise<[SendStream, ReceiveStream]> => lockstepStreamOneWayPair();
      await checkOneWayStream(oneWayStreamMaker, oneWayStreamMaker);
      const twoWayStreamMaker = async () => lockstepStreamPair();
      await checkTwoWayStream(twoWayStreamMaker, twoWayStreamMaker);
    }),
  );
});

describe("memory streams: the TypeScript API", () => {
  it(
    "sendAll and putData take a string as UTF-8 and any byte view; other values are a TypeError",
    trioTest(async () => {
      const [s, r] = memoryStreamOneWayPair();
      await s.sendAll("é€");
      expect(Array.from(await r.receiveSome())).toEqual([0xc3, 0xa9, 0xe2, 0x82, 0xac]);
      await s.sendAll(new Uint16Array([0x0201]) as unknown as Uint8Array);
      expect(Array.from(await r.receiveSome())).toEqual([1, 2]);
      await s.sendAll(Buffer.from("buf"));
      assertBytes(await r.receiveSome(), "buf");
      r.putData("direct");
      assertBytes(await r.receiveSome(), "direct");
      for (const bad of [42, null, undefined, { length: 1 }, [1, 2]]) {
        await expect(s.sendAll(bad as unknown as string)).rejects.toThrow(TypeError);
        expect(() => r.putData(bad as unknown as string)).toThrow(TypeError);
      }
      await expect(s.sendAll(7 as unknown as string)).rejects.toThrow(/MemorySendStream\.sendAll\(\) needs bytes/);
      // A refused send left the stream usable.
      await s.sendAll("ok");
      assertBytes(await r.receiveSome(), "ok");
    }),
  );

  it(
    "data is copied when sent: the sender may reuse its buffer at once",
    trioTest(async () => {
      const [s, r] = memoryStreamOneWayPair();
      const buffer = bytes("abc");
      await s.sendAll(buffer);
      buffer.fill(0x21);
      r.putData(buffer);
      buffer.fill(0x3f);
      assertBytes(await r.receiveSome(), "abc!!!");
      // Each chunk received is a fresh Uint8Array (not a Buffer, not a view of the queue).
      await s.sendAll("xyz");
      const chunk = await r.receiveSome(2);
      expect(chunk.constructor).toBe(Uint8Array);
      expect(chunk.byteOffset).toBe(0);
      expect(chunk.buffer.byteLength).toBe(2);
    }),
  );

  it(
    "maxBytes: undefined is everything; non-integers are TypeError, < 1 ValueError, with no hook called",
    trioTest(async () => {
      let hooks = 0;
      const mrs = new MemoryReceiveStream({ receiveSomeHook: () => void hooks++ });
      const mss = new MemorySendStream();
      for (const bad of [1.5, Number.NaN, Infinity, "2", null]) {
        await expect(mrs.receiveSome(bad as number)).rejects.toThrow(TypeError);
        expect(() => mss.getDataNowait(bad as number)).toThrow(TypeError);
      }
      for (const bad of [0, -1]) {
        await expect(mrs.receiveSome(bad)).rejects.toThrow(ValueError);
        await expect(mrs.receiveSome(bad)).rejects.toThrow(/^maxBytes must be >= 1$/);
        await expect(mss.getData(bad)).rejects.toThrow(ValueError);
      }
      expect(hooks).toBe(0);
      mrs.putData("abcdef");
      assertBytes(await mrs.receiveSome(2), "ab");
      assertBytes(await mrs.receiveSome(), "cdef");
      expect(hooks).toBe(2);
    }),
  );

  it(
    "a chunk split across many puts comes out in order",
    trioTest(async () => {
      const mrs = new MemoryReceiveStream();
      for (let i = 0; i < 10; i++) mrs.putData(String(i));
      mrs.putData("");
      assertBytes(await mrs.receiveSome(3), "012");
      assertBytes(await mrs.receiveSome(4), "3456");
      assertBytes(await mrs.receiveSome(100), "789");
      // Drained: the next call waits.
      const scope = await trio.moveOnAfter(1, async (scope) => {
        await mrs.receiveSome(1);
        return scope;
      });
      expect(scope).toBeUndefined();
    }, new MockClock({ autojumpThreshold: 0 })),
  );

  it(
    "an empty putData does not wake a blocked receiveSome",
    trioTest(async () => {
      const events: string[] = [];
      const mrs = new MemoryReceiveStream();
      await openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          events.push(`got ${text(await mrs.receiveSome())}`);
        });
        await waitAllTasksBlocked();
        mrs.putData("");
        await waitAllTasksBlocked();
        events.push("still waiting");
        mrs.putData("x");
      });
      expect(events).toEqual(["still waiting", "got x"]);
    }),
  );

  it(
    "cancelled calls lose no data: sendAll sends nothing, receiveSome and getData take nothing",
    trioTest(async () => {
      const [s, r] = memoryStreamOneWayPair();
      s.sendAllHook = null;
      // The deadline has passed: sendAll is cancelled at its first checkpoint.
      await trio.moveOnAfter(0, () => s.sendAll("never"));
      expect(() => s.getDataNowait()).toThrow(WouldBlock);

      await s.sendAll("data");
      await new trio.CancelScope().run(async (scope) => {
        scope.cancel();
        await s.getData();
      });
      await new trio.CancelScope().run(async (scope) => {
        await openNursery(async (nursery) => {
          nursery.startSoon(() => r.receiveSome());
          await waitAllTasksBlocked();
          scope.cancel();
        });
      });
      expect(memoryStreamPump(s, r)).toBe(true);
      assertBytes(await r.receiveSome(), "data");
    }),
  );

  it(
    "a receiver closed while blocked gets ClosedResourceError; a close during sendAll's checkpoints too",
    trioTest(async () => {
      const events: string[] = [];
      const [s, r] = memoryStreamOneWayPair();
      await openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          await assertRaises(ClosedResourceError, () => r.receiveSome());
          events.push("receiver: closed");
        });
        await waitAllTasksBlocked();
        r.close();
      });
      const [s2] = memoryStreamOneWayPair();
      await openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          await assertRaises(ClosedResourceError, () => s2.sendAll("x"));
          events.push("sender: closed");
        });
        s2.close();
      });
      await assertRaises(BrokenResourceError, () => s.sendAll("x"));
      expect(events).toEqual(["receiver: closed", "sender: closed"]);
    }),
  );

  it(
    "async iteration yields the chunks until the end of the stream; break leaves the stream open",
    trioTest(async () => {
      const [a, b] = memoryStreamPair();
      const chunks: string[] = [];
      await openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          for await (const chunk of b) chunks.push(text(chunk));
        });
        await waitAllTasksBlocked();
        await a.sendAll("one");
        await waitAllTasksBlocked();
        await a.sendAll("two");
        await a.sendEof();
      });
      expect(chunks).toEqual(["one", "two"]);

      const [s, r] = memoryStreamOneWayPair();
      await s.sendAll("x");
      for await (const chunk of r) {
        assertBytes(chunk, "x");
        break;
      }
      await s.sendAll("y");
      assertBytes(await r.receiveSome(), "y");
    }),
  );

  it(
    "await using closes both ends; asyncDispose never throws Cancelled, aclose does after closing",
    trioTest(async () => {
      let sent: MemorySendStream | undefined;
      let received: MemoryReceiveStream | undefined;
      {
        await using s = new MemorySendStream();
        await using r = new MemoryReceiveStream();
        sent = s;
        received = r;
      }
      await assertRaises(ClosedResourceError, () => sent.sendAll("x"));
      await assertRaises(ClosedResourceError, () => received.receiveSome());

      const events: string[] = [];
      await new trio.CancelScope().run(async (scope) => {
        scope.cancel();
        const [s, r] = memoryStreamOneWayPair();
        await s[Symbol.asyncDispose]();
        await r[Symbol.asyncDispose]();
        events.push("disposed without Cancelled");
        const [s2] = memoryStreamOneWayPair();
        try {
          await s2.aclose();
        } catch (error) {
          events.push(`aclose: ${(error as Error).name}, then getData: ${s2.getDataNowait().length} bytes (closed)`);
          throw error;
        }
      });
      expect(events[0]).toBe("disposed without Cancelled");
      expect(events[1]).toBe("aclose: Cancelled, then getData: 0 bytes (closed)");

      const s3 = new MemorySendStream();
      s3[Symbol.dispose]();
      await assertRaises(ClosedResourceError, () => s3.waitSendAllMightNotBlock());
    }),
  );

  it(
    "getData is guarded against two concurrent readers; getDataNowait throws BusyResourceError during it",
    trioTest(async () => {
      const mss = new MemorySendStream();
      await openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          assertBytes(await mss.getData(), "late");
        });
        await waitAllTasksBlocked();
        expect(() => mss.getDataNowait()).toThrow(BusyResourceError);
        expect(() => mss.getDataNowait()).toThrow("another task is already fetching data");
        await mss.sendAll("late");
      });
    }),
  );

  it(
    "the trickle example of memoryStreamPair's documentation, under a MockClock",
    trioTest(async () => {
      const [left, right] = memoryStreamPair();
      const events: string[] = [];
      left.sendStream.sendAllHook = async () => {
        while (memoryStreamPump(left.sendStream, right.receiveStream, { maxBytes: 1 })) {
          await trio.sleep(1);
        }
      };
      await openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          await left.sendAll("123");
          await left.sendEof();
        });
        nursery.startSoon(async () => {
          for await (const data of right) events.push(`${trio.currentTime()}: ${text(data)}`);
          events.push(`${trio.currentTime()}: eof`);
        });
      });
      expect(events).toEqual(["0: 1", "1: 2", "2: 3", "3: eof"]);
    }, new MockClock({ autojumpThreshold: 0 })),
  );
});

describe("lockstep streams", () => {
  it(
    "sendAll returns only once every byte was received",
    trioTest(async () => {
      const [s, r] = lockstepStreamOneWayPair();
      const events: string[] = [];
      await openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          await s.sendAll("abcd");
          events.push("sent");
        });
        await waitAllTasksBlocked();
        events.push(`got ${text(await r.receiveSome(3))}`);
        await waitAllTasksBlocked();
        events.push(`got ${text(await r.receiveSome(3))}`);
      });
      expect(events).toEqual(["got abc", "got d", "sent"]);
    }),
  );

  it(
    "a sendAll cancelled before its data was taken breaks the stream (Trio asserts)",
    trioTest(async () => {
      const [s, r] = lockstepStreamOneWayPair();
      await trio.moveOnAfter(0, () => s.sendAll("stuck"));
      await assertRaises(BrokenResourceError, () => s.sendAll("next"));
      // The receiver still gets the bytes that were handed over.
      assertBytes(await r.receiveSome(), "stuck");
      s.close();
      assertBytes(await r.receiveSome(), "");
    }),
  );

  it(
    "sync close() on both ends; receive after the sender closes is the end of the stream",
    trioTest(async () => {
      const [s, r] = lockstepStreamOneWayPair();
      s.close();
      assertBytes(await r.receiveSome(), "");
      r.close();
      await assertRaises(ClosedResourceError, () => r.receiveSome());
      await assertRaises(ClosedResourceError, () => s.sendAll("x"));
      const [s2, r2] = lockstepStreamOneWayPair();
      r2.close();
      await assertRaises(BrokenResourceError, () => s2.sendAll("x"));
      await s2.waitSendAllMightNotBlock();
    }),
  );

  it(
    "a lockstep pair's sendEof closes the send half",
    trioTest(async () => {
      const [a, b] = lockstepStreamPair();
      await a.sendEof();
      assertBytes(await b.receiveSome(), "");
      await assertRaises(ClosedResourceError, () => a.sendAll("x"));
      await openNursery(async (nursery) => {
        nursery.startSoon(() => b.sendAll("back"));
        assertBytes(await a.receiveSome(), "back");
      });
    }),
  );
});

describe("flavor", () => {
  it("Trio-flavored methods reject with FlavorError outside a Trio task, and leave the stream untouched", async () => {
    const [s, r] = memoryStreamOneWayPair();
    const [ls, lr] = lockstepStreamOneWayPair();
    const calls: [string, () => Promise<unknown>][] = [
      ["MemorySendStream.sendAll()", () => s.sendAll("x")],
      ["MemorySendStream.waitSendAllMightNotBlock()", () => s.waitSendAllMightNotBlock()],
      ["MemorySendStream.aclose()", () => s.aclose()],
      ["MemorySendStream[Symbol.asyncDispose]()", () => s[Symbol.asyncDispose]()],
      ["MemorySendStream.getData()", () => s.getData()],
      ["MemoryReceiveStream.receiveSome()", () => r.receiveSome()],
      ["MemoryReceiveStream.aclose()", () => r.aclose()],
      ["MemoryReceiveStream[Symbol.asyncDispose]()", () => r[Symbol.asyncDispose]()],
      ["MemoryReceiveStream.receiveSome()", () => r[Symbol.asyncIterator]().next()],
      ["lockstep SendStream.sendAll()", () => ls.sendAll("x")],
      ["lockstep SendStream.waitSendAllMightNotBlock()", () => ls.waitSendAllMightNotBlock()],
      ["lockstep SendStream.aclose()", () => ls.aclose()],
      ["lockstep ReceiveStream.receiveSome()", () => lr.receiveSome()],
      ["lockstep ReceiveStream.aclose()", () => lr.aclose()],
    ];
    for (const [name, call] of calls) {
      const error = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, name).toBeInstanceOf(FlavorError);
      expect((error as Error).message, name).toContain(name);
    }
    // Nothing was closed or busied by the refused calls.
    r.putData("still open");
    await trio.run(async () => {
      await s.sendAll("fine");
      assertBytes(await r.receiveSome(), "still openfine");
      await openNursery(async (nursery) => {
        nursery.startSoon(() => ls.sendAll("ok"));
        assertBytes(await lr.receiveSome(), "ok");
      });
    });
  });

  it("from asyncio-flavored code the error names the call", async () => {
    const [s, r] = memoryStreamOneWayPair();
    const messages = await trio.run(async () =>
      openLoop(async () =>
        aioAsTrio(async () => {
          await asyncio.sleep(0);
          const out: string[] = [];
          for (const call of [() => s.sendAll("x"), () => r.receiveSome(), () => trio.acloseForcefully(r)]) {
            out.push(await call().then(() => "no error", (e: unknown) => `${(e as Error).name}: ${(e as Error).message}`));
          }
          return out;
        })(),
      ),
    );
    expect(messages).toHaveLength(3);
    expect(messages[0]).toMatch(/^FlavorError: .*MemorySendStream\.sendAll\(\)/);
    expect(messages[1]).toMatch(/^FlavorError: .*MemoryReceiveStream\.receiveSome\(\)/);
    expect(messages[2]).toMatch(/^FlavorError: .*trio\.acloseForcefully\(\)/);
  });

  it("the sync members work outside any run", () => {
    const [s, r] = memoryStreamOneWayPair();
    expect(memoryStreamPump(s, r)).toBe(false);
    r.putData("a");
    r.putEof();
    s.close();
    r.close();
    const [ls, lr] = lockstepStreamOneWayPair();
    ls.close();
    lr.close();
  });
});

describe("ConflictDetector", () => {
  it("gives BusyResourceError with its message to a second user, and is free again after exit", async () => {
    const detector = new ConflictDetector("another task is using this thing");
    expect(detector.held).toBe(false);
    detector.enter();
    expect(detector.held).toBe(true);
    expect(() => detector.enter()).toThrow(BusyResourceError);
    expect(() => detector.enter()).toThrow(/^another task is using this thing$/);
    // The failed enter did not take over or release the first use.
    expect(detector.held).toBe(true);
    detector.exit();
    expect(detector.held).toBe(false);
    detector.enter();
    detector.exit();
  });

  it(
    "hold() covers the awaits of an operation and ends it on error and on cancel",
    trioTest(async () => {
      const detector = new ConflictDetector("busy");
      const events: string[] = [];
      await openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          expect(await detector.hold(async () => {
            await trio.sleep(1);
            return "first";
          })).toBe("first");
          events.push("first done");
        });
        nursery.startSoon(async () => {
          await waitAllTasksBlocked();
          let called = false;
          await assertRaises(BusyResourceError, () =>
            detector.hold(() => {
              called = true;
            }),
          );
          events.push(`second refused, fn called: ${called}`);
        });
      });
      expect(detector.held).toBe(false);
      await assertRaises(RangeError, () =>
        detector.hold(() => {
          throw new RangeError("x");
        }),
      );
      expect(detector.held).toBe(false);
      await trio.moveOnAfter(0.5, () => detector.hold(() => trio.sleepForever()));
      expect(detector.held).toBe(false);
      expect(events).toEqual(["second refused, fn called: false", "first done"]);
    }, new MockClock({ autojumpThreshold: 0 })),
  );
});

describe("the generic stream checkers", () => {
  /**
   * Runs a checker and returns the AssertionError it failed with, taken out of the
   * nursery groups it may travel in (a failure in a child task arrives as a group).
   */
  async function checkerFailure(run: () => Promise<void>): Promise<unknown> {
    const find = (e: unknown): unknown => {
      if (!(e instanceof trio.ExceptionGroup)) return e;
      const found = e.exceptions.map(find);
      return found.find((x) => x instanceof AssertionError) ?? e;
    };
    return trio.run(async () =>
      run().then(
        () => new Error("the checker passed"),
        (e: unknown) => find(e),
      ),
    );
  }

  it("accept both spellings of the half-closeable checker", () => {
    expect(checkHalfClosableStream).toBe(checkHalfCloseableStream);
  });

  it("catch an aclose that is not a checkpoint", async () => {
    const error = await checkerFailure(() =>
      checkOneWayStream(() => {
        const [s, r] = memoryStreamOneWayPair();
        r.aclose = async () => r.close();
        return [s, r];
      }, null),
    );
    expect(error).toBeInstanceOf(AssertionError);
    expect((error as Error).message).toMatch(/did not yield/);
  });

  it("catch a receiveSome that returns text instead of bytes", async () => {
    const error = await checkerFailure(() =>
      checkOneWayStream(() => {
        const [s, r] = memoryStreamOneWayPair();
        const original = r.receiveSome.bind(r);
        r.receiveSome = async (maxBytes?: number) => text(await original(maxBytes)) as unknown as Uint8Array;
        return [s, r];
      }, null),
    );
    expect(error).toBeInstanceOf(AssertionError);
    expect((error as Error).message).toMatch(/expected a Uint8Array/);
  });

  it("catch a sendAll that is not a checkpoint", async () => {
    const error = await checkerFailure(() =>
      checkOneWayStream(() => {
        const [s, r] = memoryStreamOneWayPair();
        s.sendAll = async (data) => {
          r.putData(data);
        };
        return [s, r];
      }, null),
    );
    expect(error).toBeInstanceOf(AssertionError);
    expect((error as Error).message).toMatch(/did not yield/);
  });

  it("catch a stream that corrupts data in a large transfer", async () => {
    const error = await checkerFailure(() =>
      checkTwoWayStream(() => {
        const [a, b] = memoryStreamPair();
        const original = a.sendStream.sendAll.bind(a.sendStream);
        let sent = 0;
        a.sendStream.sendAll = (data) => {
          sent += data.length;
          // Flip one byte once the transfer is well under way.
          if (sent > 100_000 && typeof data !== "string" && data.length > 0) {
            const copy = data.slice();
            copy[0] ^= 1;
            sent = -Infinity;
            return original(copy);
          }
          return original(data);
        };
        return [a, b];
      }, null),
    );
    expect(error).toBeInstanceOf(AssertionError);
    expect((error as Error).message).toMatch(/received bytes differ/);
  });

  it("catch a half-closeable stream whose sendEof is not a checkpoint", async () => {
    const error = await checkerFailure(() =>
      checkHalfCloseableStream(() => {
        const [a, b] = memoryStreamPair();
        for (const end of [a, b]) {
          end.sendEof = async () => {
            end.sendStream.close();
          };
        }
        return [a, b];
      }, null),
    );
    expect(error).toBeInstanceOf(AssertionError);
    expect((error as Error).message).toMatch(/did not yield/);
  });

  it("pass the clogged checks only for a stream that really blocks (lockstep)", async () => {
    // Memory streams never block on send: as a clogged maker they fail the checks.
    const error = await checkerFailure(() => checkOneWayStream(() => memoryStreamOneWayPair(), () => memoryStreamOneWayPair()));
    expect(error).toBeInstanceOf(AssertionError);
  });
});
