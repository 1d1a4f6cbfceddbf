// Unix domain sockets (createUnixServer / createUnixConnection, the stream versions) and
// datagram endpoints (createDatagramEndpoint).
import { existsSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import * as asyncio from "../../../src/asyncio/index.js";
import { NotImplementedError, ValueError } from "../../../src/errors/builtins.js";
import { clientTls, Recorder, runNet, serverTls, socketPath } from "./helpers.js";

const T = { timeout: 10_000 };

describe("Unix domain sockets", T, () => {
  it("createUnixServer / createUnixConnection: data both ways, extra info, the socket file removed on close", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const path = socketPath();
      const peers: Recorder[] = [];
      const server = await loop.createUnixServer(() => (peers.push(new Recorder({ onData: (d, p) => p.transport!.write(d) })), peers[peers.length - 1]), path);
      expect(existsSync(path)).toBe(true);
      expect(server.sockets[0].getsockname()).toBe(path);
      expect(server.sockets[0].family).toBe(asyncio.socket.AF_UNIX);
      const client = new Recorder();
      const [transport] = await loop.createUnixConnection(() => client, path);
      expect(transport.getExtraInfo("peername")).toBe(path);
      expect(transport.getExtraInfo("sockname")).toBe("");
      expect((transport.getExtraInfo("socket") as asyncio.TransportSocket).proto).toBe(0);
      transport.write(Buffer.from("unix"));
      await client.until(() => client.received.length === 4);
      expect(peers[0].transport!.getExtraInfo("sockname")).toBe(path);
      transport.writeEof();
      await client.until(() => client.lost);
      expect(client.events).toEqual(["made", "data", "eof", "lost null"]);
      server.close();
      await server.waitClosed();
      expect(existsSync(path)).toBe(false);
    }));

  it("streams over a Unix socket; a stale socket file is replaced; a missing one is ENOENT", () => {
    const path = socketPath();
    // A socket file left behind by a process that exited without closing its server.
    execFileSync(process.execPath, ["-e", `require("node:net").createServer().listen(${JSON.stringify(path)}, () => process.exit(0))`]);
    expect(existsSync(path)).toBe(true);
    return runNet(async () => {
      const server = await asyncio.startUnixServer(async (reader, writer) => {
        writer.write(await reader.readline());
        writer.close();
      }, path);
      const [reader, writer] = await asyncio.openUnixConnection(path);
      writer.write(Buffer.from("over unix\n"));
      expect((await reader.read()).toString()).toBe("over unix\n");
      writer.close();
      server.close();
      await server.waitClosed();
      const missing = await asyncio.openUnixConnection(path).catch((e: unknown) => e);
      expect((missing as { code?: string }).code).toBe("ENOENT");
      // A regular file is not removed: binding fails.
      writeFileSync(path, "not a socket");
      const blocked = await asyncio.startUnixServer(() => {}, path).catch((e: unknown) => e);
      expect((blocked as { code?: string }).code).toBe("EADDRINUSE");
    });
  });

  it("TLS over a Unix socket needs serverHostname", () =>
    runNet(async () => {
      const path = socketPath();
      const server = await asyncio.startUnixServer(async (reader, writer) => {
        writer.write(await reader.readline());
        writer.close();
      }, path, { ssl: serverTls });
      await expect(asyncio.openUnixConnection(path, { ssl: clientTls })).rejects.toThrow("you have to pass server_hostname when using ssl");
      const [reader, writer] = await asyncio.openUnixConnection(path, { ssl: clientTls, serverHostname: "localhost" });
      writer.write(Buffer.from("tls over unix\n"));
      expect((await reader.read()).toString()).toBe("tls over unix\n");
      writer.close();
      server.close();
      await server.waitClosed();
    }));
});

/** A datagram protocol recording what it gets. */
class DatagramRecorder extends asyncio.DatagramProtocol {
  events: string[] = [];
  datagrams: [string, asyncio.SockAddr][] = [];
  errors: Error[] = [];
  transport: asyncio.DatagramSocketTransport | null = null;
  private waiters: asyncio.Future<void>[] = [];
  override connectionMade(transport: unknown): void {
    this.transport = transport as asyncio.DatagramSocketTransport;
    this.note("made");
  }
  override datagramReceived(data: Buffer, addr: asyncio.SockAddr): void {
    this.datagrams.push([data.toString(), addr]);
    this.note("datagram");
  }
  override errorReceived(exc: Error): void {
    this.errors.push(exc);
    this.note(`error ${(exc as { code?: string }).code}`);
  }
  override connectionLost(exc: Error | null): void {
    this.note(`lost ${String(exc)}`);
  }
  private note(event: string): void {
    this.events.push(event);
    for (const w of this.waiters.splice(0)) if (!w.done()) w.setResult();
  }
  async until(predicate: () => boolean): Promise<void> {
    while (!predicate()) {
      const w = asyncio.getRunningLoop().createFuture<void>();
      this.waiters.push(w);
      await w;
    }
  }
}

describe("datagram endpoints", T, () => {
  it("a bound endpoint and a connected one exchange datagrams", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const [serverTransport, server] = await loop.createDatagramEndpoint(() => new DatagramRecorder(), { localAddr: ["127.0.0.1", 0] });
      expect(server.events).toEqual(["made"]);
      const serverAddr = serverTransport.getExtraInfo("sockname") as [string, number];
      expect(serverAddr[0]).toBe("127.0.0.1");
      expect(serverTransport.getExtraInfo("peername")).toBeNull();
      const [clientTransport, client] = await loop.createDatagramEndpoint(() => new DatagramRecorder(), { remoteAddr: serverAddr });
      expect(clientTransport.getExtraInfo("peername")).toEqual(serverAddr);
      clientTransport.sendto(Buffer.from("ping"));
      clientTransport.sendto(Buffer.from("ping 2"), serverAddr);
      expect(() => clientTransport.sendto(Buffer.from("x"), ["127.0.0.1", 1])).toThrow(ValueError);
      expect(() => clientTransport.sendto("text" as never)).toThrow(TypeError);
      await server.until(() => server.datagrams.length === 2);
      const from = server.datagrams[0][1];
      expect(server.datagrams.map((d) => d[0])).toEqual(["ping", "ping 2"]);
      serverTransport.sendto(Buffer.from("pong"), from);
      await client.until(() => client.datagrams.length === 1);
      expect(client.datagrams).toEqual([["pong", serverAddr]]);
      expect(() => serverTransport.sendto(Buffer.from("x"))).toThrow(TypeError);
      clientTransport.close();
      serverTransport.close();
      await client.until(() => client.events.includes("lost null"));
      await server.until(() => server.events.includes("lost null"));
      expect(client.events).toEqual(["made", "datagram", "lost null"]);
      expect(clientTransport.isClosing()).toBe(true);
    }));

  it("a failed send goes to errorReceived and the endpoint stays open", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const [transport, protocol] = await loop.createDatagramEndpoint(() => new DatagramRecorder(), { localAddr: ["127.0.0.1", 0] });
      const self = transport.getExtraInfo("sockname") as asyncio.SockAddr;
      transport.sendto(Buffer.alloc(70_000), self); // over the UDP size limit
      await protocol.until(() => protocol.errors.length === 1);
      expect((protocol.errors[0] as { code?: string }).code).toBe("EMSGSIZE");
      transport.sendto(Buffer.from("still works"), self);
      await protocol.until(() => protocol.datagrams.length === 1);
      transport.abort();
      await protocol.until(() => protocol.events.includes("lost null"));
    }));

  it("argument errors as asyncio gives them; no Unix datagram sockets in Node", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const factory = (): DatagramRecorder => new DatagramRecorder();
      await expect(loop.createDatagramEndpoint(factory)).rejects.toThrow("unexpected address family");
      await expect(loop.createDatagramEndpoint(factory, { family: asyncio.socket.AF_UNIX, localAddr: "/tmp/x" as never })).rejects.toThrow(NotImplementedError);
      await expect(loop.createDatagramEndpoint(factory, { localAddr: ["127.0.0.1"] as never })).rejects.toThrow("2-tuple is expected");
      // Unbound, with a family: the first send binds it.
      const [transport] = await loop.createDatagramEndpoint(factory, { family: asyncio.socket.AF_INET });
      transport.close();
    }));
});
