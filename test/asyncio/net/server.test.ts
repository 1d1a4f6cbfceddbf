// asyncio.Server: addresses, startServing / serveForever, close / waitClosed (3.12.1
// semantics), closeClients / abortClients, the async context manager, errors.
import { describe, expect, it } from "vitest";
import * as asyncio from "../../../src/asyncio/index.js";
import { NotImplementedError, RuntimeError } from "../../../src/errors/builtins.js";
import { asyncWith } from "../../../src/loop/async-context-manager.js";
import { HAS_IPV6, hostPort, Recorder, runNet, serverAddress } from "./helpers.js";

const T = { timeout: 10_000 };

async function connect(host: string, port: number): Promise<[asyncio.SocketTransport, Recorder]> {
  return asyncio.getRunningLoop().createConnection(() => new Recorder(), host, port);
}

describe("listening", T, () => {
  it("sockets, isServing, getLoop, toString", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const server = await loop.createServer(() => new Recorder(), "127.0.0.1", 0);
      expect(server.isServing()).toBe(true);
      expect(server.getLoop()).toBe(loop);
      expect(server.sockets).toHaveLength(1);
      const [host, port] = serverAddress(server);
      expect(host).toBe("127.0.0.1");
      expect(port).toBeGreaterThan(0);
      expect(server.sockets[0].family).toBe(asyncio.socket.AF_INET);
      expect(() => server.sockets[0].getpeername()).toThrow(/not connected/);
      expect(String(server)).toBe(`<Server sockets=(<asyncio.TransportSocket family=AF_INET type=SOCK_STREAM proto=6 laddr=('127.0.0.1', ${port})>)>`);
      server.close();
      expect(server.isServing()).toBe(false);
      expect(server.sockets).toEqual([]);
      server.close(); // no-op
      await server.waitClosed();
      await server.waitClosed();
    }));

  it.skipIf(!HAS_IPV6)("a null host listens on every interface, IPv4 and IPv6; a list of hosts on each", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const server = await loop.createServer(() => new Recorder(), null, 0);
      const names = server.sockets.map((s) => s.getsockname()[0]).sort();
      expect(names).toEqual(["0.0.0.0", "::"]);
      server.close();
      await server.waitClosed();
      const both = await loop.createServer(() => new Recorder(), ["127.0.0.1", "::1", "127.0.0.1"], 0);
      expect(both.sockets.map((s) => s.family).sort((x, y) => x - y)).toEqual([asyncio.socket.AF_INET, asyncio.socket.AF_INET6]);
      const v6 = both.sockets.find((s) => s.family === asyncio.socket.AF_INET6)!;
      expect(v6.getsockname()).toEqual(["::1", hostPort(v6.getsockname())[1], 0, 0]);
      const [transport] = await connect("::1", hostPort(v6.getsockname())[1]);
      expect(transport.getExtraInfo("peername")).toEqual(["::1", hostPort(v6.getsockname())[1], 0, 0]);
      transport.close();
      both.close();
      await both.waitClosed();
    }));

  it("bind errors are Node's (EADDRINUSE); argument errors as asyncio gives them", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const server = await loop.createServer(() => new Recorder(), "127.0.0.1", 0);
      const error = await loop.createServer(() => new Recorder(), ...serverAddress(server)).catch((e: unknown) => e);
      expect((error as { code?: string }).code).toBe("EADDRINUSE");
      await expect(loop.createServer(() => new Recorder(), "127.0.0.1", 0, { ssl: true as never })).rejects.toThrow(TypeError);
      await expect(loop.createServer(() => new Recorder(), "127.0.0.1", 0, { sslHandshakeTimeout: 1 })).rejects.toThrow("ssl_handshake_timeout is only meaningful with ssl");
      await expect(loop.createServer(() => new Recorder(), "127.0.0.1", 0, { reuseAddress: false })).rejects.toThrow(NotImplementedError);
      await expect(loop.createServer(() => new Recorder())).rejects.toThrow("Neither host/port nor sock were specified");
      const unknown = await loop.createServer(() => new Recorder(), "no-such-host.invalid", 0).catch((e: unknown) => e);
      expect((unknown as { code?: string }).code).toBe("ENOTFOUND");
      server.close();
      await server.waitClosed();
    }));
});

describe("serving", T, () => {
  it("startServing: false holds connections until startServing()", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const made: Recorder[] = [];
      const server = await loop.createServer(() => (made.push(new Recorder()), made[made.length - 1]), "127.0.0.1", 0, { startServing: false });
      expect(server.isServing()).toBe(false);
      const [transport, client] = await connect(...serverAddress(server));
      transport.write(Buffer.from("early"));
      await asyncio.sleep(0.02);
      expect(made).toHaveLength(0);
      await server.startServing();
      expect(server.isServing()).toBe(true);
      while (made.length === 0 || made[0].received.length < 5) await asyncio.sleep(0.001);
      expect(made[0].received.toString()).toBe("early");
      await server.startServing(); // no-op
      transport.close();
      await client.until(() => client.lost);
      server.close();
      await server.waitClosed();
    }));

  it("close() stops listening but keeps connections; waitClosed() waits for them (either order)", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const peers: Recorder[] = [];
      const server = await loop.createServer(() => (peers.push(new Recorder()), peers[peers.length - 1]), "127.0.0.1", 0);
      const [host, port] = serverAddress(server);
      const [transport, client] = await connect(host, port);
      while (peers.length === 0 || peers[0].transport === null) await asyncio.sleep(0.001);
      const early = asyncio.createTask(() => server.waitClosed()); // before close(): waits for it
      await asyncio.sleep(0.01);
      expect(early.done()).toBe(false);
      server.close();
      const late = asyncio.createTask(() => server.waitClosed());
      await asyncio.sleep(0.01);
      expect([early.done(), late.done()]).toEqual([false, false]); // a connection is still open
      await expect(connect(host, port)).rejects.toMatchObject({ code: "ECONNREFUSED" });
      transport.write(Buffer.from("still open"));
      await peers[0].until(() => peers[0].received.length === 10);
      transport.close();
      await Promise.all([early, late]);
      expect(peers[0].lost).toBe(true);
      await client.until(() => client.lost);
    }));

  it("closeClients() and abortClients() close the open connections", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const server = await loop.createServer(() => new Recorder(), "127.0.0.1", 0);
      const [, a] = await connect(...serverAddress(server));
      const [, b] = await connect(...serverAddress(server));
      while (server._clients.size < 2) await asyncio.sleep(0.001);
      server.close();
      server.closeClients();
      await a.until(() => a.lost);
      await b.until(() => b.lost);
      await server.waitClosed();
      const other = await loop.createServer(() => new Recorder(), "127.0.0.1", 0);
      const [, c] = await connect(...serverAddress(other));
      while (other._clients.size < 1) await asyncio.sleep(0.001);
      other.abortClients();
      await c.until(() => c.lost);
      other.close();
      await other.waitClosed();
    }));

  it("serveForever serves until cancelled, then closes the server; only one at a time", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const server = await loop.createServer(() => new Recorder(), "127.0.0.1", 0, { startServing: false });
      const forever = asyncio.createTask(() => server.serveForever());
      await asyncio.sleep(0);
      expect(server.isServing()).toBe(true);
      await expect(server.serveForever()).rejects.toThrow(RuntimeError);
      await expect(server.serveForever()).rejects.toThrow(/is already being awaited on serve_forever\(\)/);
      forever.cancel();
      await expect(forever).rejects.toThrow(asyncio.CancelledError);
      expect(server.isServing()).toBe(false);
      await expect(server.serveForever()).rejects.toThrow(/is closed/);
    }));

  it("close() from elsewhere ends serveForever with CancelledError", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const server = await loop.createServer(() => new Recorder(), "127.0.0.1", 0);
      const forever = asyncio.createTask(() => server.serveForever());
      await asyncio.sleep(0);
      server.close();
      await expect(forever).rejects.toThrow(asyncio.CancelledError);
    }));

  it("an async context manager: leaving it closes the server and waits", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const server = await loop.createServer(() => new Recorder(), "127.0.0.1", 0);
      const inside = await asyncWith(server, async (s) => {
        expect(s).toBe(server);
        return s.isServing();
      });
      expect(inside).toBe(true);
      expect(server.sockets).toEqual([]);
      const other = await loop.createServer(() => new Recorder(), "127.0.0.1", 0);
      await other[Symbol.asyncDispose]();
      expect(other.isServing()).toBe(false);
    }));

  it("a protocol factory that throws is reported; the connection is closed", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const reported: asyncio.ExceptionContext[] = [];
      loop.setExceptionHandler((_loop, context) => reported.push(context));
      const boom = new Error("no protocol");
      const server = await loop.createServer(() => {
        throw boom;
      }, "127.0.0.1", 0);
      const [, client] = await connect(...serverAddress(server));
      await client.until(() => client.lost);
      expect(reported.map((c) => [c.message, c.exception])).toEqual([["Error on transport creation for incoming connection", boom]]);
      server.close();
      await server.waitClosed();
    }));

  it("accepted connections get their protocol at the loop's next iteration, as asyncio loop callbacks", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const peers: Recorder[] = [];
      const server = await loop.createServer(() => (peers.push(new Recorder()), peers[peers.length - 1]), "127.0.0.1", 0);
      const [transport] = await connect(...serverAddress(server));
      transport.write(Buffer.from("x"));
      transport.close();
      while (peers.length === 0 || !peers[0].lost) await asyncio.sleep(0.001);
      expect(peers[0].events).toEqual(["made", "data", "eof", "lost null"]);
      expect([...peers[0].libraries]).toEqual(["asyncio"]);
      server.close();
      await server.waitClosed();
    }));
});
