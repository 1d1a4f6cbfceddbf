// Trio's TCP streams and listeners on node:net, loopback only.
import { mkdtempSync, rmSync } from "node:fs";
import type net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as trio from "../../../src/trio/index.js";

function portOf(listener: trio.SocketListener): number {
  return (listener.address as net.AddressInfo).port;
}

async function echo(stream: trio.SocketStream): Promise<void> {
  for await (const chunk of stream) await stream.sendAll(chunk);
  await stream.aclose();
}

describe("TCP streams", () => {
  it("openTcpStream talks to serveTcp: an echo round trip, then half-close", async () => {
    const got = await trio.run(async () => {
      let result = "";
      await trio.openNursery(async (nursery) => {
        const listeners = await nursery.start((status: trio.TaskStatus<trio.SocketListener[]>) => trio.serveTcp(echo, 0, { host: "127.0.0.1", taskStatus: status }));
        const client = await trio.openTcpStream("127.0.0.1", portOf(listeners[0]));
        await client.sendAll("hello ");
        await client.sendAll(new TextEncoder().encode("world"));
        await client.sendEof();
        for await (const chunk of client) result += new TextDecoder().decode(chunk);
        await client.aclose();
        nursery.cancelScope.cancel();
      });
      return result;
    });
    expect(got).toBe("hello world");
  });

  it("receiveSome respects maxBytes and a cancelled receiveSome loses no data", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const [listener] = await trio.openTcpListeners(0, { host: "127.0.0.1" });
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          const server = await listener.accept();
          await trio.sleep(0.02);
          await server.sendAll("abcdef");
          await server.aclose();
        });
        const client = await trio.openTcpStream("127.0.0.1", portOf(listener));
        const missed = await trio.moveOnAfter(0.005, () => client.receiveSome());
        events.push(`first receive cancelled: ${missed === undefined}`);
        await trio.sleep(0.03);
        events.push(new TextDecoder().decode(await client.receiveSome(2)));
        events.push(new TextDecoder().decode(await client.receiveSome(100)));
        events.push(`end: ${(await client.receiveSome()).length}`);
        await client.aclose();
      });
      await listener.aclose();
    });
    expect(events).toEqual(["first receive cancelled: true", "ab", "cdef", "end: 0"]);
  });

  it("two tasks receiving at once: BusyResourceError; closing a stream in use: ClosedResourceError", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const [listener] = await trio.openTcpListeners(0, { host: "127.0.0.1" });
      const client = await trio.openTcpStream("127.0.0.1", portOf(listener));
      const server = await listener.accept();
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          try {
            await client.receiveSome();
          } catch (error) {
            events.push(`first receiver: ${(error as Error).name}`);
          }
        });
        await trio.testing.waitAllTasksBlocked();
        try {
          await client.receiveSome();
        } catch (error) {
          events.push(`second receiver: ${(error as Error).name}`);
        }
        await client.aclose();
      });
      try {
        await client.sendAll("x");
      } catch (error) {
        events.push(`send after close: ${(error as Error).name}`);
      }
      await server.aclose();
      await listener.aclose();
    });
    expect(events).toEqual(["second receiver: BusyResourceError", "first receiver: ClosedResourceError", "send after close: ClosedResourceError"]);
  });

  it("sendAll waits while the peer does not read (backpressure) and finishes once it does", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const [listener] = await trio.openTcpListeners(0, { host: "127.0.0.1" });
      const client = await trio.openTcpStream("127.0.0.1", portOf(listener));
      const server = await listener.accept();
      const big = new Uint8Array(8 * 1024 * 1024);
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          await client.sendAll(big);
          events.push("sendAll done");
          await client.sendEof();
        });
        await trio.sleep(0.05);
        events.push("reader starts");
        let total = 0;
        for await (const chunk of server) total += chunk.length;
        events.push(`read ${total} bytes`);
      });
      await client.aclose();
      await server.aclose();
      await listener.aclose();
    });
    expect(events).toEqual(["reader starts", "sendAll done", `read ${8 * 1024 * 1024} bytes`]);
  });

  it("after sendAll returns the caller may reuse its buffer, even for small sends into a full socket", async () => {
    const BLOCK = 1000;
    const COUNT = 8000;
    let bad = -1;
    let total = 0;
    await trio.run(async () => {
      const [listener] = await trio.openTcpListeners(0, { host: "127.0.0.1" });
      const client = await trio.openTcpStream("127.0.0.1", portOf(listener));
      const server = await listener.accept();
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          const buf = new Uint8Array(BLOCK);
          for (let i = 0; i < COUNT; i++) {
            buf.fill(i % 251);
            await client.sendAll(buf);
            // Reused at once: a send still sitting in Node's buffer would go out as 255s.
            buf.fill(255);
          }
          await client.sendEof();
        });
        // Let the sender fill the socket's buffers before anything is read.
        await trio.sleep(0.05);
        for await (const chunk of server) {
          for (let j = 0; j < chunk.length; j++, total++) {
            if (bad < 0 && chunk[j] !== Math.floor(total / BLOCK) % 251) bad = total;
          }
        }
      });
      await client.aclose();
      await server.aclose();
      await listener.aclose();
    });
    expect(bad).toBe(-1);
    expect(total).toBe(BLOCK * COUNT);
  });

  it("a cancelled sendAll loses nothing: Node holds the data, which is still delivered, and the stream stays usable", async () => {
    const events: string[] = [];
    const size = 16 * 1024 * 1024;
    await trio.run(async () => {
      const [listener] = await trio.openTcpListeners(0, { host: "127.0.0.1" });
      const client = await trio.openTcpStream("127.0.0.1", portOf(listener));
      const server = await listener.accept();
      const r = await trio.moveOnAfter(0.02, () => client.sendAll(new Uint8Array(size)));
      events.push(`first sendAll cancelled: ${r === undefined}`);
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          await client.sendAll("tail");
          await client.sendEof();
          events.push("second sendAll done");
        });
        let total = 0;
        for await (const chunk of server) total += chunk.length;
        events.push(`server got ${total} bytes`);
      });
      await client.aclose();
      await server.aclose();
      await listener.aclose();
    });
    expect(events).toEqual(["first sendAll cancelled: true", "second sendAll done", `server got ${size + 4} bytes`]);
  });

  it("refused port and unknown host fail fast with Node's errors", async () => {
    await trio.run(async () => {
      const [listener] = await trio.openTcpListeners(0, { host: "127.0.0.1" });
      const port = portOf(listener);
      await listener.aclose();
      await expect(trio.openTcpStream("127.0.0.1", port)).rejects.toMatchObject({ code: "ECONNREFUSED" });
      await expect(trio.openTcpStream("no-such-host.invalid", 80)).rejects.toMatchObject({ code: "ENOTFOUND" });
      await expect(trio.openTcpStream("127.0.0.1", 70000)).rejects.toThrow(TypeError);
    });
  });

  it("a cancelled connect abandons the attempt", async () => {
    const result = await trio.run(async () => {
      const [listener] = await trio.openTcpListeners(0, { host: "127.0.0.1" });
      const scope = new trio.CancelScope();
      let stream: trio.SocketStream | undefined;
      await trio.openNursery(async (nursery) => {
        // The connect parks first; the cancel comes before any I/O event.
        nursery.startSoon(async () => {
          stream = await scope.run(() => trio.openTcpStream("127.0.0.1", portOf(listener)));
        });
        nursery.startSoon(async () => scope.cancel());
      });
      await listener.aclose();
      return [stream, scope.cancelledCaught];
    });
    expect(result).toEqual([undefined, true]);
  });

  it("Unix domain sockets", async () => {
    const dir = mkdtempSync(join(tmpdir(), "trio-unix-"));
    try {
      const got = await trio.run(async () => {
        const path = join(dir, "sock");
        const listener = await trio.openUnixListener(path);
        let text = "";
        await trio.openNursery(async (nursery) => {
          nursery.startSoon(async () => {
            const server = await listener.accept();
            await server.sendAll("over unix");
            await server.aclose();
          });
          const client = await trio.openUnixSocket(path);
          for await (const chunk of client) text += new TextDecoder().decode(chunk);
          await client.aclose();
        });
        await listener.aclose();
        return text;
      });
      expect(got).toBe("over unix");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
