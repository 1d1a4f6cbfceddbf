// Trio's TCP streams and listeners on node:net, loopback only.
import { mkdtempSync, rmSync } from "node:fs";
import net, { connect } from "node:net";
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

describe("trio.socket hooks: setCustomHostnameResolver and setCustomSocketFactory", () => {
  const resolverFor = (answers: Record<string, string[]>, calls: unknown[][] = []): trio.socket.HostnameResolver => ({
    async getaddrinfo(host, port, options) {
      calls.push([host, port, options]);
      const answer = answers[host];
      if (answer === undefined) throw new trio.OSError(`no such host: ${host}`, { code: "ENOTFOUND" });
      return answer.map((address) => ({ address }));
    },
  });

  it("set returns the previous hook (null for the default), and null restores the default", async () => {
    await trio.run(async () => {
      const first = resolverFor({});
      const second = resolverFor({});
      expect(trio.socket.setCustomHostnameResolver(first)).toBeNull();
      expect(trio.socket.setCustomHostnameResolver(second)).toBe(first);
      expect(trio.socket.setCustomHostnameResolver(null)).toBe(second);
      expect(trio.socket.setCustomHostnameResolver(null)).toBeNull();

      const factory: trio.socket.SocketFactory = { socket: (t) => netConnect(t) };
      expect(trio.socket.setCustomSocketFactory(factory)).toBeNull();
      expect(trio.socket.setCustomSocketFactory(null)).toBe(factory);
      expect(trio.socket.setCustomSocketFactory(null)).toBeNull();
    });
  });

  it("the hooks belong to one run: a later run, and a run alongside, start with the defaults", async () => {
    const custom = resolverFor({});
    const seen: unknown[] = [];
    let release!: () => void;
    const otherRunDone = new Promise<void>((resolve) => (release = resolve));
    let hooksSet!: () => void;
    const firstRunReady = new Promise<void>((resolve) => (hooksSet = resolve));
    await Promise.all([
      trio.run(async () => {
        trio.socket.setCustomHostnameResolver(custom);
        trio.socket.setCustomSocketFactory({ socket: (t) => netConnect(t) });
        hooksSet();
        await otherRunDone;
        seen.push(trio.socket.setCustomHostnameResolver(null));
      }),
      // Another run going on at the same time has its own (unset) hooks.
      firstRunReady.then(() =>
        trio.run(async () => {
          seen.push(trio.socket.setCustomHostnameResolver(null), trio.socket.setCustomSocketFactory(null));
          release();
        }),
      ),
    ]);
    await trio.run(async () => {
      seen.push(trio.socket.setCustomHostnameResolver(null), trio.socket.setCustomSocketFactory(null));
    });
    expect(seen).toEqual([null, null, custom, null, null]);
  });

  it("bad hooks are a TypeError, and outside a run a RuntimeError", async () => {
    await trio.run(async () => {
      expect(() => trio.socket.setCustomHostnameResolver({} as trio.socket.HostnameResolver)).toThrow(TypeError);
      expect(() => trio.socket.setCustomHostnameResolver({} as trio.socket.HostnameResolver)).toThrow(/getaddrinfo\(host, port, options\) method, or null/);
      expect(() => trio.socket.setCustomHostnameResolver(undefined as unknown as null)).toThrow(TypeError);
      expect(() => trio.socket.setCustomSocketFactory(42 as unknown as trio.socket.SocketFactory)).toThrow(/socket\(target\) method, or null, got number 42/);
      expect(() => trio.socket.setCustomSocketFactory({ socket: "no" } as unknown as trio.socket.SocketFactory)).toThrow(TypeError);
      // A refused hook leaves the previous one in place.
      expect(trio.socket.setCustomHostnameResolver(null)).toBeNull();
    });
    expect(() => trio.socket.setCustomHostnameResolver(null)).toThrow(/inside trio.run/);
    expect(() => trio.socket.setCustomSocketFactory(null)).toThrow(/inside trio.run/);
  });

  it("openTcpStream resolves names with the custom resolver (numeric hosts skip it) and it can be removed again", async () => {
    await trio.run(async () => {
      const [listener] = await trio.openTcpListeners(0, { host: "127.0.0.1" });
      const port = portOf(listener);
      const calls: unknown[][] = [];
      trio.socket.setCustomHostnameResolver(resolverFor({ "db.internal": ["127.0.0.1"] }, calls));
      const viaName = await trio.openTcpStream("db.internal", port);
      expect(viaName.remoteAddress).toMatchObject({ address: "127.0.0.1", port });
      const viaNumber = await trio.openTcpStream("127.0.0.1", port);
      expect(calls).toEqual([["db.internal", port, { family: 0 }]]);
      trio.socket.setCustomHostnameResolver(null);
      await expect(trio.openTcpStream("db.internal", port)).rejects.toMatchObject({ code: "ENOTFOUND" });
      for (const stream of [viaName, viaNumber]) await stream.aclose();
      await listener.aclose();
    });
  });

  it("a resolver answering nonsense is a clear TypeError", async () => {
    await trio.run(async () => {
      trio.socket.setCustomHostnameResolver({ getaddrinfo: async () => "127.0.0.1" as unknown as trio.socket.ResolvedAddress[] });
      await expect(trio.openTcpStream("x.test", 80)).rejects.toThrow(/getaddrinfo\(\) must return an array of \{ address, family \}, got the string "127.0.0.1"/);
      trio.socket.setCustomHostnameResolver({ getaddrinfo: async () => [{ address: "not-an-ip" }] });
      await expect(trio.openTcpStream("x.test", 80)).rejects.toThrow(/each entry needs an IP address as `address`/);
      trio.socket.setCustomHostnameResolver({ getaddrinfo: async () => [{ address: "::1", family: 4 }] });
      await expect(trio.openTcpStream("x.test", 80)).rejects.toThrow(/family number 4 for ::1, an IPv6 address/);
    });
  });

  it("the custom socket factory makes every attempt's socket; an OSError it throws fails only that attempt", async () => {
    await trio.run(async () => {
      const [listener] = await trio.openTcpListeners(0, { host: "127.0.0.1" });
      const port = portOf(listener);
      const targets: trio.socket.ConnectTarget[] = [];
      trio.socket.setCustomHostnameResolver(resolverFor({ "two.test": ["127.0.0.3", "127.0.0.1"] }));
      trio.socket.setCustomSocketFactory({
        socket(target) {
          targets.push(target);
          if (target.address === "127.0.0.3") throw new trio.OSError("no route in this test", { code: "EHOSTUNREACH" });
          // Asynchronous factories are allowed too.
          return Promise.resolve(netConnect(target));
        },
      });
      const localAddress = "127.0.0.1";
      const stream = await trio.openTcpStream("two.test", port, { localAddress });
      expect(targets).toEqual([
        { family: 4, address: "127.0.0.3", port, localAddress },
        { family: 4, address: "127.0.0.1", port, localAddress },
      ]);
      expect(stream.remoteAddress).toMatchObject({ address: "127.0.0.1", port });
      await stream.aclose();
      await listener.aclose();
    });
  });

  it("a factory returning something that is not a socket aborts the open with a TypeError", async () => {
    await trio.run(async () => {
      trio.socket.setCustomSocketFactory({ socket: () => ({ connecting: true }) as unknown as net.Socket });
      const error = await trio.openTcpStream("127.0.0.1", 80).then(
        () => null,
        (e: unknown) => e,
      );
      // As in Trio, an error that is not an OSError crashes the attempts' nursery.
      expect(error).toBeInstanceOf(trio.ExceptionGroup);
      const [inner] = (error as trio.ExceptionGroup).exceptions;
      expect(inner).toBeInstanceOf(TypeError);
      expect((inner as Error).message).toMatch(/socket\(\) must return a net.Socket \(or a promise of one\), got an object/);
    });
  });

  it("a bad localAddress is a TypeError before any attempt", async () => {
    await trio.run(async () => {
      await expect(trio.openTcpStream("127.0.0.1", 80, { localAddress: "localhost" })).rejects.toThrow(/localAddress must be an IP address, got the string "localhost"/);
    });
  });
});

function netConnect(target: trio.socket.ConnectTarget): net.Socket {
  return connect({ host: target.address, port: target.port, family: target.family, localAddress: target.localAddress, allowHalfOpen: true });
}
