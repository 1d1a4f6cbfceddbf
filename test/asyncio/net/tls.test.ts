// TLS: createConnection / createServer with ssl, extra info, certificate and host name
// checks, the handshake timeout, startTls on transports and streams.
import * as tls from "node:tls";
import { describe, expect, it } from "vitest";
import * as asyncio from "../../../src/asyncio/index.js";
import { clientTls, nodeServer, Recorder, runNet, serverAddress, serverTls } from "./helpers.js";

const T = { timeout: 10_000 };

async function tlsEchoServer(): Promise<asyncio.Server> {
  return asyncio.startServer(async (reader, writer) => {
    for await (const line of reader) {
      writer.write(line);
      await writer.drain();
    }
    writer.close();
  }, "127.0.0.1", 0, { ssl: serverTls });
}

describe("TLS connections", T, () => {
  it("createConnection with ssl: the handshake happens before connectionMade; extra info", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const server = await tlsEchoServer();
      const [, port] = serverAddress(server);
      const client = new Recorder();
      const [transport] = await loop.createConnection(() => client, "localhost", port, { ssl: clientTls });
      expect(client.events).toEqual(["made"]);
      expect(transport.getExtraInfo("sslcontext")).toBe(clientTls);
      expect(transport.getExtraInfo("ssl_object")).toBeInstanceOf(tls.TLSSocket);
      expect((transport.getExtraInfo("peercert") as tls.PeerCertificate).subject.CN).toBe("localhost");
      expect((transport.getExtraInfo("cipher") as unknown[])[1]).toMatch(/^TLSv1\.[23]$/);
      expect(transport.getExtraInfo("peername")).toEqual(["127.0.0.1", port]);
      expect(transport.canWriteEof()).toBe(false);
      expect(() => transport.writeEof()).toThrow(/half-closes/);
      transport.write(Buffer.from("secret\n"));
      await client.until(() => client.received.length === 7);
      expect(client.received.toString()).toBe("secret\n");
      transport.close();
      await client.until(() => client.lost);
      expect(client.events).toEqual(["made", "data", "lost null"]);
      server.close();
      await server.waitClosed();
    }));

  it("streams over TLS; ssl: true uses Node's defaults (the self-signed certificate is refused)", () =>
    runNet(async () => {
      const server = await tlsEchoServer();
      const [, port] = serverAddress(server);
      const [reader, writer] = await asyncio.openConnection("localhost", port, { ssl: clientTls });
      writer.write(Buffer.from("hi\n"));
      expect((await reader.readline()).toString()).toBe("hi\n");
      writer.close();
      await writer.waitClosed();
      const refused = await asyncio.openConnection("localhost", port, { ssl: true }).catch((e: unknown) => e);
      expect((refused as { code?: string }).code).toBe("DEPTH_ZERO_SELF_SIGNED_CERT");
      server.close();
      await server.waitClosed();
    }));

  it("the host name is checked against serverHostname (default: host); '' skips the check", () =>
    runNet(async () => {
      const server = await tlsEchoServer();
      const [, port] = serverAddress(server);
      const wrong = await asyncio.openConnection("127.0.0.1", port, { ssl: clientTls, serverHostname: "example.com" }).catch((e: unknown) => e);
      expect((wrong as { code?: string }).code).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
      const [, byIp] = await asyncio.openConnection("127.0.0.1", port, { ssl: clientTls }); // the certificate has IP 127.0.0.1
      byIp.close();
      const [, unchecked] = await asyncio.openConnection("127.0.0.1", port, { ssl: clientTls, serverHostname: "" });
      unchecked.close();
      await unchecked.waitClosed();
      server.close();
      await server.waitClosed();
    }));

  it("a handshake that takes too long fails with ConnectionAbortedError", () =>
    runNet(async () => {
      const silent = await nodeServer(() => {}); // accepts, never answers
      const error = await asyncio.openConnection("127.0.0.1", silent.port, { ssl: clientTls, serverHostname: "localhost", sslHandshakeTimeout: 0.1 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(asyncio.ConnectionAbortedError);
      expect((error as Error).message).toBe("SSL handshake is taking longer than 0.1 seconds: aborting the connection");
      await silent.close();
    }));
});

describe("startTls", T, () => {
  it("loop.startTls upgrades both ends of a connection; the protocols go on with the new transports", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const peers: Recorder[] = [];
      const server = await loop.createServer(() => (peers.push(new Recorder()), peers[peers.length - 1]), "127.0.0.1", 0);
      const client = new Recorder();
      const [plain] = await loop.createConnection(() => client, ...serverAddress(server));
      while (peers.length === 0 || peers[0].transport === null) await asyncio.sleep(0.001);
      const peer = peers[0];
      const serverSide = asyncio.createTask(() => loop.startTls(peer.transport!, peer, serverTls, { serverSide: true }));
      const secure = await loop.startTls(plain, client, { ...clientTls, servername: "localhost" }, { serverHostname: "localhost" });
      const secureServer = await serverSide;
      expect(secure.getExtraInfo("sslcontext")).not.toBeNull();
      expect(plain.isClosing()).toBe(true);
      expect(() => plain.write(Buffer.from("x"))).toThrow(/startTls/);
      secure.write(Buffer.from("over tls"));
      await peer.until(() => peer.received.length === 8);
      secureServer.write(Buffer.from("reply"));
      await client.until(() => client.received.length === 5);
      expect([peer.received.toString(), client.received.toString()]).toEqual(["over tls", "reply"]);
      expect(client.events.filter((e) => e === "made")).toHaveLength(1);
      plain.close(); // goes to the TLS transport
      await client.until(() => client.lost);
      await peer.until(() => peer.lost);
      server.close();
      await server.waitClosed();
      await expect(loop.startTls(plain, client, clientTls)).rejects.toThrow(/is not supported by startTls\(\)/);
      await expect(loop.startTls(secure, client, null as never)).rejects.toThrow(TypeError);
    }));

  it("a failed handshake loses the connection with the error", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const peers: Recorder[] = [];
      const server = await loop.createServer(() => (peers.push(new Recorder()), peers[peers.length - 1]), "127.0.0.1", 0);
      const client = new Recorder();
      const [plain] = await loop.createConnection(() => client, ...serverAddress(server));
      while (peers.length === 0 || peers[0].transport === null) await asyncio.sleep(0.001);
      const serverSide = asyncio.createTask(() => loop.startTls(peers[0].transport!, peers[0], serverTls, { serverSide: true }));
      const error = await loop.startTls(plain, client, {}, { serverHostname: "localhost" }).catch((e: unknown) => e); // no CA: refused
      expect((error as { code?: string }).code).toBe("DEPTH_ZERO_SELF_SIGNED_CERT");
      await client.until(() => client.lost);
      expect(client.lostWith).toBe(error);
      // The server side sees the client hang up during its handshake.
      const serverError = await serverSide.catch((e: unknown) => e);
      expect(serverError).toBeInstanceOf(asyncio.ConnectionResetError);
      await peers[0].until(() => peers[0].lost);
      expect(peers[0].lostWith).toBe(serverError);
      server.close();
      await server.waitClosed();
    }));
});
