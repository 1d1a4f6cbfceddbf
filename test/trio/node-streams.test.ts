// The Node-stream adapters under SocketStream and the process pipes: how the receiving
// side queues what a flowing Readable delivers, bounds that queue, and hands it out.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import * as trio from "../../src/trio/index.js";
import { NodeReceiveStream } from "../../src/trio/node-streams.js";
import { receiveChunks } from "../../src/trio/stream-abc.js";

const KiB = 1024;
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString();

describe("NodeReceiveStream", () => {
  it("hands a chunk out as it came (the same bytes, no copy), split at maxBytes", async () => {
    await trio.run(async () => {
      const source = new PassThrough();
      const stream = new NodeReceiveStream(source);
      const chunk = Buffer.from("hello world");
      source.write(chunk);
      await trio.testing.waitAllTasksBlocked();
      const first = await stream.receiveSome(5);
      expect(text(first)).toBe("hello");
      expect(first.buffer).toBe(chunk.buffer);
      expect(text(await stream.receiveSome())).toBe(" world");
      await stream.aclose();
    });
  });

  it("joins the queued chunks up to maxBytes when several wait", async () => {
    await trio.run(async () => {
      const source = new PassThrough();
      const stream = new NodeReceiveStream(source);
      for (const part of ["ab", "cd", "ef"]) source.write(part);
      await trio.testing.waitAllTasksBlocked();
      expect(text(await stream.receiveSome(3))).toBe("abc");
      expect(text(await stream.receiveSome())).toBe("def");
      source.end();
      expect((await stream.receiveSome()).length).toBe(0);
      await stream.aclose();
    });
  });

  it("turns string chunks (a Readable with an encoding) into bytes", async () => {
    await trio.run(async () => {
      const source = new PassThrough();
      source.setEncoding("utf8");
      const stream = new NodeReceiveStream(source);
      source.end("héllo");
      const got = await stream.receiveSome();
      expect(got).toBeInstanceOf(Uint8Array);
      expect(text(got)).toBe("héllo");
      expect((await stream.receiveSome()).length).toBe(0);
    });
  });

  it("pauses the Readable past 256 KiB queued, and resumes it once half of that is taken", async () => {
    await trio.run(async () => {
      const source = new PassThrough({ highWaterMark: 16 * KiB });
      const stream = new NodeReceiveStream(source);
      const block = Buffer.alloc(64 * KiB, 1);
      for (let i = 0; i < 8; i++) source.write(block);
      await trio.testing.waitAllTasksBlocked();
      expect(source.isPaused()).toBe(true);
      let taken = 0;
      while (source.isPaused()) taken += (await stream.receiveSome(64 * KiB)).length;
      // Resumed once at most 128 KiB were left queued.
      expect(taken).toBeGreaterThanOrEqual(192 * KiB);
      source.end();
      for (;;) {
        const got = await stream.receiveSome();
        if (got.length === 0) break;
        taken += got.length;
      }
      expect(taken).toBe(8 * 64 * KiB);
    });
  });

  it("a paused Readable is made to flow, so what it holds is received", async () => {
    await trio.run(async () => {
      const source = new PassThrough();
      source.pause();
      source.write("held");
      const stream = new NodeReceiveStream(source);
      expect(text(await stream.receiveSome())).toBe("held");
      await stream.aclose();
    });
  });

  it("what is queued comes before the error that ended the stream", async () => {
    await trio.run(async () => {
      const source = new PassThrough();
      const stream = new NodeReceiveStream(source);
      source.write("last words");
      await trio.testing.waitAllTasksBlocked();
      source.destroy(new Error("reset"));
      await trio.testing.waitAllTasksBlocked();
      expect(text(await stream.receiveSome())).toBe("last words");
      await expect(stream.receiveSome()).rejects.toThrow(trio.BrokenResourceError);
    });
  });
});

describe("receiveChunks (for await over receiveSome)", () => {
  const scripted = (steps: (Uint8Array | Error)[]) => {
    let calls = 0;
    return {
      get calls() {
        return calls;
      },
      receiveSome: (): Promise<Uint8Array> => {
        const step = steps[calls++] ?? new Uint8Array(0);
        return step instanceof Error ? Promise.reject(step) : Promise.resolve(step);
      },
    };
  };

  it("ends at the empty chunk and stays finished without receiving again", async () => {
    const source = scripted([Buffer.from("a"), Buffer.from("b")]);
    const iterator = receiveChunks(source);
    const got: string[] = [];
    for await (const chunk of iterator) got.push(text(chunk));
    expect(got).toEqual(["a", "b"]);
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
    expect(source.calls).toBe(3);
  });

  it("is finished after an error, and after return()", async () => {
    const failing = scripted([new Error("broken"), Buffer.from("never")]);
    const iterator = receiveChunks(failing);
    await expect(iterator.next()).rejects.toThrow("broken");
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
    expect(failing.calls).toBe(1);

    const source = scripted([Buffer.from("a"), Buffer.from("b")]);
    const early = receiveChunks(source);
    for await (const chunk of early) {
      expect(text(chunk)).toBe("a");
      break; // calls return()
    }
    expect(await early.next()).toEqual({ value: undefined, done: true });
    expect(source.calls).toBe(1);
  });
});
