/**
 * Generic checks for any implementation of Trio's stream interfaces, ported from
 * python-trio/trio src/trio/testing/_check_streams.py (`check_one_way_stream`,
 * `check_two_way_stream`, `check_half_closeable_stream`).
 *
 * Call them inside `trio.run`, with a "stream maker": a function returning (or
 * resolving to) a fresh connected pair. The checks close every pair they make. A
 * failure is an AssertionError (from `node:assert`) or the unexpected error itself.
 *
 *     await trio.run(() => checkHalfCloseableStream(async () => makeMySocketPair(), null));
 *
 * Differences from Trio, for the TypeScript interface: `sendAll` is also checked with a
 * Buffer, a view at an offset and a string (for bytearray and memoryview); `maxBytes`
 * is checked with `undefined` (for None); and `checkOneWayStream` ends with checks of
 * async iteration and `[Symbol.asyncDispose]`, which every ReceiveStream and
 * AsyncResource here has. A check that expects Cancelled re-throws it after checking,
 * so that its cancel scope catches it (Python's `_assert_raises` absorbs it).
 */
import { AssertionError } from "node:assert";
import { ValueError } from "../../../src/errors/builtins.js";
import * as trio from "../../../src/trio/index.js";
import type { AsyncResource, HalfCloseableStream, ReceiveStream, SendStream, Stream } from "../../../src/trio/stream-abc.js";

const { BrokenResourceError, BusyResourceError, Cancelled, CancelScope, ClosedResourceError, ExceptionGroup, acloseForcefully, openNursery } = trio;
const { assertCheckpoints, waitAllTasksBlocked } = trio.testing;

/** Makes a fresh connected pair of streams: `[sender or first end, receiver or second end]`. */
export type StreamMaker<A, B> = () => readonly [A, B] | Promise<readonly [A, B]>;

type ErrorClass = abstract new (...args: never[]) => unknown;

function fail(message: string, cause?: unknown): never {
  const error = new AssertionError({ message });
  if (cause !== undefined) error.cause = cause;
  throw error;
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) fail(message);
}

/**
 * Trio's `_assert_raises`: `fn` must throw `expected` (with `wrapped`: an ExceptionGroup
 * holding exactly one `expected`, as a strict nursery raises). Any other error passes
 * through unchanged; nothing thrown is an AssertionError.
 */
export async function assertRaises(expected: ErrorClass, fn: () => unknown, wrapped = false): Promise<void> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof ExceptionGroup) {
      check(wrapped, `caught an ExceptionGroup, but expected an unwrapped ${expected.name}: ${String(error)}`);
      check(error.exceptions.length === 1, `expected a group of one ${expected.name}, got ${error.exceptions.length} errors`);
      check(error.exceptions[0] instanceof expected, `expected a group of one ${expected.name}, got ${String(error.exceptions[0])}`);
      return;
    }
    if (error instanceof expected) {
      check(!wrapped, `caught ${expected.name}, but expected an ExceptionGroup holding it`);
      return;
    }
    throw error;
  }
  fail(`expected exception: ${expected.name}`);
}

/** Bytes from a Latin-1 string, one byte per character (as Python's `b"..."`). */
export function bytes(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function show(data: Uint8Array): string {
  return JSON.stringify(String.fromCharCode(...data.subarray(0, 64))) + (data.length > 64 ? `... (${data.length} bytes)` : "");
}

/** Checks that `data` is a Uint8Array holding exactly the bytes of `expected`. */
export function assertBytes(data: unknown, expected: string | Uint8Array): void {
  const want = typeof expected === "string" ? bytes(expected) : expected;
  check(data instanceof Uint8Array, `expected a Uint8Array, got ${String(data)}`);
  check(
    data.length === want.length && data.every((byte, i) => byte === want[i]),
    `expected ${show(want)}, got ${show(data)}`,
  );
}

/** A short name for a value in a message (its class, or its type). */
function describe(value: unknown): string {
  if (typeof value !== "object" || value === null) return String(value);
  return `a ${(value as { constructor?: { name?: string } }).constructor?.name ?? "object"}`;
}

function hasMethods(value: unknown, names: readonly (string | symbol)[]): boolean {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string | symbol, unknown>;
  return names.every((name) => typeof record[name] === "function");
}

const RESOURCE = ["aclose", Symbol.asyncDispose] as const;
const isSendStream = (v: unknown): v is SendStream => hasMethods(v, [...RESOURCE, "sendAll", "waitSendAllMightNotBlock"]);
const isReceiveStream = (v: unknown): v is ReceiveStream => hasMethods(v, [...RESOURCE, "receiveSome", Symbol.asyncIterator]);
const isStream = (v: unknown): v is Stream => isSendStream(v) && isReceiveStream(v);
const isHalfCloseable = (v: unknown): v is HalfCloseableStream => isStream(v) && hasMethods(v, ["sendEof"]);

/** Trio's `_ForceCloseBoth`: runs `body`, then closes both resources forcefully, whatever happened. */
async function forceCloseBoth(pair: readonly [AsyncResource, AsyncResource], body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } finally {
    try {
      await acloseForcefully(pair[0]);
    } finally {
      await acloseForcefully(pair[1]);
    }
  }
}

/** `fn(...args)` must throw Cancelled, which is re-thrown for its cancel scope to catch. */
async function expectCancelled<A extends unknown[]>(fn: (...args: A) => Promise<unknown>, ...args: A): Promise<void> {
  try {
    await fn(...args);
  } catch (error) {
    if (error instanceof Cancelled) throw error;
    fail(`expected Cancelled, got ${String(error)}`, error);
  }
  fail("expected Cancelled, but the call returned");
}

/**
 * Trio's `check_one_way_stream`: generic checks of a SendStream/ReceiveStream pair made
 * by `streamMaker`. `cloggedStreamMaker`, if not null, makes pairs where `sendAll` and
 * `waitSendAllMightNotBlock` block until `receiveSome` is called; it enables the checks
 * of `waitSendAllMightNotBlock` and of busy and closed errors during blocked sends.
 * Trio-flavored.
 */
export async function checkOneWayStream(
  streamMaker: StreamMaker<SendStream, ReceiveStream>,
  cloggedStreamMaker: StreamMaker<SendStream, ReceiveStream> | null,
): Promise<void> {
  // The helpers below act on the current pair, as the Python closures do.
  let s!: SendStream;
  let r!: ReceiveStream;
  const withPair = async (maker: StreamMaker<SendStream, ReceiveStream>, body: () => Promise<void>): Promise<void> => {
    const pair = await maker();
    [s, r] = pair;
    await forceCloseBoth(pair, body);
  };

  const doSendAll = async (data: Uint8Array | string): Promise<void> => {
    await assertCheckpoints(async () => {
      // We're testing that it doesn't return anything.
      check((await s.sendAll(data)) === undefined, "sendAll() returned a value");
    });
  };
  const doReceiveSome = (maxBytes?: number): Promise<Uint8Array> => assertCheckpoints(() => r.receiveSome(maxBytes));
  const checkedReceive1 = async (expected: string): Promise<void> => {
    assertBytes(await doReceiveSome(1), expected);
  };
  const doAclose = (resource: AsyncResource): Promise<void> => assertCheckpoints(() => resource.aclose());

  await withPair(streamMaker, async () => {
    check(isSendStream(s), `stream maker's first stream is not a SendStream: ${describe(s)}`);
    check(isReceiveStream(r), `stream maker's second stream is not a ReceiveStream: ${describe(r)}`);

    // Simple sending/receiving
    await openNursery(async (nursery) => {
      nursery.startSoon(doSendAll, bytes("x"));
      nursery.startSoon(checkedReceive1, "x");
    });

    // Streams should tolerate sending an empty array without giving it any special meaning.
    await openNursery(async (nursery) => {
      nursery.startSoon(async () => {
        await doSendAll(new Uint8Array(0));
        await doSendAll(bytes("y"));
      });
      nursery.startSoon(checkedReceive1, "y");
    });

    // ---- Checking various argument types ----

    // sendAll accepts a Buffer, a view into a larger buffer, and a string (as UTF-8)
    await openNursery(async (nursery) => {
      nursery.startSoon(doSendAll, Buffer.from("1"));
      nursery.startSoon(checkedReceive1, "1");
    });
    await openNursery(async (nursery) => {
      nursery.startSoon(doSendAll, bytes("_2_").subarray(1, 2));
      nursery.startSoon(checkedReceive1, "2");
    });
    await openNursery(async (nursery) => {
      nursery.startSoon(doSendAll, "3");
      nursery.startSoon(checkedReceive1, "3");
    });

    // maxBytes must be a positive integer
    await assertRaises(ValueError, () => r.receiveSome(-1));
    await assertRaises(ValueError, () => r.receiveSome(0));
    await assertRaises(TypeError, () => r.receiveSome(1.5));
    // it can also be missing or undefined
    await openNursery(async (nursery) => {
      nursery.startSoon(doSendAll, bytes("x"));
      assertBytes(await doReceiveSome(), "x");
    });
    await openNursery(async (nursery) => {
      nursery.startSoon(doSendAll, bytes("x"));
      assertBytes(await doReceiveSome(undefined), "x");
    });

    await assertRaises(
      BusyResourceError,
      () =>
        openNursery(async (nursery) => {
          nursery.startSoon(doReceiveSome, 1);
          nursery.startSoon(doReceiveSome, 1);
        }),
      true,
    );

    // The method always has to exist, and an empty stream with a blocked receiveSome
    // should *always* allow sendAll. (Technically it's legal for sendAll to wait until
    // receiveSome is called to run, though; a stream doesn't *have* to have any internal
    // buffering. That's why we start a concurrent receiveSome call, then cancel it.)
    const simpleCheckWaitSendAllMightNotBlock = async (scope: trio.CancelScope): Promise<void> => {
      await assertCheckpoints(() => s.waitSendAllMightNotBlock());
      scope.cancel();
    };
    await openNursery(async (nursery) => {
      nursery.startSoon(simpleCheckWaitSendAllMightNotBlock, nursery.cancelScope);
      nursery.startSoon(doReceiveSome, 1);
    });

    // closing the r side leads to BrokenResourceError on the s side (eventually)
    const expectBrokenStreamOnSend = (): Promise<void> =>
      assertRaises(BrokenResourceError, async () => {
        for (;;) await doSendAll(bytes("x".repeat(100)));
      });
    await openNursery(async (nursery) => {
      nursery.startSoon(expectBrokenStreamOnSend);
      nursery.startSoon(doAclose, r);
    });

    // once detected, the stream stays broken
    await assertRaises(BrokenResourceError, () => doSendAll(bytes("x".repeat(100))));

    // r closed -> ClosedResourceError on the receive side
    await assertRaises(ClosedResourceError, () => doReceiveSome(4096));

    // we can close the same stream repeatedly, it's fine
    await doAclose(r);
    await doAclose(r);

    // closing the sender side
    await doAclose(s);

    // now trying to send raises ClosedResourceError
    await assertRaises(ClosedResourceError, () => doSendAll(bytes("x".repeat(100))));

    // even if it's an empty send
    await assertRaises(ClosedResourceError, () => doSendAll(new Uint8Array(0)));

    // ditto for waitSendAllMightNotBlock
    await assertRaises(ClosedResourceError, () => assertCheckpoints(() => s.waitSendAllMightNotBlock()));

    // and again, repeated closing is fine
    await doAclose(s);
    await doAclose(s);
  });

  await withPair(streamMaker, async () => {
    // if send-then-graceful-close, receiver gets data then an empty array
    const sendThenClose = async (): Promise<void> => {
      await doSendAll(bytes("y"));
      await doAclose(s);
    };
    const receiveSendThenClose = async (): Promise<void> => {
      // We want to make sure that if the sender closes the stream before we read
      // anything, then we still get all the data. But some streams might block on the
      // doSendAll call. So we let the sender get as far as it can, then we receive.
      await waitAllTasksBlocked();
      await checkedReceive1("y");
      await checkedReceive1("");
      await doAclose(r);
    };
    await openNursery(async (nursery) => {
      nursery.startSoon(sendThenClose);
      nursery.startSoon(receiveSendThenClose);
    });
  });

  await withPair(streamMaker, async () => {
    await acloseForcefully(r);
    await assertRaises(BrokenResourceError, async () => {
      for (;;) await doSendAll(bytes("x".repeat(100)));
    });
    await assertRaises(ClosedResourceError, () => doReceiveSome(4096));
  });

  await withPair(streamMaker, async () => {
    await acloseForcefully(s);
    await assertRaises(ClosedResourceError, () => doSendAll(bytes("123")));
    // after the sender does a forceful close, the receiver might either get
    // BrokenResourceError or a clean end of stream; either is OK. Not OK would be if it
    // freezes, or returns data.
    try {
      await checkedReceive1("");
    } catch (error) {
      if (!(error instanceof BrokenResourceError)) throw error;
    }
  });

  // cancelled aclose still closes
  await withPair(streamMaker, async () => {
    await new CancelScope().run(async (scope) => {
      scope.cancel();
      await r.aclose();
    });
    await new CancelScope().run(async (scope) => {
      scope.cancel();
      await s.aclose();
    });
    await assertRaises(ClosedResourceError, () => doSendAll(bytes("123")));
    await assertRaises(ClosedResourceError, () => doReceiveSome(4096));
  });

  // Check that we can still gracefully close a stream after an operation has been
  // cancelled. This can be challenging if cancellation can leave the stream internals
  // in an inconsistent state, e.g. for TLS streams. (Not very thorough: the really
  // challenging case is a cancel *while* sending on the underlying transport, which
  // needs special handling of the particular stream.)
  await withPair(streamMaker, async () => {
    await new CancelScope().run(async (scope) => {
      scope.cancel();
      await openNursery(async (nursery) => {
        nursery.startSoon(expectCancelled, doSendAll, bytes("x"));
        nursery.startSoon(expectCancelled, doReceiveSome, 1);
      });
    });
    await openNursery(async (nursery) => {
      nursery.startSoon(doAclose, s);
      nursery.startSoon(doAclose, r);
    });
  });

  // Check that if a task is blocked in receiveSome, then closing the receive stream
  // causes it to wake up.
  await withPair(streamMaker, async () => {
    const receiveExpectingClosed = (): Promise<void> => assertRaises(ClosedResourceError, () => r.receiveSome(10));
    await openNursery(async (nursery) => {
      nursery.startSoon(receiveExpectingClosed);
      await waitAllTasksBlocked();
      await acloseForcefully(r);
    });
  });

  // check waitSendAllMightNotBlock, if we can
  if (cloggedStreamMaker !== null) {
    await withPair(cloggedStreamMaker, async () => {
      const record: string[] = [];
      const waiter = async (cancelScope: trio.CancelScope): Promise<void> => {
        record.push("waiter sleeping");
        await assertCheckpoints(() => s.waitSendAllMightNotBlock());
        record.push("waiter wokeup");
        cancelScope.cancel();
      };
      const receiver = async (): Promise<void> => {
        // give waitSendAllMightNotBlock a chance to block
        await waitAllTasksBlocked();
        record.push("receiver starting");
        for (;;) await r.receiveSome(16834);
      };
      await openNursery(async (nursery) => {
        nursery.startSoon(waiter, nursery.cancelScope);
        await waitAllTasksBlocked();
        nursery.startSoon(receiver);
      });
      check(
        record.join() === ["waiter sleeping", "receiver starting", "waiter wokeup"].join(),
        `unexpected order of events: ${JSON.stringify(record)}`,
      );
    });

    await withPair(cloggedStreamMaker, async () => {
      // simultaneous waitSendAllMightNotBlock fails
      await assertRaises(
        BusyResourceError,
        () =>
          openNursery(async (nursery) => {
            nursery.startSoon(() => s.waitSendAllMightNotBlock());
            nursery.startSoon(() => s.waitSendAllMightNotBlock());
          }),
        true,
      );
      // and simultaneous sendAll and waitSendAllMightNotBlock (NB this might destroy the
      // stream, because we end up cancelling sendAll, which e.g. a TLS stream cannot
      // handle; so we make a fresh one afterwards)
      await assertRaises(
        BusyResourceError,
        () =>
          openNursery(async (nursery) => {
            nursery.startSoon(() => s.waitSendAllMightNotBlock());
            nursery.startSoon(() => s.sendAll(bytes("123")));
          }),
        true,
      );
    });

    await withPair(cloggedStreamMaker, async () => {
      // sendAll and sendAll blocked simultaneously should also fail (but again this
      // might destroy the stream)
      await assertRaises(
        BusyResourceError,
        () =>
          openNursery(async (nursery) => {
            nursery.startSoon(() => s.sendAll(bytes("123")));
            nursery.startSoon(() => s.sendAll(bytes("123")));
          }),
        true,
      );
    });

    // closing the receiver causes waitSendAllMightNotBlock to return, with or without
    // an error
    await withPair(cloggedStreamMaker, async () => {
      const sender = async (): Promise<void> => {
        try {
          await assertCheckpoints(() => s.waitSendAllMightNotBlock());
        } catch (error) {
          if (!(error instanceof BrokenResourceError)) throw error;
        }
      };
      const receiver = async (): Promise<void> => {
        await waitAllTasksBlocked();
        await acloseForcefully(r);
      };
      await openNursery(async (nursery) => {
        nursery.startSoon(sender);
        nursery.startSoon(receiver);
      });
    });

    // and again with the call starting after the close
    await withPair(cloggedStreamMaker, async () => {
      await acloseForcefully(r);
      try {
        await assertCheckpoints(() => s.waitSendAllMightNotBlock());
      } catch (error) {
        if (!(error instanceof BrokenResourceError)) throw error;
      }
    });

    // Check that if a task is blocked in a send-side method, then closing the send
    // stream causes it to wake up.
    const closeSoon = async (stream: SendStream): Promise<void> => {
      await waitAllTasksBlocked();
      await acloseForcefully(stream);
    };
    await withPair(cloggedStreamMaker, async () => {
      await openNursery(async (nursery) => {
        nursery.startSoon(closeSoon, s);
        await assertRaises(ClosedResourceError, () => s.sendAll(bytes("xyzzy")));
      });
    });
    await withPair(cloggedStreamMaker, async () => {
      await openNursery(async (nursery) => {
        nursery.startSoon(closeSoon, s);
        await assertRaises(ClosedResourceError, () => s.waitSendAllMightNotBlock());
      });
    });
  }

  // ---- Not in Trio: the TypeScript interface's async iteration and disposal ----
  await withPair(streamMaker, async () => {
    const received: number[] = [];
    await openNursery(async (nursery) => {
      nursery.startSoon(async () => {
        await doSendAll(bytes("ab"));
        await doSendAll(bytes("cd"));
        await doAclose(s);
      });
      for await (const chunk of r) {
        check(chunk instanceof Uint8Array && chunk.length > 0, `async iteration yielded ${String(chunk)}`);
        received.push(...chunk);
      }
    });
    assertBytes(Uint8Array.from(received), "abcd");
    await r[Symbol.asyncDispose]();
    await assertRaises(ClosedResourceError, () => r.receiveSome(1));
  });
  await withPair(streamMaker, async () => {
    await s[Symbol.asyncDispose]();
    await assertRaises(ClosedResourceError, () => s.sendAll(bytes("x")));
    await s[Symbol.asyncDispose]();
  });
}

/** A seeded pseudo-random generator (mulberry32), standing in for Python's `random.Random(seed)`. */
function makeRandom(seed: number): { randint(low: number, high: number): number } {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { randint: (low, high) => low + Math.floor(next() * (high - low + 1)) };
}

/**
 * Trio's `check_two_way_stream`: everything `checkOneWayStream` checks, in both
 * directions, plus a large duplex transfer and a close seen from the other end. The
 * makers return two connected `Stream`s. Trio-flavored.
 */
export async function checkTwoWayStream(
  streamMaker: StreamMaker<Stream, Stream>,
  cloggedStreamMaker: StreamMaker<Stream, Stream> | null,
): Promise<void> {
  await checkOneWayStream(streamMaker, cloggedStreamMaker);

  const flip =
    (maker: StreamMaker<Stream, Stream>): StreamMaker<Stream, Stream> =>
    async () => {
      const [a, b] = await maker();
      return [b, a];
    };
  await checkOneWayStream(flip(streamMaker), cloggedStreamMaker === null ? null : flip(cloggedStreamMaker));

  const pair = await streamMaker();
  const [s1, s2] = pair;
  await forceCloseBoth(pair, async () => {
    check(isStream(s1), `stream maker's first stream is not a Stream: ${describe(s1)}`);
    check(isStream(s2), `stream maker's second stream is not a Stream: ${describe(s2)}`);

    // Duplex can be a bit tricky, might as well check it as well
    const DUPLEX_TEST_SIZE = 2 ** 20;
    const CHUNK_SIZE_MAX = 2 ** 14;

    const random = makeRandom(0);
    const testData = Uint8Array.from({ length: DUPLEX_TEST_SIZE }, () => random.randint(0, 255));
    const reversed = testData.slice().reverse();

    const sender = async (s: Stream, data: Uint8Array, seed: number): Promise<void> => {
      const r = makeRandom(seed);
      let m = data;
      while (m.length > 0) {
        const chunkSize = r.randint(1, CHUNK_SIZE_MAX);
        await s.sendAll(m.subarray(0, chunkSize));
        m = m.subarray(chunkSize);
      }
    };
    const receiver = async (s: Stream, data: Uint8Array, seed: number): Promise<void> => {
      const r = makeRandom(seed);
      const got = new Uint8Array(data.length);
      let filled = 0;
      while (filled < data.length) {
        const chunk = await s.receiveSome(r.randint(1, CHUNK_SIZE_MAX));
        check(chunk.length > 0, "receiveSome() returned the end of the stream in the middle of the data");
        check(filled + chunk.length <= data.length, "received more bytes than were sent");
        got.set(chunk, filled);
        filled += chunk.length;
      }
      check(Buffer.compare(got, data) === 0, "the received bytes differ from the sent ones");
    };

    await openNursery(async (nursery) => {
      nursery.startSoon(sender, s1, testData, 0);
      nursery.startSoon(sender, s2, reversed, 1);
      nursery.startSoon(receiver, s1, reversed, 2);
      nursery.startSoon(receiver, s2, testData, 3);
    });

    const expectReceiveSomeEmpty = async (): Promise<void> => {
      assertBytes(await s2.receiveSome(10), "");
      await s2.aclose();
    };
    await openNursery(async (nursery) => {
      nursery.startSoon(expectReceiveSomeEmpty);
      nursery.startSoon(() => s1.aclose());
    });
  });
}

/**
 * Trio's `check_half_closeable_stream`: everything `checkTwoWayStream` checks, plus
 * `sendEof` (the peer sees the end of the stream, sending is then closed, `sendEof`
 * again is fine, the other direction still works) and, with a clogged maker, its
 * conflicts with a blocked `sendAll` or `waitSendAllMightNotBlock`. Trio-flavored.
 */
export async function checkHalfCloseableStream(
  streamMaker: StreamMaker<HalfCloseableStream, HalfCloseableStream>,
  cloggedStreamMaker: StreamMaker<HalfCloseableStream, HalfCloseableStream> | null,
): Promise<void> {
  await checkTwoWayStream(streamMaker, cloggedStreamMaker);

  const sendXThenEof = async (s: HalfCloseableStream): Promise<void> => {
    await s.sendAll(bytes("x"));
    await assertCheckpoints(() => s.sendEof());
  };
  const expectXThenEof = async (r: HalfCloseableStream): Promise<void> => {
    await waitAllTasksBlocked();
    assertBytes(await r.receiveSome(10), "x");
    assertBytes(await r.receiveSome(10), "");
  };

  const pair = await streamMaker();
  const [s1, s2] = pair;
  await forceCloseBoth(pair, async () => {
    check(isHalfCloseable(s1), `stream maker's first stream is not a HalfCloseableStream: ${describe(s1)}`);
    check(isHalfCloseable(s2), `stream maker's second stream is not a HalfCloseableStream: ${describe(s2)}`);

    await openNursery(async (nursery) => {
      nursery.startSoon(sendXThenEof, s1);
      nursery.startSoon(expectXThenEof, s2);
    });

    // now sending is disallowed
    await assertRaises(ClosedResourceError, () => s1.sendAll(bytes("y")));

    // but we can do sendEof again
    await assertCheckpoints(() => s1.sendEof());

    // and we can still send stuff back the other way
    await openNursery(async (nursery) => {
      nursery.startSoon(sendXThenEof, s2);
      nursery.startSoon(expectXThenEof, s1);
    });
  });

  if (cloggedStreamMaker !== null) {
    const clogged1 = await cloggedStreamMaker();
    await forceCloseBoth(clogged1, async () => {
      const c1 = clogged1[0];
      // sendAll and sendEof simultaneously is not ok
      await assertRaises(
        BusyResourceError,
        () =>
          openNursery(async (nursery) => {
            nursery.startSoon(() => c1.sendAll(bytes("x")));
            await waitAllTasksBlocked();
            nursery.startSoon(() => c1.sendEof());
          }),
        true,
      );
    });

    const clogged2 = await cloggedStreamMaker();
    await forceCloseBoth(clogged2, async () => {
      const c1 = clogged2[0];
      // waitSendAllMightNotBlock and sendEof simultaneously is not ok either
      await assertRaises(
        BusyResourceError,
        () =>
          openNursery(async (nursery) => {
            nursery.startSoon(() => c1.waitSendAllMightNotBlock());
            await waitAllTasksBlocked();
            nursery.startSoon(() => c1.sendEof());
          }),
        true,
      );
    });
  }
}

/** The same as `checkHalfCloseableStream` (the spelling some callers use). */
export const checkHalfClosableStream = checkHalfCloseableStream;
