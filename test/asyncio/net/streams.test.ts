// Streams over real connections: asyncio.openConnection / startServer, the reader's
// methods and limit (transport paused past it), the writer's close / waitClosed / drain,
// the clientConnected callback's flavors and errors.
import { describe, expect, it } from "vitest";
import * as asyncio from "../../../src/asyncio/index.js";
import { FlavorError } from "../../../src/flavor/flavor-error.js";
import { currentAsyncLibrary } from "../../../src/flavor/sniffio.js";
import * as trio from "../../../src/trio/index.js";
import { nodeServer, runNet, serverAddress } from "./helpers.js";

const T = { timeout: 10_000 };

describe("openConnection / startServer", T, () => {
  it("an echo server: lines, readexactly, readuntil, async iteration, EOF", () =>
    runNet(async () => {
      const where: string[] = [];
      const server = await asyncio.startServer(async (reader, writer) => {
        where.push(`${currentAsyncLibrary()} ${asyncio.currentTask() === null ? "callback" : "task"}`);
        for await (const line of reader) {
          writer.write(line);
          await writer.drain();
        }
        writer.close();
        await writer.waitClosed();
      }, "127.0.0.1", 0);
      const [reader, writer] = await asyncio.openConnection(...serverAddress(server));
      expect(writer.getExtraInfo("peername")).toEqual(serverAddress(server));
      expect(writer.transport).toBeInstanceOf(asyncio.SocketTransport);
      writer.write(Buffer.from("line 1\nline 2\n"));
      writer.writelines([Buffer.from("abc"), Buffer.from("XYZ\n")]);
      writer.write(Buffer.from("last"));
      await writer.drain();
      expect((await reader.readline()).toString()).toBe("line 1\n");
      expect((await reader.readexactly(4)).toString()).toBe("line");
      expect((await reader.readuntil(Buffer.from("\n"))).toString()).toBe(" 2\n");
      expect((await reader.readuntil([Buffer.from("Z\n"), Buffer.from("XY")])).toString()).toBe("abcXY");
      expect((await reader.readline()).toString()).toBe("Z\n");
      expect(writer.canWriteEof()).toBe(true);
      writer.writeEof();
      // The server echoes only whole lines: "last" comes back as the final partial line.
      expect((await reader.read()).toString()).toBe("last");
      expect(reader.atEof()).toBe(true);
      await writer.waitClosed();
      expect(writer.isClosing()).toBe(true);
      expect(where).toEqual(["asyncio task"]);
      server.close();
      await server.waitClosed();
    }));

  it("readexactly at EOF: IncompleteReadError with the partial bytes", () =>
    runNet(async () => {
      const server = await asyncio.startServer((_reader, writer) => {
        writer.write(Buffer.from("only 9 b."));
        writer.close();
      }, "127.0.0.1", 0);
      const [reader, writer] = await asyncio.openConnection(...serverAddress(server));
      const error = (await reader.readexactly(100).catch((e: unknown) => e)) as asyncio.IncompleteReadError;
      expect(error).toBeInstanceOf(asyncio.IncompleteReadError);
      expect(Buffer.from(error.partial).toString()).toBe("only 9 b.");
      expect(error.expected).toBe(100);
      writer.close();
      await writer.waitClosed();
      server.close();
      await server.waitClosed();
    }));

  it("a plain (sync) clientConnected callback runs in connectionMade; a Promise it returns is awaited by a Task", () =>
    runNet(async () => {
      const seen: string[] = [];
      const server = await asyncio.startServer(
        (reader, writer) => {
          seen.push(`sync cb, task: ${asyncio.currentTask() !== null}`);
          return (async () => {
            const data = await reader.readexactly(2);
            writer.write(data);
            writer.close();
          })();
        },
        "127.0.0.1",
        0,
      );
      const [reader, writer] = await asyncio.openConnection(...serverAddress(server));
      writer.write(Buffer.from("ok"));
      expect((await reader.read()).toString()).toBe("ok");
      expect(seen).toEqual(["sync cb, task: false"]);
      writer.close();
      server.close();
      await server.waitClosed();
    }));

  it("an error in the clientConnected task is reported and closes the connection", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const reported: asyncio.ExceptionContext[] = [];
      loop.setExceptionHandler((_loop, context) => reported.push(context));
      const boom = new Error("handler failed");
      const server = await asyncio.startServer(async () => {
        throw boom;
      }, "127.0.0.1", 0);
      const [reader, writer] = await asyncio.openConnection(...serverAddress(server));
      expect((await reader.read()).length).toBe(0); // the server side closed
      expect(reported.map((c) => [c.message, c.exception])).toEqual([["Unhandled exception in client_connected_cb", boom]]);
      writer.close();
      server.close();
      await server.waitClosed();
    }));

  it("the reader's limit pauses the transport past twice the limit, and reads resume it", () =>
    runNet(async () => {
      const total = 1024 * 1024;
      const server = await asyncio.startServer(async (_reader, writer) => {
        writer.write(Buffer.alloc(total, 1));
        await writer.drain();
        writer.close();
      }, "127.0.0.1", 0);
      const [reader, writer] = await asyncio.openConnection(...serverAddress(server), { limit: 1024 });
      while (reader._buffer.length <= 2048) await asyncio.sleep(0.001);
      expect(reader._paused).toBe(true);
      expect(writer.transport.isReading()).toBe(false);
      expect(String(reader)).toMatch(/^<StreamReader \d+ bytes limit=1024 transport=<SocketTransport .*read=paused.*> paused>$/);
      let received = 0;
      for (;;) {
        const chunk = await reader.read(4096);
        if (chunk.length === 0) break;
        received += chunk.length;
      }
      expect(received).toBe(total);
      writer.close();
      server.close();
      await server.waitClosed();
    }));

  it("a line over the limit: readline throws ValueError; readuntil LimitOverrunError", () =>
    runNet(async () => {
      const server = await asyncio.startServer(async (_reader, writer) => {
        writer.write(Buffer.from(`${"x".repeat(100)}\nshort\n`));
        writer.close();
      }, "127.0.0.1", 0);
      const [reader, writer] = await asyncio.openConnection(...serverAddress(server), { limit: 10 });
      // The data stays in the buffer after a LimitOverrunError...
      await expect(reader.readuntil(Buffer.from("\n"))).rejects.toThrow(asyncio.LimitOverrunError);
      expect(reader._buffer.length).toBeGreaterThan(10);
      // ...readline drops the long line (or the buffer) and throws ValueError.
      await expect(reader.readline()).rejects.toThrow(/^Separator is (found, but chunk is longer than limit|not found, and chunk exceed the limit)$/);
      expect((await reader.read()).toString()).toMatch(/short\n$/);
      writer.close();
      server.close();
      await server.waitClosed();
    }));

  it("drain() after the peer went away throws (a reset, or ConnectionResetError)", () =>
    runNet(async () => {
      const node = await nodeServer((socket) => socket.destroy());
      const [, writer] = await asyncio.openConnection("127.0.0.1", node.port);
      const error = await (async () => {
        for (;;) {
          writer.write(Buffer.from("foo\n"));
          await writer.drain();
        }
      })().catch((e: unknown) => e);
      expect(error instanceof asyncio.ConnectionResetError || ["ECONNRESET", "EPIPE"].includes((error as { code?: string }).code ?? "")).toBe(true);
      writer.close();
      await node.close();
    }));

  it("writer: await using ([Symbol.asyncDispose]) closes and waits", () =>
    runNet(async () => {
      const server = await asyncio.startServer(async (reader, writer) => {
        await reader.read();
        writer.close(); // JavaScript has no destructor to close a dropped writer (Python's __del__)
      }, "127.0.0.1", 0);
      const [reader, writer] = await asyncio.openConnection(...serverAddress(server));
      await writer[Symbol.asyncDispose]();
      expect(writer.isClosing()).toBe(true);
      expect(reader.atEof()).toBe(true);
      expect(String(writer)).toMatch(/^<StreamWriter transport=<SocketTransport closed.*> reader=<StreamReader eof transport=<SocketTransport closed.*>>>$/);
      server.close();
      await server.waitClosed();
    }));

  it("reading a stream from Trio code is a FlavorError; StreamReader needs a loop", async () => {
    const loop = new asyncio.SyncTrioEventLoop();
    const reader = new asyncio.StreamReader({ loop });
    await trio.run(async () => {
      await expect(reader.read()).rejects.toThrow(FlavorError);
      await expect(asyncio.openConnection("127.0.0.1", 1)).rejects.toThrow(/asyncio\.openConnection\(\) is asyncio-flavored/);
      await expect(asyncio.startServer(() => {}, "127.0.0.1", 0)).rejects.toThrow(FlavorError);
    });
    await expect(reader.readline()).rejects.toThrow(/must run on an asyncio event loop/);
    loop.close();
  });
});
