// getaddrinfo / getnameinfo, the sock* methods Node cannot offer, flavor checks, and
// networking on the bridge's loop (openLoop, from Trio through aioAsTrio).
import { describe, expect, it } from "vitest";
import * as asyncio from "../../../src/asyncio/index.js";
import { aioAsTrio, run as trioAsyncioRun } from "../../../src/decorators/index.js";
import { NotImplementedError, RuntimeError } from "../../../src/errors/builtins.js";
import { FlavorError } from "../../../src/flavor/flavor-error.js";
import * as trio from "../../../src/trio/index.js";
import { HAS_IPV6, Recorder, runNet, serverAddress } from "./helpers.js";

const T = { timeout: 10_000 };
const S = asyncio.socket;

describe("getaddrinfo", T, () => {
  it("returns Python-shaped tuples: [family, type, proto, canonname, sockaddr]", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      expect(await loop.getaddrinfo("127.0.0.1", 80, { type: S.SOCK_STREAM })).toEqual([[S.AF_INET, S.SOCK_STREAM, S.IPPROTO_TCP, "", ["127.0.0.1", 80]]]);
      // type 0: each address once per socket type, as glibc gives it.
      expect(await loop.getaddrinfo("127.0.0.1", "8080")).toEqual([
        [S.AF_INET, S.SOCK_STREAM, S.IPPROTO_TCP, "", ["127.0.0.1", 8080]],
        [S.AF_INET, S.SOCK_DGRAM, S.IPPROTO_UDP, "", ["127.0.0.1", 8080]],
        [S.AF_INET, S.SOCK_RAW, 0, "", ["127.0.0.1", 8080]],
      ]);
      expect(await loop.getaddrinfo("::1", null, { type: S.SOCK_DGRAM })).toEqual([[S.AF_INET6, S.SOCK_DGRAM, S.IPPROTO_UDP, "", ["::1", 0, 0, 0]]]);
      const localhost = await loop.getaddrinfo("localhost", 443, { type: S.SOCK_STREAM, family: S.AF_INET, flags: S.AI_CANONNAME });
      expect(localhost[0]).toEqual([S.AF_INET, S.SOCK_STREAM, S.IPPROTO_TCP, "localhost", ["127.0.0.1", 443]]);
      // A null host: the wildcard addresses for servers (AI_PASSIVE), else loopback.
      const passive = await loop.getaddrinfo(null, 0, { type: S.SOCK_STREAM, flags: S.AI_PASSIVE });
      expect(passive.map((i) => i[4][0])).toEqual(["0.0.0.0", "::"]);
      const active = await loop.getaddrinfo(null, 0, { type: S.SOCK_STREAM, family: S.AF_INET6 });
      expect(active.map((i) => i[4][0])).toEqual(["::1"]);
    }));

  it("errors are Node's resolver errors (Python's socket.gaierror)", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      await expect(loop.getaddrinfo("no-such-host.invalid", 80)).rejects.toMatchObject({ code: "ENOTFOUND", syscall: "getaddrinfo" });
      await expect(loop.getaddrinfo("localhost", 80, { flags: S.AI_NUMERICHOST })).rejects.toMatchObject({ code: "ENOTFOUND" });
      await expect(loop.getaddrinfo("localhost", "http")).rejects.toMatchObject({ code: "EAI_SERVICE" });
      await expect(loop.getaddrinfo("localhost", 80, { family: S.AF_UNIX })).rejects.toMatchObject({ code: "EAI_FAMILY" });
      await expect(loop.getaddrinfo("127.0.0.1", 80, { family: S.AF_INET6 })).rejects.toMatchObject({ code: "EAI_ADDRFAMILY" });
      await expect(loop.getaddrinfo("localhost", 70000)).rejects.toThrow(/port must be 0-65535/);
      await expect(loop.getaddrinfo("localhost", 80, { familly: 2 } as never)).rejects.toThrow(TypeError);
    }));
});

describe("getnameinfo", T, () => {
  it("maps a numeric address to [host, service]", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      expect(await loop.getnameinfo(["127.0.0.1", 80], S.NI_NUMERICHOST | S.NI_NUMERICSERV)).toEqual(["127.0.0.1", "80"]);
      const [host, service] = await loop.getnameinfo(["127.0.0.1", 8], S.NI_NUMERICSERV);
      expect(typeof host).toBe("string");
      expect(service).toBe("8");
      await expect(loop.getnameinfo(["localhost", 80])).rejects.toMatchObject({ code: "ENOTFOUND" });
      await expect(loop.getnameinfo("127.0.0.1" as never)).rejects.toThrow(TypeError);
    }));
});

describe("what Node cannot offer", () => {
  it("the sock* methods throw NotImplementedError naming transports and streams", () => {
    const loop = new asyncio.SyncTrioEventLoop();
    const calls: [string, () => unknown][] = [
      ["sockRecv", () => loop.sockRecv(null, 1)],
      ["sockRecvInto", () => loop.sockRecvInto(null, new Uint8Array(1))],
      ["sockRecvfrom", () => loop.sockRecvfrom(null, 1)],
      ["sockRecvfromInto", () => loop.sockRecvfromInto(null, new Uint8Array(1))],
      ["sockSendall", () => loop.sockSendall(null, new Uint8Array(1))],
      ["sockSendto", () => loop.sockSendto(null, new Uint8Array(1), ["127.0.0.1", 1])],
      ["sockConnect", () => loop.sockConnect(null, ["127.0.0.1", 1])],
      ["sockAccept", () => loop.sockAccept(null)],
      ["sockSendfile", () => loop.sockSendfile(null, null)],
    ];
    for (const [name, call] of calls) {
      expect(call).toThrow(NotImplementedError);
      expect(call).toThrow(new RegExp(`^loop\\.${name}\\(\\) is not available: .*loop\\.createConnection.*asyncio\\.openConnection`));
    }
    loop.close();
  });
});

describe("flavor checks", T, () => {
  it("loop networking coroutines are asyncio-flavored", async () => {
    const loop = new asyncio.SyncTrioEventLoop();
    await trio.run(async () => {
      await expect(loop.createConnection(() => new Recorder(), "127.0.0.1", 1)).rejects.toThrow(FlavorError);
      await expect(loop.createServer(() => new Recorder(), "127.0.0.1", 0)).rejects.toThrow(/loop\.createServer\(\) is asyncio-flavored.*aioAsTrio/);
      await expect(loop.getaddrinfo("localhost", 80)).rejects.toThrow(FlavorError);
    });
    await expect(loop.createConnection(() => new Recorder(), "127.0.0.1", 1)).rejects.toThrow(/must run on an asyncio event loop/);
    loop.close();
  });

  it("a loop's methods refuse a caller running on another loop", () =>
    runNet(async () => {
      const other = new asyncio.SyncTrioEventLoop();
      await expect(other.createConnection(() => new Recorder(), "127.0.0.1", 1)).rejects.toThrow(RuntimeError);
      await expect(other.getaddrinfo("localhost", 80)).rejects.toThrow(/another event loop/);
      other.close();
    }));
});

describe("on the bridge's loop", T, () => {
  it("openLoop's loop serves and connects, from Trio code through aioAsTrio", async () => {
    const result = await trioAsyncioRun(async () => {
      return await aioAsTrio(async () => {
        const server = await asyncio.startServer(async (reader, writer) => {
          writer.write(await reader.readline());
          writer.close();
        }, "127.0.0.1", 0);
        const [reader, writer] = await asyncio.openConnection(...serverAddress(server));
        writer.write(Buffer.from("across the bridge\n"));
        const line = (await reader.read()).toString();
        writer.close();
        await writer.waitClosed();
        server.close();
        await server.waitClosed();
        return line;
      })();
    });
    expect(result).toBe("across the bridge\n");
  });

  it.skipIf(!HAS_IPV6)("IPv6 loopback", () =>
    runNet(async () => {
      const server = await asyncio.startServer(async (_reader, writer) => {
        writer.write(Buffer.from(String((writer.getExtraInfo("peername") as unknown[]).length)));
        writer.close();
      }, "::1", 0);
      const [reader] = await asyncio.openConnection(...serverAddress(server));
      expect((await reader.read()).toString()).toBe("4"); // [host, port, flowinfo, scopeId]
      server.close();
      await server.waitClosed();
    }));
});
