// StreamReader's byte buffer: when bytes leave without a copy, and why the bytes a read
// returned never change afterwards.
import { describe, expect, it } from "vitest";
import * as asyncio from "../../../src/asyncio/index.js";
import { ByteBuffer } from "../../../src/asyncio/net/stream-reader.js";

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
