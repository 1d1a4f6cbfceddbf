// Transports and protocols over TCP: loop.createConnection / loop.createServer, the
// order and flavor of protocol callbacks, extra info, writes, half-close, closing and
// aborting, reading flow control, BufferedProtocol, connection errors.
import * as net from "node:net";
import { describe, expect, it } from "vitest";
import * as asyncio from "../../../src/asyncio/index.js";
import { ContextVar } from "../../../src/contextvars/index.js";
import { NotImplementedError } from "../../../src/errors/builtins.js";
import { ExceptionGroup } from "../../../src/errors/exception-group.js";
import { freePort, HAS_IPV6, hostPort, nodeServer, Recorder, runNet, serverAddress } from "./helpers.js";

const T = { timeout: 10_000 };

/** A server whose protocols are Recorders; `protocols` collects them. */
async function recordingServer(options: ConstructorParameters<typeof Recorder>[0] = {}): Promise<{ server: asyncio.Server; protocols: Recorder[]; host: string; port: number }> {
  const protocols: Recorder[] = [];
  const server = await asyncio.getRunningLoop().createServer(() => {
    const p = new Recorder(options);
    protocols.push(p);
    return p;
  }, "127.0.0.1", 0);
  const [host, port] = serverAddress(server);
  return { server, protocols, host, port };
}

async function waitFor(predicate: () => boolean): Promise<void> {
  while (!predicate()) await asyncio.sleep(0.001);
}

describe("createConnection / createServer", T, () => {
  it("returns [transport, protocol] once connectionMade ran; callbacks run in order, as asyncio loop callbacks", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const { server, protocols, host, port } = await recordingServer({
        keepOpenOnEof: true,
        onData: (d, p) => p.transport!.write(d), // echo
        onMade: () => {},
      });
      // The server writes back, then closes once the client's EOF came.
      const client = new Recorder();
      const [transport, protocol] = await loop.createConnection(() => client, host, port);
      expect(protocol).toBe(client);
      expect(client.events).toEqual(["made"]);
      expect(client.transport).toBe(transport);
      transport.write(Buffer.from("hello"));
      await client.until(() => client.received.length === 5);
      await protocols[0].until(() => protocols[0].received.length === 5);
      transport.writeEof();
      await protocols[0].until(() => protocols[0].events.includes("eof"));
      protocols[0].transport!.close();
      await client.until(() => client.lost);
      expect(client.received.toString()).toBe("hello");
      expect(client.events).toEqual(["made", "data", "eof", "lost null"]);
      expect([...client.libraries]).toEqual(["asyncio"]);
      expect(client.inTask).toBe(false);
      await protocols[0].until(() => protocols[0].lost);
      expect(protocols[0].events).toEqual(["made", "data", "eof", "lost null"]);
      expect([...protocols[0].libraries]).toEqual(["asyncio"]);
      server.close();
      await server.waitClosed();
    }));

  it("protocol callbacks run in a copy of the Context the connection (or server) was made in", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const v = new ContextVar<string>("v", { default: "unset" });
      const seen: string[] = [];
      v.set("server");
      const server = await loop.createServer(() => new Recorder({ onMade: () => seen.push(`server ${v.get()}`) }), "127.0.0.1", 0);
      v.set("client");
      const [transport] = await loop.createConnection(
        () =>
          new Recorder({
            onMade: () => {
              seen.push(`client ${v.get()}`);
              v.set("changed in a callback");
            },
          }),
        ...serverAddress(server),
      );
      await waitFor(() => seen.length === 2);
      expect(seen.sort()).toEqual(["client client", "server server"]);
      expect(v.get()).toBe("client");
      transport.close();
      server.close();
      await server.waitClosed();
    }));

  it("getExtraInfo: peername, sockname, socket (a TransportSocket), defaults", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const { server, protocols, host, port } = await recordingServer();
      const [transport] = await loop.createConnection(() => new Recorder(), host, port);
      expect(transport.getExtraInfo("peername")).toEqual(["127.0.0.1", port]);
      const sockname = hostPort(transport.getExtraInfo("sockname"));
      expect(sockname[0]).toBe("127.0.0.1");
      await waitFor(() => protocols.length === 1 && protocols[0].transport !== null);
      expect(protocols[0].transport!.getExtraInfo("peername")).toEqual(sockname);
      const sock = transport.getExtraInfo("socket") as asyncio.TransportSocket;
      expect(sock).toBeInstanceOf(asyncio.TransportSocket);
      expect([sock.family, sock.type, sock.proto]).toEqual([asyncio.socket.AF_INET, asyncio.socket.SOCK_STREAM, asyncio.socket.IPPROTO_TCP]);
      expect(sock.getpeername()).toEqual(["127.0.0.1", port]);
      expect(String(sock)).toMatch(/^<asyncio\.TransportSocket family=AF_INET type=SOCK_STREAM proto=6 laddr=\('127\.0\.0\.1', \d+\) raddr=\('127\.0\.0\.1', \d+\)>$/);
      expect(transport.getExtraInfo("sslcontext")).toBeNull();
      expect(transport.getExtraInfo("nothing", 42)).toBe(42);
      expect(transport).toBeInstanceOf(asyncio.Transport);
      expect(transport).toBeInstanceOf(asyncio.ReadTransport);
      expect(transport).toBeInstanceOf(asyncio.WriteTransport);
      expect(transport).toBeInstanceOf(asyncio.BaseTransport);
      expect(String(transport)).toMatch(/^<SocketTransport peername=127\.0\.0\.1:\d+ read=polling write=<bufsize=0>>$/);
      transport.close();
      expect(String(transport)).toMatch(/closing/);
      server.close();
      await server.waitClosed();
    }));

  it("works with a null host and a numeric-string port", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const { server, port } = await recordingServer();
      const [transport] = await loop.createConnection(() => new Recorder(), null, String(port), { family: asyncio.socket.AF_INET });
      expect(transport.getExtraInfo("peername")).toEqual(["127.0.0.1", port]);
      transport.close();
      server.close();
      await server.waitClosed();
    }));
});

describe("writing", T, () => {
  it("write takes bytes-like objects only (a string is a TypeError, as in asyncio) and sends them at once", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const { server, protocols, host, port } = await recordingServer();
      const [transport] = await loop.createConnection(() => new Recorder(), host, port);
      expect(() => transport.write("text" as never)).toThrow(TypeError);
      expect(() => transport.write("text" as never)).toThrow("data argument must be a bytes-like object, not 'string'");
      expect(() => transport.write(42 as never)).toThrow(/not 'number'/);
      const buffer = Buffer.from("abc");
      transport.write(buffer);
      buffer.fill(0); // the kernel took the bytes at once: nothing is sent from the buffer later
      transport.write(new Uint8Array([100, 101]));
      transport.write(new DataView(new Uint8Array([102]).buffer));
      transport.write(new Uint8Array([103]).buffer);
      transport.write(new Uint8Array(0));
      transport.writelines([Buffer.from("h"), new Uint8Array([105])]);
      await waitFor(() => protocols.length === 1 && protocols[0].received.length === 9);
      expect(protocols[0].received.toString()).toBe("abcdefghi");
      expect(() => transport.writelines(["x" as never])).toThrow(TypeError);
      transport.close();
      server.close();
      await server.waitClosed();
    }));

  it("writeEof half-closes: the peer's eofReceived keeps its side open for writing", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const { server, protocols, host, port } = await recordingServer({ keepOpenOnEof: true });
      const client = new Recorder({ keepOpenOnEof: true });
      const [transport] = await loop.createConnection(() => client, host, port);
      expect(transport.canWriteEof()).toBe(true);
      transport.write(Buffer.from("request"));
      transport.writeEof();
      transport.writeEof(); // no-op
      expect(() => transport.write(Buffer.from("x"))).toThrow("Cannot call write() after write_eof()");
      expect(() => transport.writelines([Buffer.from("x")])).toThrow("Cannot call writelines() after write_eof()");
      await waitFor(() => protocols.length === 1);
      const peer = protocols[0];
      await peer.until(() => peer.events.includes("eof"));
      expect(peer.received.toString()).toBe("request");
      expect(peer.transport!.isClosing()).toBe(false);
      peer.transport!.write(Buffer.from("response"));
      peer.transport!.close();
      await client.until(() => client.lost);
      expect(client.received.toString()).toBe("response");
      expect(client.events).toEqual(["made", "data", "eof", "lost null"]);
      await peer.until(() => peer.lost);
      server.close();
      await server.waitClosed();
    }));

  it("an eofReceived that returns a falsy value closes the transport", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const { server, protocols, host, port } = await recordingServer(); // keepOpenOnEof false
      const client = new Recorder({ keepOpenOnEof: true });
      const [transport] = await loop.createConnection(() => client, host, port);
      transport.writeEof();
      await waitFor(() => protocols.length === 1 && protocols[0].lost);
      expect(protocols[0].events).toEqual(["made", "eof", "lost null"]);
      await client.until(() => client.lost);
      expect(client.events).toEqual(["made", "eof", "lost null"]);
      server.close();
      await server.waitClosed();
    }));
});

describe("closing", T, () => {
  it("close() with pending writes flushes them before connectionLost(null)", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const { server, protocols, host, port } = await recordingServer({ onMade: (t) => t.pauseReading() });
      const client = new Recorder();
      const [transport] = await loop.createConnection(() => client, host, port);
      await waitFor(() => protocols.length === 1 && protocols[0].transport !== null);
      const total = 8 * 1024 * 1024;
      const chunk = Buffer.alloc(1024 * 1024, 120);
      for (let sent = 0; sent < total; sent += chunk.length) transport.write(chunk);
      expect(transport.getWriteBufferSize()).toBeGreaterThan(0);
      transport.close();
      expect(transport.isClosing()).toBe(true);
      expect(transport.isReading()).toBe(false);
      transport.close(); // no-op
      for (let i = 0; i < 5; i++) await asyncio.sleep(0);
      expect(client.lost).toBe(false); // still flushing: the peer does not read
      const peer = protocols[0];
      peer.transport!.resumeReading();
      await client.until(() => client.lost);
      // Over the high-water mark, then drained while closing (as asyncio does).
      expect(client.events).toEqual(["made", "pause", "resume", "lost null"]);
      await peer.until(() => peer.lost);
      expect(peer.received.length).toBe(total);
      expect(peer.events).toEqual(["made", "data", "eof", "lost null"]);
      server.close();
      await server.waitClosed();
    }));

  it("abort() drops pending writes and calls connectionLost(null) at the next iteration", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const { server, protocols, host, port } = await recordingServer({ onMade: (t) => t.pauseReading() });
      const client = new Recorder();
      const [transport] = await loop.createConnection(() => client, host, port);
      for (let i = 0; i < 8; i++) transport.write(Buffer.alloc(1024 * 1024));
      expect(transport.getWriteBufferSize()).toBeGreaterThan(0);
      transport.abort();
      expect(transport.isClosing()).toBe(true);
      expect(transport.getWriteBufferSize()).toBe(0);
      expect(client.lost).toBe(false);
      await asyncio.sleep(0);
      expect(client.events).toEqual(["made", "pause", "lost null"]);
      // Writes after the connection was lost are dropped.
      transport.write(Buffer.from("dropped"));
      await waitFor(() => protocols.length === 1);
      protocols[0].transport!.resumeReading();
      await protocols[0].until(() => protocols[0].lost);
      server.close();
      await server.waitClosed();
    }));

  it("a reset from the peer calls connectionLost(error) with Node's error (code ECONNRESET), without reporting it", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const reported: unknown[] = [];
      loop.setExceptionHandler((_loop, context) => reported.push(context));
      const { server, protocols, host, port } = await recordingServer();
      const client = new Recorder();
      await loop.createConnection(() => client, host, port);
      await waitFor(() => protocols.length === 1 && protocols[0].transport !== null);
      const nodeSocket = (protocols[0].transport!.getExtraInfo("socket") as asyncio.TransportSocket).nodeSocket as net.Socket;
      nodeSocket.resetAndDestroy();
      await client.until(() => client.lost);
      expect(client.events).toEqual(["made", "lost ECONNRESET"]);
      expect((client.lostWith as { syscall?: string }).syscall).toBe("read");
      expect(reported).toEqual([]);
      server.close();
      await server.waitClosed();
    }));

  it("an error thrown by dataReceived is reported and closes the connection with it", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const reported: asyncio.ExceptionContext[] = [];
      loop.setExceptionHandler((_loop, context) => reported.push(context));
      const { server, protocols, host, port } = await recordingServer();
      const boom = new Error("boom");
      const client = new Recorder({
        onData: () => {
          throw boom;
        },
      });
      const [transport] = await loop.createConnection(() => client, host, port);
      await waitFor(() => protocols.length === 1 && protocols[0].transport !== null);
      protocols[0].transport!.write(Buffer.from("x"));
      await client.until(() => client.lost);
      expect(client.lostWith).toBe(boom);
      expect(reported.map((c) => [c.message, c.exception, c.transport])).toEqual([["Fatal error: protocol.dataReceived() call failed.", boom, transport]]);
      server.close();
      await server.waitClosed();
    }));
});

describe("reading flow control", T, () => {
  it("pauseReading stops dataReceived until resumeReading", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const { server, protocols, host, port } = await recordingServer();
      const client = new Recorder();
      const [transport] = await loop.createConnection(() => client, host, port);
      await waitFor(() => protocols.length === 1 && protocols[0].transport !== null);
      const peer = protocols[0].transport!;
      peer.write(Buffer.from("one"));
      await client.until(() => client.received.length === 3);
      transport.pauseReading();
      transport.pauseReading(); // no-op
      expect(transport.isReading()).toBe(false);
      peer.write(Buffer.from("two"));
      peer.writeEof();
      await asyncio.sleep(0.05);
      expect(client.received.toString()).toBe("one");
      expect(client.events).toEqual(["made", "data"]);
      transport.resumeReading();
      transport.resumeReading(); // no-op
      expect(transport.isReading()).toBe(true);
      await client.until(() => client.lost);
      expect(client.received.toString()).toBe("onetwo");
      expect(client.events).toEqual(["made", "data", "eof", "lost null"]);
      server.close();
      await server.waitClosed();
    }));

  it("pauseReading from dataReceived holds the chunks that already arrived", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const { server, protocols, host, port } = await recordingServer();
      const sizes: number[] = [];
      const client = new Recorder({
        onData: (d, p) => {
          sizes.push(d.length);
          p.transport!.pauseReading();
        },
      });
      const [transport] = await loop.createConnection(() => client, host, port);
      await waitFor(() => protocols.length === 1 && protocols[0].transport !== null);
      for (let i = 0; i < 20; i++) protocols[0].transport!.write(Buffer.alloc(1000, 65 + i));
      protocols[0].transport!.close();
      await client.until(() => sizes.length === 1);
      let total = sizes[0];
      while (!client.lost) {
        const before = sizes.length;
        await asyncio.sleep(0.005);
        expect(sizes.length).toBe(before); // paused: nothing more
        transport.resumeReading();
        await client.until(() => sizes.length > before || client.lost);
        total = sizes.reduce((a, b) => a + b, 0);
      }
      expect(total).toBe(20_000);
      server.close();
      await server.waitClosed();
    }));

  it("BufferedProtocol receives into its own buffers", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const { server, protocols, host, port } = await recordingServer();
      const received: number[] = [];
      const events: string[] = [];
      const lost = loop.createFuture<void>();
      class Reader extends asyncio.BufferedProtocol {
        buffer = new Uint8Array(1000);
        override getBuffer(sizehint: number): Uint8Array {
          expect(sizehint).toBeGreaterThan(0);
          return this.buffer;
        }
        override bufferUpdated(nbytes: number): void {
          for (let i = 0; i < nbytes; i++) received.push(this.buffer[i]);
        }
        override eofReceived(): boolean {
          events.push("eof");
          return false;
        }
        override connectionLost(exc: Error | null): void {
          events.push(`lost ${String(exc)}`);
          lost.setResult();
        }
      }
      await loop.createConnection(() => new Reader(), host, port);
      await waitFor(() => protocols.length === 1 && protocols[0].transport !== null);
      const data = Buffer.alloc(10_000);
      for (let i = 0; i < data.length; i++) data[i] = i % 251;
      protocols[0].transport!.write(data);
      protocols[0].transport!.close();
      await lost;
      expect(Buffer.from(received).equals(data)).toBe(true);
      expect(events).toEqual(["eof", "lost null"]);
      server.close();
      await server.waitClosed();
    }));
});

describe("connection errors", T, () => {
  it("connection refused: Node's error, code ECONNREFUSED (Python's ConnectionRefusedError); no protocol is made", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const port = await freePort();
      let made = 0;
      const error = await loop.createConnection(() => (made++, new Recorder()), "127.0.0.1", port).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as { code?: string }).code).toBe("ECONNREFUSED");
      expect((error as { syscall?: string }).syscall).toBe("connect");
      expect(made).toBe(0);
    }));

  it("an unknown host: Node's resolver error, code ENOTFOUND (Python's socket.gaierror)", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const error = await loop.createConnection(() => new Recorder(), "no-such-host.invalid", 80).catch((e: unknown) => e);
      expect((error as { code?: string }).code).toBe("ENOTFOUND");
      expect((error as { hostname?: string }).hostname).toBe("no-such-host.invalid");
      const streamError = await asyncio.openConnection("no-such-host.invalid", 80).catch((e: unknown) => e);
      expect((streamError as { code?: string }).code).toBe("ENOTFOUND");
    }));

  it.skipIf(!HAS_IPV6)("every address refused: OSError('Multiple exceptions: ...'), or an ExceptionGroup with allErrors", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const port = await freePort();
      // A null host stands for both loopback addresses, 127.0.0.1 and ::1.
      const error = await loop.createConnection(() => new Recorder(), null, port).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(asyncio.OSError);
      expect((error as Error).message).toMatch(/^Multiple exceptions: connect ECONNREFUSED .*, connect ECONNREFUSED /);
      const group = await loop.createConnection(() => new Recorder(), null, port, { allErrors: true }).catch((e: unknown) => e);
      expect(group).toBeInstanceOf(ExceptionGroup);
      expect((group as ExceptionGroup).exceptions.map((e) => (e as { code?: string }).code)).toEqual(["ECONNREFUSED", "ECONNREFUSED"]);
    }));

  it("argument errors as asyncio gives them", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const factory = (): Recorder => new Recorder();
      await expect(loop.createConnection(factory, "127.0.0.1", 1, { serverHostname: "x" })).rejects.toThrow("server_hostname is only meaningful with ssl");
      await expect(loop.createConnection(factory, null, null, { ssl: true })).rejects.toThrow("You must set server_hostname when using ssl without a host");
      await expect(loop.createConnection(factory, "127.0.0.1", 1, { sslHandshakeTimeout: 1 })).rejects.toThrow("ssl_handshake_timeout is only meaningful with ssl");
      await expect(loop.createConnection(factory)).rejects.toThrow("host and port was not specified and no sock specified");
      await expect(loop.createConnection(factory, "127.0.0.1", 1, { server_hostname: "x" } as never)).rejects.toThrow(/unexpected option 'server_hostname'/);
      await expect(loop.createConnection("nope" as never, "127.0.0.1", 1)).rejects.toThrow(TypeError);
      await expect(loop.createConnection(factory, "127.0.0.1", 1, { happyEyeballsDelay: -1 })).rejects.toThrow(/happyEyeballsDelay/);
    }));

  it("cancelling a connection attempt while it connects: CancelledError, no protocol", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const { server, host, port } = await recordingServer();
      let made = 0;
      const task = asyncio.createTask(() => loop.createConnection(() => (made++, new Recorder()), host, port));
      await asyncio.sleep(0); // the task is now waiting for the socket to connect
      task.cancel();
      await expect(task).rejects.toThrow(asyncio.CancelledError);
      expect(made).toBe(0);
      server.close();
      await server.waitClosed();
    }));
});

describe("other ways to connect", T, () => {
  it("localAddr binds the local end", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const { server, host, port } = await recordingServer();
      const local = await freePort();
      const [transport] = await loop.createConnection(() => new Recorder(), host, port, { localAddr: ["127.0.0.1", local] });
      expect(transport.getExtraInfo("sockname")).toEqual(["127.0.0.1", local]);
      transport.close();
      server.close();
      await server.waitClosed();
    }));

  it.skipIf(!HAS_IPV6)("Happy Eyeballs: with happyEyeballsDelay, a refused address starts the next attempt at once", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      // Only ::1 listens; a null host stands for 127.0.0.1 (tried first, refused), then ::1.
      const server = await loop.createServer(() => new Recorder(), "::1", 0);
      const [, port] = serverAddress(server);
      const start = loop.time();
      const [transport] = await loop.createConnection(() => new Recorder(), null, port, { happyEyeballsDelay: 1 });
      expect(transport.getExtraInfo("peername")).toEqual(["::1", port, 0, 0]);
      expect(loop.time() - start).toBeLessThan(0.5);
      transport.close();
      server.close();
      await server.waitClosed();
      // Every attempt refused: the errors, as without Happy Eyeballs.
      const error = await loop.createConnection(() => new Recorder(), null, port, { happyEyeballsDelay: 1, allErrors: true }).catch((e: unknown) => e);
      expect((error as ExceptionGroup).exceptions.map((e) => (e as { code?: string }).code)).toEqual(["ECONNREFUSED", "ECONNREFUSED"]);
    }));

  it("sock: an existing net.Socket, and connectAcceptedSocket for a socket accepted outside asyncio", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const accepted = loop.createFuture<net.Socket>();
      const plainServer = net.createServer((s) => accepted.setResult(s));
      await new Promise<void>((resolve) => plainServer.listen(0, "127.0.0.1", resolve));
      const port = (plainServer.address() as net.AddressInfo).port;
      const raw = net.connect(port, "127.0.0.1");
      const client = new Recorder();
      const [clientTransport] = await loop.createConnection(() => client, null, null, { sock: raw });
      const peer = new Recorder();
      const [serverTransport] = await loop.connectAcceptedSocket(() => peer, await accepted);
      clientTransport.write(Buffer.from("ping"));
      await peer.until(() => peer.received.length === 4);
      serverTransport.write(Buffer.from("pong"));
      await client.until(() => client.received.length === 4);
      expect([peer.received.toString(), client.received.toString()]).toEqual(["ping", "pong"]);
      clientTransport.close();
      await peer.until(() => peer.lost);
      plainServer.close();
      await expect(loop.createConnection(() => client, "127.0.0.1", port, { sock: raw })).rejects.toThrow("host/port and sock can not be specified at the same time");
    }));
});

describe("protocols and the abstract transports", T, () => {
  it("the base classes: protocol defaults do nothing; abstract transport methods throw NotImplementedError", () => {
    const p = new asyncio.Protocol();
    expect(p.connectionMade(null)).toBeUndefined();
    expect(p.dataReceived(Buffer.alloc(1))).toBeUndefined();
    expect(p.eofReceived()).toBeUndefined();
    expect(new asyncio.DatagramProtocol().datagramReceived(Buffer.alloc(0), ["127.0.0.1", 1])).toBeUndefined();
    expect(new asyncio.SubprocessProtocol().processExited()).toBeUndefined();
    expect(() => new asyncio.BufferedProtocol().getBuffer(1)).toThrow(NotImplementedError);
    const t = new asyncio.Transport({ peername: ["h", 1] });
    expect(t.getExtraInfo("peername")).toEqual(["h", 1]);
    for (const call of [() => t.write(Buffer.alloc(1)), () => t.close(), () => t.isClosing(), () => t.pauseReading(), () => t.abort(), () => t.getWriteBufferSize()]) {
      expect(call).toThrow(NotImplementedError);
    }
    expect(() => t.writelines([Buffer.alloc(1)])).toThrow(/write\(\) is not implemented/);
    expect(String(t)).toBe("<Transport>");
    expect(new asyncio.ReadTransport()).not.toBeInstanceOf(asyncio.WriteTransport);
    expect(() => new asyncio.DatagramTransport().sendto(Buffer.alloc(1))).toThrow(NotImplementedError);
  });

  it("setProtocol / getProtocol; a factory returning no object is a TypeError", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const { server, protocols, host, port } = await recordingServer();
      await expect(loop.createConnection(() => null as never, host, port)).rejects.toThrow(/must return a protocol object/);
      const first = new Recorder();
      const [transport] = await loop.createConnection(() => first, host, port);
      expect(transport.getProtocol()).toBe(first);
      const second = new Recorder();
      transport.setProtocol(second);
      expect(transport.getProtocol()).toBe(second);
      await waitFor(() => protocols.length === 2 && protocols[1].transport !== null);
      protocols[1].transport!.write(Buffer.from("to the new protocol"));
      await second.until(() => second.received.length > 0);
      expect(first.received.length).toBe(0);
      transport.close();
      server.close();
      server.closeClients();
      await server.waitClosed();
    }));

  it("an error in connectionMade is reported as an error in a callback; the connection stays", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const reported: string[] = [];
      loop.setExceptionHandler((_loop, context) => reported.push(context.message));
      const { server, protocols, host, port } = await recordingServer();
      const client = new Recorder({
        onMade: () => {
          throw new Error("in connectionMade");
        },
      });
      await loop.createConnection(() => client, host, port);
      expect(reported).toHaveLength(1);
      expect(reported[0]).toMatch(/^Exception in callback/);
      await waitFor(() => protocols.length === 1 && protocols[0].transport !== null);
      protocols[0].transport!.write(Buffer.from("still connected"));
      await client.until(() => client.received.length === 15);
      client.transport!.close();
      server.close();
      await server.waitClosed();
    }));
});

describe("the loop's lifetime", T, () => {
  it("events for a closed loop's transports destroy their sockets quietly", async () => {
    let hungUp!: () => void;
    const peerHungUp = new Promise<void>((resolve) => (hungUp = resolve));
    const server = await nodeServer((socket) => {
      socket.on("end", () => hungUp());
      setTimeout(() => socket.write("after the loop closed"), 20);
    });
    const loop = new asyncio.SyncTrioEventLoop();
    const client = new Recorder();
    await loop.runUntilComplete(() => loop.createConnection(() => client, "127.0.0.1", server.port));
    loop.close();
    await peerHungUp; // the data came, the loop could not take it: the socket was closed
    expect(client.events).toEqual(["made"]);
    expect(((client.transport!.getExtraInfo("socket") as asyncio.TransportSocket).nodeSocket as net.Socket).destroyed).toBe(true);
    await server.close();
  });
});
