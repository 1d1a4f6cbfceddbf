// trio.openSignalReceiver on process signals. Ported from python-trio/trio
// src/trio/_tests/test_signals.py (SIGUSR1 / SIGUSR2 sent to this process stand in for
// Trio's SIGILL / SIGFPE), plus tests of our own. A signal is sent only while a
// receiver or a test listener catches it: with no listener, SIGUSR1 and SIGUSR2 would
// kill the test process.
import { constants } from "node:os";
import { afterAll, describe, expect, it } from "vitest";
import { RuntimeError, ValueError } from "../../src/errors/builtins.js";
import { FlavorError } from "../../src/flavor/flavor-error.js";
import * as trio from "../../src/trio/index.js";

const raise = (sig: NodeJS.Signals): void => void process.kill(process.pid, sig);

/** Waits (real time, polling) until `cond()` holds: signals arrive through Node's event loop. */
async function waitUntil(cond: () => boolean): Promise<void> {
  await trio.failAfter(5, async () => {
    while (!cond()) await trio.sleep(0.001);
  });
}

/** Lets a closed receiver detach its forwarding listener (two event-loop turns). */
function afterClose(): Promise<void> {
  return trio.sleep(0.01);
}

function listeners(sig: NodeJS.Signals): unknown[] {
  return process.rawListeners(sig);
}

const BASELINE = { SIGUSR1: listeners("SIGUSR1"), SIGUSR2: listeners("SIGUSR2") };

afterAll(async () => {
  await new Promise((resolve) => setTimeout(resolve, 10));
  // No test leaves a listener behind.
  expect({ SIGUSR1: listeners("SIGUSR1"), SIGUSR2: listeners("SIGUSR2") }).toEqual(BASELINE);
});

describe("openSignalReceiver", () => {
  it("yields signals, coalescing repeats while unread, and restores the listeners after", async () => {
    const before = listeners("SIGUSR1");
    await trio.run(async () => {
      const receiver = trio.openSignalReceiver("SIGUSR1");
      raise("SIGUSR1");
      raise("SIGUSR1");
      await waitUntil(() => receiver._pendingCount === 1);
      raise("SIGUSR1");
      await trio.sleep(0.01);
      expect(receiver._pendingCount).toBe(1);
      for await (const sig of receiver) {
        expect(sig).toBe("SIGUSR1");
        break;
      }
      expect(receiver._pendingCount).toBe(0);
      raise("SIGUSR1");
      for await (const sig of receiver) {
        expect(sig).toBe("SIGUSR1");
        break;
      }
      expect(receiver._pendingCount).toBe(0);
      receiver.close();
      await expect(receiver.next()).rejects.toThrow(RuntimeError);
      await afterClose();
    });
    expect(listeners("SIGUSR1")).toEqual(before);
  });

  it("a bad signal is refused before anything is installed", async () => {
    const before = listeners("SIGUSR1");
    await trio.run(async () => {
      expect(() => trio.openSignalReceiver("SIGUSR1", 1234567)).toThrow(/signal number out of range: 1234567$/);
      expect(() => trio.openSignalReceiver("SIGUSR1", 1234567)).toThrow(ValueError);
    });
    expect(listeners("SIGUSR1")).toEqual(before);
  });

  it("no signals: TypeError", async () => {
    await trio.run(async () => {
      expect(() => trio.openSignalReceiver()).toThrow(TypeError);
      expect(() => trio.openSignalReceiver()).toThrow(/No signals were provided/);
    });
  });

  it("refuses signals that cannot be caught, unknown names and wrong types", async () => {
    await trio.run(async () => {
      expect(() => trio.openSignalReceiver("SIGKILL")).toThrow(ValueError);
      expect(() => trio.openSignalReceiver("SIGSTOP")).toThrow(/SIGSTOP cannot be caught/);
      expect(() => trio.openSignalReceiver(constants.signals.SIGKILL)).toThrow(ValueError);
      expect(() => trio.openSignalReceiver("SIGNOPE" as never)).toThrow(ValueError);
      expect(() => trio.openSignalReceiver(1.5)).toThrow(TypeError);
      expect(() => trio.openSignalReceiver({} as never)).toThrow(TypeError);
    });
  });

  it("a signal listed twice is caught once and restored correctly", async () => {
    const before = listeners("SIGUSR1");
    await trio.run(async () => {
      const receiver = trio.openSignalReceiver("SIGUSR1", constants.signals.SIGUSR1);
      expect(receiver.signals).toEqual(["SIGUSR1"]);
      receiver.close();
      await afterClose();
    });
    expect(listeners("SIGUSR1")).toEqual(before);
  });

  it("signals given by number are yielded by name", async () => {
    await trio.run(async () => {
      const receiver = trio.openSignalReceiver(constants.signals.SIGUSR2);
      try {
        raise("SIGUSR2");
        expect(await receiver.next()).toEqual({ value: "SIGUSR2", done: false });
      } finally {
        receiver.close();
      }
    });
  });

  it("two tasks iterating at once: BusyResourceError", async () => {
    await trio.run(async () => {
      const receiver = trio.openSignalReceiver("SIGUSR1");
      try {
        const outcome = await trio
          .openNursery(async (nursery) => {
            nursery.startSoon(() => receiver.next());
            nursery.startSoon(() => receiver.next());
          })
          .catch((e: unknown) => e);
        expect(outcome).toBeInstanceOf(trio.ExceptionGroup);
        expect((outcome as trio.ExceptionGroup).exceptions.map((e) => (e as Error).name)).toEqual(["BusyResourceError"]);
      } finally {
        receiver.close();
      }
    });
  });

  it("no starvation: two busy signals take turns", async () => {
    await trio.run(async () => {
      const receiver = trio.openSignalReceiver("SIGUSR1", "SIGUSR2");
      try {
        let previous: string | null = null;
        for (let i = 0; i < 10; i++) {
          raise("SIGUSR1");
          raise("SIGUSR2");
          await waitUntil(() => receiver._pendingCount === 2);
          const { value } = await receiver.next();
          if (previous !== null) expect(value).not.toBe(previous);
          previous = value;
        }
        // Read what is left, so that nothing is re-delivered.
        while (receiver._pendingCount > 0) await receiver.next();
      } finally {
        receiver.close();
      }
    });
  });

  it("race on exit: signals not read yet go back to the previous listeners", async () => {
    const delivered: string[] = [];
    const direct = (sig: NodeJS.Signals): void => void delivered.push(sig);
    process.on("SIGUSR1", direct);
    process.on("SIGUSR2", direct);
    try {
      await trio.run(async () => {
        // Closed before Node dispatched them: the forwarding listener passes them on.
        let receiver = trio.openSignalReceiver("SIGUSR1", "SIGUSR2");
        expect(listeners("SIGUSR1")).not.toContain(direct);
        raise("SIGUSR1");
        raise("SIGUSR2");
        receiver.close();
        expect(listeners("SIGUSR1")[0]).toBe(direct);
        await waitUntil(() => delivered.length === 2);
        expect(delivered.sort()).toEqual(["SIGUSR1", "SIGUSR2"]);
        delivered.length = 0;

        // Caught but not read: re-delivered synchronously by close().
        receiver = trio.openSignalReceiver("SIGUSR1", "SIGUSR2");
        raise("SIGUSR1");
        raise("SIGUSR2");
        await waitUntil(() => receiver._pendingCount === 2);
        receiver.close();
        expect(delivered.sort()).toEqual(["SIGUSR1", "SIGUSR2"]);
        await afterClose();
      });
      expect(listeners("SIGUSR1")).toEqual([direct]);
      expect(listeners("SIGUSR2")).toEqual([direct]);
    } finally {
      process.off("SIGUSR1", direct);
      process.off("SIGUSR2", direct);
    }
  });

  it("re-delivery to listeners that throw: every signal is delivered, the errors are chained", async () => {
    const thrower = (sig: NodeJS.Signals): never => {
      throw new Error(sig);
    };
    process.on("SIGUSR1", thrower);
    process.on("SIGUSR2", thrower);
    try {
      await trio.run(async () => {
        const receiver = trio.openSignalReceiver("SIGUSR1", "SIGUSR2");
        raise("SIGUSR1");
        raise("SIGUSR2");
        await waitUntil(() => receiver._pendingCount === 2);
        let error: unknown;
        try {
          receiver.close();
        } catch (e) {
          error = e;
        }
        const messages = [(error as Error).message, ((error as Error).cause as Error).message];
        expect(messages.sort()).toEqual(["SIGUSR1", "SIGUSR2"]);
        await afterClose();
      });
    } finally {
      process.off("SIGUSR1", thrower);
      process.off("SIGUSR2", thrower);
    }
  });

  it("a cancelled next() loses no signal", async () => {
    await trio.run(async () => {
      const receiver = trio.openSignalReceiver("SIGUSR1");
      try {
        expect(await trio.moveOnAfter(0.01, () => receiver.next())).toBeUndefined();
        raise("SIGUSR1");
        await waitUntil(() => receiver._pendingCount === 1);
        // Pending but cancelled: the checkpoint raises, the signal stays.
        await new trio.CancelScope().run(async (scope) => {
          scope.cancel();
          await receiver.next();
        });
        expect(receiver._pendingCount).toBe(1);
        expect((await receiver.next()).value).toBe("SIGUSR1");
      } finally {
        receiver.close();
      }
    });
  });

  it("closing the receiver wakes a task waiting in next() with RuntimeError", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const receiver = trio.openSignalReceiver("SIGUSR2");
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          try {
            await receiver.next();
          } catch (error) {
            events.push((error as Error).name);
          }
        });
        await trio.testing.waitAllTasksBlocked();
        receiver.close();
      });
      await afterClose();
    });
    expect(events).toEqual(["RuntimeError"]);
  });

  it("an inner receiver takes the signal from an outer one until it closes", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const outer = trio.openSignalReceiver("SIGUSR1");
      try {
        const inner = trio.openSignalReceiver("SIGUSR1");
        raise("SIGUSR1");
        await waitUntil(() => inner._pendingCount === 1);
        events.push(`inner ${(await inner.next()).value}, outer pending ${outer._pendingCount}`);
        inner.close();
        raise("SIGUSR1");
        events.push(`outer ${(await outer.next()).value}`);
      } finally {
        outer.close();
      }
      await afterClose();
    });
    expect(events).toEqual(["inner SIGUSR1, outer pending 0", "outer SIGUSR1"]);
  });

  it("closes through asyncWith, await using / using, and aclose", async () => {
    const before = listeners("SIGUSR2");
    await trio.run(async () => {
      const got = await trio.asyncWith(trio.openSignalReceiver("SIGUSR2"), async (receiver) => {
        raise("SIGUSR2");
        return (await receiver.next()).value;
      });
      expect(got).toBe("SIGUSR2");
      {
        await using receiver = trio.openSignalReceiver("SIGUSR2");
        raise("SIGUSR2");
        expect((await receiver.next()).value).toBe("SIGUSR2");
      }
      {
        using receiver = trio.openSignalReceiver("SIGUSR2");
        raise("SIGUSR2");
        expect((await receiver.next()).value).toBe("SIGUSR2");
      }
      const receiver = trio.openSignalReceiver("SIGUSR2");
      await receiver.aclose();
      await expect(receiver.next()).rejects.toThrow(RuntimeError);
      expect(String(receiver)).toBe("<trio.SignalReceiver SIGUSR2 (closed)>");
      await afterClose();
    });
    expect(listeners("SIGUSR2")).toEqual(before);
  });

  it("SIGPIPE, which Node ignores, stays ignored after the receiver closes", async () => {
    if (listeners("SIGPIPE").length > 0) return; // someone else handles it here
    await trio.run(async () => {
      trio.openSignalReceiver("SIGPIPE").close();
      await afterClose();
    });
    // The receiver left a no-op listener: without one, libuv would give SIGPIPE its OS default (death).
    expect(listeners("SIGPIPE")).toHaveLength(1);
    raise("SIGPIPE");
    await new Promise((resolve) => setTimeout(resolve, 10));
  });

  it("Trio-flavored: outside a Trio task it throws FlavorError", () => {
    expect(() => trio.openSignalReceiver("SIGUSR1")).toThrow(FlavorError);
  });
});
