// StreamReader's byte buffer: when bytes leave without a copy, and why the bytes a read
// returned never change afterwards.
import { describe, expect, it } from "vitest";
import * as asyncio from "../../../src/asyncio/index.js";
import { ByteBuffer } from "../../../src/asyncio/net/stream-reader.js";
import { ValueError } from "../../../src/errors/builtins.js";
import { FlavorError } from "../../../src/flavor/flavor-error.js";

describe("ByteBuffer", () => {
  it("an adopted chunk taken whole leaves as itself (the same memory, no copy)", () => {
    const buffer = new ByteBuffer();
    // Memory of its own, as a chunk Node read (not a slice of Buffer's shared pool).
    const chunk = Buffer.from(new TextEncoder().encode("fresh from Node").buffer);
    buffer.append(chunk, true);
    const taken = buffer.take(100);
    expect(taken.buffer).toBe(chunk.buffer);
    expect(taken.toString()).toBe("fresh from Node");
    expect(buffer.length).toBe(0);
  });

  it("appended bytes are copied: changing the source later changes nothing", () => {
    const buffer = new ByteBuffer();
    const source = Buffer.from("abc");
    buffer.append(source);
    source.fill(0);
    expect(buffer.take(3).toString()).toBe("abc");
  });

  it("bytes handed out are never written over by later appends", () => {
    const buffer = new ByteBuffer();
    buffer.append(Buffer.alloc(8192, "a"), true);
    const first = buffer.take(4096); // a view of the adopted chunk
    buffer.append(Buffer.from("b"));
    buffer.append(Buffer.alloc(8192, "c"));
    const rest = buffer.take(buffer.length);
    expect(first.every((b) => b === 97)).toBe(true);
    expect(rest.length).toBe(4096 + 1 + 8192);
    expect(rest[4096]).toBe(98);
    expect(rest.at(-1)).toBe(99);
  });

  it("a small read out of a large buffer is a copy, so it does not pin the large memory", () => {
    const buffer = new ByteBuffer();
    const chunk = Buffer.alloc(64 * 1024, 1);
    buffer.append(chunk, true);
    const line = buffer.take(10);
    // A copy: other memory (Node may carve it out of its Buffer pool).
    expect(line.buffer).not.toBe(chunk.buffer);
    expect(line.length).toBe(10);
    expect(buffer.length).toBe(64 * 1024 - 10);
  });
});

describe("StreamReader over a socket", () => {
  it("reads what the peer sent; a read's bytes stay as they were while more arrives", async () => {
    await asyncio.run(async () => {
      const server = await asyncio.startServer(
        async (_reader, writer) => {
          writer.write(Buffer.from("first,"));
          await writer.drain();
          await asyncio.sleep(0.01);
          writer.write(Buffer.alloc(100_000, "x"));
          writer.close();
        },
        "127.0.0.1",
        0,
      );
      const [reader, writer] = await asyncio.openConnection("127.0.0.1", server.sockets[0].getsockname()[1]);
      const first = await reader.readuntil(Buffer.from(","));
      const copy = Buffer.from(first);
      const rest = await reader.read();
      expect(first.equals(copy)).toBe(true);
      expect(first.toString()).toBe("first,");
      expect(rest.length).toBe(100_000);
      writer.close();
      server.close();
      await server.waitClosed();
    });
  });

  it("feedData keeps a copy: the caller may reuse its buffer at once", async () => {
    await asyncio.run(async () => {
      const reader = new asyncio.StreamReader();
      const data = Buffer.from("line one\n");
      reader.feedData(data);
      data.fill(0);
      expect((await reader.readline()).toString()).toBe("line one\n");
    });
  });
});

// read() and readexactly() are not async functions: what comes after their wait runs in
// the reading task's wake-up (Future._waitThen). These pin that down: the order of
// events, cancellation at each point, and errors that reject rather than throw.
describe("StreamReader.read / readexactly / readline / readuntil: the wait and what follows it", () => {
  it("a reader resumes in the iteration after feedData, before callbacks scheduled later", async () => {
    const events: string[] = [];
    await asyncio.run(async () => {
      const loop = asyncio.getRunningLoop();
      const reader = new asyncio.StreamReader();
      const readingTask = asyncio.createTask(async () => {
        events.push(`read ${(await reader.readexactly(3)).toString()}`);
        events.push(`read ${(await reader.read(10)).toString()}`);
      });
      await asyncio.sleep(0);
      reader.feedData(Buffer.from("abc"));
      loop.callSoon(() => events.push("soon 1"));
      await asyncio.sleep(0);
      reader.feedData(Buffer.from("de"));
      loop.callSoon(() => events.push("soon 2"));
      await readingTask;
    });
    expect(events).toEqual(["read abc", "soon 1", "read de", "soon 2"]);
  });

  it("readexactly over several chunks; cancelled in a later wait, it throws CancelledError and the bytes stay", async () => {
    await asyncio.run(async () => {
      const reader = new asyncio.StreamReader();
      const readingTask = asyncio.createTask(() => reader.readexactly(10));
      await asyncio.sleep(0);
      reader.feedData(Buffer.from("1234"));
      await asyncio.sleep(0);
      reader.feedData(Buffer.from("567"));
      await asyncio.sleep(0);
      // The task waits again (a wait begun in its wake-up): the cancel reaches that wait.
      expect(readingTask.done()).toBe(false);
      readingTask.cancel();
      await expect(readingTask).rejects.toBeInstanceOf(asyncio.CancelledError);
      expect((await reader.read(100)).toString()).toBe("1234567");
    });
  });

  it("readexactly over several chunks resolves with all of them", async () => {
    await asyncio.run(async () => {
      const reader = new asyncio.StreamReader();
      const readingTask = asyncio.createTask(() => reader.readexactly(6));
      for (const part of ["ab", "cd", "efgh"]) {
        await asyncio.sleep(0);
        reader.feedData(Buffer.from(part));
      }
      expect((await readingTask).toString()).toBe("abcdef");
      expect((await reader.read(10)).toString()).toBe("gh");
    });
  });

  it("cancelled after its data came but before it resumed: CancelledError, and the data stays", async () => {
    await asyncio.run(async () => {
      const reader = new asyncio.StreamReader();
      const readExactly = asyncio.createTask(() => reader.readexactly(2));
      await asyncio.sleep(0);
      reader.feedData(Buffer.from("xy"));
      readExactly.cancel();
      await expect(readExactly).rejects.toBeInstanceOf(asyncio.CancelledError);
      expect((await reader.read(10)).toString()).toBe("xy");

      const other = new asyncio.StreamReader();
      const read = asyncio.createTask(() => other.read(5));
      await asyncio.sleep(0);
      other.feedData(Buffer.from("z"));
      read.cancel();
      await expect(read).rejects.toBeInstanceOf(asyncio.CancelledError);
      expect((await other.read(10)).toString()).toBe("z");
    });
  });

  it("an exception set while a read waits rejects it; at EOF readexactly gives IncompleteReadError", async () => {
    await asyncio.run(async () => {
      const reader = new asyncio.StreamReader();
      const waiting = asyncio.createTask(() => reader.read(5));
      await asyncio.sleep(0);
      reader.setException(new Error("broken"));
      await expect(waiting).rejects.toThrow("broken");

      const other = new asyncio.StreamReader();
      const exactly = asyncio.createTask(() => other.readexactly(5));
      await asyncio.sleep(0);
      other.feedData(Buffer.from("ab"));
      await asyncio.sleep(0);
      other.feedEof();
      const error = await exactly.then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(asyncio.IncompleteReadError);
      expect((error as asyncio.IncompleteReadError).partial.toString()).toBe("ab");
      expect((error as asyncio.IncompleteReadError).expected).toBe(5);
    });
  });

  it("bad arguments and a missing loop reject: the call itself never throws", async () => {
    const outside = new asyncio.StreamReader({ loop: asyncio.newEventLoop() });
    await expect(outside.read(1)).rejects.toBeInstanceOf(FlavorError);
    await expect(outside.readexactly(1)).rejects.toThrow("StreamReader.readexactly() is asyncio-flavored");
    await asyncio.run(async () => {
      const reader = new asyncio.StreamReader();
      let calls: Promise<unknown>[] = [];
      expect(() => {
        calls = [reader.read(1.5), reader.readexactly(-1), reader.readexactly("2" as never)];
      }).not.toThrow();
      await expect(calls[0]).rejects.toBeInstanceOf(TypeError);
      await expect(calls[1]).rejects.toThrow("readexactly size can not be less than zero");
      await expect(calls[2]).rejects.toBeInstanceOf(TypeError);
      const first = asyncio.createTask(() => reader.read(1));
      await asyncio.sleep(0);
      await expect(reader.readexactly(1)).rejects.toThrow("readexactly() called while another coroutine is already waiting for incoming data");
      first.cancel();
      await expect(first).rejects.toBeInstanceOf(asyncio.CancelledError);
    });
  });

  it("a read outside any task (a loop callback's promise chain) waits over several chunks too", async () => {
    await asyncio.run(async () => {
      const loop = asyncio.getRunningLoop();
      const reader = new asyncio.StreamReader();
      const done = loop.createFuture<string>();
      loop.callSoon(() => {
        expect(asyncio.currentTask()).toBe(null);
        reader.readexactly(4).then(
          (data) => done.setResult(data.toString()),
          (error: unknown) => done.setException(error),
        );
      });
      await asyncio.sleep(0);
      reader.feedData(Buffer.from("ab"));
      await asyncio.sleep(0);
      reader.feedData(Buffer.from("cd"));
      expect(await done).toBe("abcd");
    });
  });

  it("readuntil finds a separator split across chunks; readline cancelled in a later wait keeps the bytes", async () => {
    await asyncio.run(async () => {
      const reader = new asyncio.StreamReader();
      const until = asyncio.createTask(() => reader.readuntil(Buffer.from("\r\n")));
      for (const part of ["GET / HTTP/1.1\r", "\nHost"]) {
        await asyncio.sleep(0);
        reader.feedData(Buffer.from(part));
      }
      expect((await until).toString()).toBe("GET / HTTP/1.1\r\n");

      const line = asyncio.createTask(() => reader.readline());
      await asyncio.sleep(0);
      reader.feedData(Buffer.from(": example"));
      await asyncio.sleep(0);
      expect(line.done()).toBe(false);
      line.cancel();
      await expect(line).rejects.toBeInstanceOf(asyncio.CancelledError);
      reader.feedData(Buffer.from("\n"));
      expect((await reader.readline()).toString()).toBe("Host: example\n");
    });
  });

  it("a line over the limit found after a wait: readline drops it and throws ValueError, readuntil leaves it", async () => {
    await asyncio.run(async () => {
      const reader = new asyncio.StreamReader({ limit: 4 });
      const line = asyncio.createTask(() => reader.readline());
      await asyncio.sleep(0);
      reader.feedData(Buffer.from("abcdef\nok\n"));
      await expect(line).rejects.toThrow(ValueError);
      expect((await reader.readline()).toString()).toBe("ok\n");

      const other = new asyncio.StreamReader({ limit: 4 });
      const until = asyncio.createTask(() => other.readuntil(Buffer.from("!")));
      await asyncio.sleep(0);
      other.feedData(Buffer.from("abcdef!"));
      await expect(until).rejects.toBeInstanceOf(asyncio.LimitOverrunError);
      expect((await other.read(10)).toString()).toBe("abcdef!");
    });
  });

  it("readline treats a stored exception as Python's readline treats what readuntil raised", async () => {
    await asyncio.run(async () => {
      const partial = new asyncio.StreamReader();
      const waiting = asyncio.createTask(() => partial.readline());
      await asyncio.sleep(0);
      partial.setException(new asyncio.IncompleteReadError(Buffer.from("half"), null));
      expect((await waiting).toString()).toBe("half");

      const overrun = new asyncio.StreamReader();
      overrun.feedData(Buffer.from("xy\nrest"));
      overrun.setException(new asyncio.LimitOverrunError("too long", 2));
      await expect(overrun.readline()).rejects.toThrow(new ValueError("too long"));
      await expect(overrun.readuntil(Buffer.from("t"))).rejects.toBeInstanceOf(asyncio.LimitOverrunError);
    });
  });

  it("readuntil's bad separators reject: the call itself never throws", async () => {
    await asyncio.run(async () => {
      const reader = new asyncio.StreamReader();
      let calls: Promise<unknown>[] = [];
      expect(() => {
        calls = [reader.readuntil([]), reader.readuntil(Buffer.alloc(0)), reader.readuntil("x" as never)];
      }).not.toThrow();
      await expect(calls[0]).rejects.toThrow("Separator should contain at least one element");
      await expect(calls[1]).rejects.toThrow("Separator should be at least one-byte string");
      await expect(calls[2]).rejects.toBeInstanceOf(TypeError);
    });
  });
});
