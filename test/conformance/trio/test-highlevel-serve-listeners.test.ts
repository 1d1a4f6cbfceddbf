// Ported from python-trio/trio src/trio/_tests/test_highlevel_serve_listeners.py
//
// As in Trio, the listeners are in-memory: MemoryListener hands out memoryStreamPair
// ends through a memory channel, so these tests need no sockets.
import os from "node:os";
import { describe, expect, it } from "vitest";
import * as trio from "../../../src/trio/index.js";
import type { Listener } from "../../../src/trio/stream-abc.js";
import type { MemoryReceiveStream, MemorySendStream } from "../../../src/trio/testing/index.js";

const { MockClock, memoryStreamPair, waitAllTasksBlocked } = trio.testing;
const { checkpoint } = trio.lowlevel;

type StapledMemoryStream = trio.StapledStream<MemorySendStream, MemoryReceiveStream>;

/**
 * Adapted: `trio.serveListeners` is typed for listeners of SocketStreams; Trio's
 * serve_listeners takes any Listener, and so does this one at run time.
 */
const serveListeners = trio.serveListeners;

/** Adapted: Trio passes `None` as the handler where it is never called; a function must be given here. */
const unusedHandler = async (): Promise<void> => {
  throw new Error("the handler should not be called");
};

class MemoryListener implements Listener<StapledMemoryStream> {
  closed = false;
  readonly acceptedStreams: StapledMemoryStream[] = [];
  readonly queuedStreams = trio.openMemoryChannel<StapledMemoryStream>(1);
  acceptHook: (() => Promise<unknown>) | null = null;

  async connect(): Promise<StapledMemoryStream> {
    expect(this.closed).toBe(false);
    const [client, server] = memoryStreamPair();
    await this.queuedStreams[0].send(server);
    return client;
  }

  async accept(): Promise<StapledMemoryStream> {
    await checkpoint();
    expect(this.closed).toBe(false);
    if (this.acceptHook !== null) await this.acceptHook();
    const stream = await this.queuedStreams[1].receive();
    this.acceptedStreams.push(stream);
    return stream;
  }

  async aclose(): Promise<void> {
    this.closed = true;
    await checkpoint();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.aclose();
  }
}

/** An OSError as Node reports a failed accept (`code`, negative `errno`, `syscall`). */
function acceptError(code: keyof typeof os.constants.errno, message: string): trio.OSError {
  return new trio.OSError(message, { code, errno: -os.constants.errno[code], syscall: "accept" });
}

const text = (data: Uint8Array): string => new TextDecoder().decode(data);

describe("test_highlevel_serve_listeners", () => {
  it("test_serve_listeners_basic", async () => {
    await trio.run(async () => {
      const listeners = [new MemoryListener(), new MemoryListener()];

      const record: string[] = [];

      const closeHook = (): void => {
        // Make sure this is a forceful close
        expect(trio.currentEffectiveDeadline()).toBe(-Infinity);
        record.push("closed");
      };

      const handler = async (stream: StapledMemoryStream): Promise<void> => {
        await stream.sendAll("123");
        expect(text(await stream.receiveSome(10))).toBe("456");
        stream.sendStream.closeHook = closeHook;
        stream.receiveStream.closeHook = closeHook;
      };

      const client = async (listener: MemoryListener): Promise<void> => {
        const s = await listener.connect();
        expect(text(await s.receiveSome(10))).toBe("123");
        await s.sendAll("456");
      };

      const doTests = async (parentNursery: trio.Nursery): Promise<void> => {
        await trio.openNursery(async (nursery) => {
          for (const listener of listeners) {
            for (let i = 0; i < 3; i++) nursery.startSoon(client, listener);
          }
        });

        await waitAllTasksBlocked();

        // verifies that all 6 streams x 2 directions each were closed ok
        expect(record).toHaveLength(12);

        parentNursery.cancelScope.cancel();
      };

      await trio.openNursery(async (nursery) => {
        const l2 = await nursery.start((status: trio.TaskStatus<MemoryListener[]>) => serveListeners(handler, listeners, { taskStatus: status }));
        expect(l2).toEqual(listeners);
        nursery.startSoon(doTests, nursery);
      });

      for (const listener of listeners) expect(listener.closed).toBe(true);
    });
  });

  it("test_serve_listeners_accept_unrecognized_error", async () => {
    await trio.run(async () => {
      for (const error of [new Error("KeyError"), acceptError("ECONNABORTED", "ECONNABORTED")]) {
        const listener = new MemoryListener();
        listener.acceptHook = async () => {
          throw error;
        };

        const outcome = await serveListeners(unusedHandler, [listener]).then(
          () => null,
          (e: unknown) => e,
        );
        // One group (the nursery's) holding exactly this error.
        expect(outcome).toBeInstanceOf(trio.ExceptionGroup);
        expect((outcome as trio.ExceptionGroup).exceptions).toHaveLength(1);
        expect((outcome as trio.ExceptionGroup).exceptions[0]).toBe(error);
      }
    });
  });

  // Adapted: Trio logs each retry ("retrying", with the OSError) through the
  // "trio.serve_listeners" logger; this library has no Trio logger, so the test counts
  // the accept attempts instead of the log records.
  it("test_serve_listeners_accept_capacity_error", async () => {
    const clock = new MockClock({ autojumpThreshold: 0 });
    await trio.run({ clock }, async () => {
      const listener = new MemoryListener();
      let attempts = 0;

      listener.acceptHook = async () => {
        attempts++;
        throw acceptError("EMFILE", "out of file descriptors");
      };

      // It retries every 100 ms, so in 950 ms it will retry at 0, 100, ..., 900 = 10
      // times total
      await trio.moveOnAfter(0.95, () => serveListeners(unusedHandler, [listener]));

      expect(attempts).toBe(10);
      expect(trio.currentTime()).toBeCloseTo(0.95, 9);
    });
  });

  it("test_serve_listeners_connection_nursery", async () => {
    const clock = new MockClock({ autojumpThreshold: 0 });
    await trio.run({ clock }, async () => {
      const listener = new MemoryListener();

      const handler = async (): Promise<void> => {
        await trio.sleep(1);
      };

      class Done extends Error {}

      const connectionWatcher = async (status: trio.TaskStatus<trio.Nursery>): Promise<never> => {
        await trio.openNursery(async (nursery) => {
          status.started(nursery);
          await waitAllTasksBlocked();
          expect(nursery.childTasks.size).toBe(10);
          throw new Done();
        });
        throw new Error("unreachable");
      };

      // the exception is wrapped twice because we open two nested nurseries
      const outcome = await trio
        .openNursery(async (nursery) => {
          const handlerNursery = await nursery.start(connectionWatcher);
          expect(handlerNursery).toBeInstanceOf(trio.Nursery);
          await nursery.start((status: trio.TaskStatus<MemoryListener[]>) =>
            serveListeners(handler, [listener], { handlerNursery, taskStatus: status }),
          );
          for (let i = 0; i < 10; i++) nursery.startSoon(() => listener.connect());
        })
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(outcome).toBeInstanceOf(trio.ExceptionGroup);
      const outer = outcome as trio.ExceptionGroup;
      expect(outer.exceptions).toHaveLength(1);
      expect(outer.exceptions[0]).toBeInstanceOf(trio.ExceptionGroup);
      const inner = outer.exceptions[0] as trio.ExceptionGroup;
      expect(inner.exceptions).toHaveLength(1);
      expect(inner.exceptions[0]).toBeInstanceOf(Done);
    });
  });
});
