// loop.connectReadPipe / loop.connectWritePipe on pipes the caller already has (here, a
// child's stdio that Node made): the protocol callbacks and their order, a cancelled
// connect, and bad input.
import { spawn } from "node:child_process";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import * as asyncio from "../../../src/asyncio/index.js";
import { ValueError } from "../../../src/errors/builtins.js";
import { FlavorError } from "../../../src/flavor/flavor-error.js";
import * as trio from "../../../src/trio/index.js";
import { CAT, runReal } from "./helpers.js";

const T = { timeout: 15_000 };

/** A protocol recording its callbacks; `until(predicate)` waits on the loop. */
class PipeRecorder extends asyncio.Protocol {
  events: string[] = [];
  data = "";
  private waiters: asyncio.Future<void>[] = [];

  private note(event: string): void {
    this.events.push(event);
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) if (!w.done()) w.setResult();
  }

  override connectionMade(): void {
    this.note(`made ${asyncio.currentTask() === null ? "callback" : "task"}`);
  }

  override dataReceived(data: Buffer): void {
    this.data += data.toString();
    this.note("data");
  }

  override eofReceived(): undefined {
    this.note("eof");
    return undefined;
  }

  override connectionLost(exc: Error | null): void {
    this.note(`lost ${exc === null ? "null" : exc.name}`);
  }

  /** The events without the data ones (their number depends on how the OS chunks). */
  get milestones(): string[] {
    return this.events.filter((e) => e !== "data");
  }

  async until(predicate: () => boolean): Promise<void> {
    while (!predicate()) {
      const waiter = asyncio.getRunningLoop().createFuture<void>();
      this.waiters.push(waiter);
      await waiter;
    }
  }
}

describe("loop.connectReadPipe / connectWritePipe", T, () => {
  it("writes to a child's stdin and reads its stdout: connectionMade, data, eofReceived, connectionLost, in order", () =>
    runReal(async () => {
      const loop = asyncio.getRunningLoop();
      const child = spawn(CAT[0], CAT.slice(1), { stdio: ["pipe", "pipe", "inherit"] });
      const reading = new PipeRecorder();
      const writing = new PipeRecorder();
      const [readTransport, readProtocol] = await loop.connectReadPipe(() => reading, child.stdout);
      const [writeTransport] = await loop.connectWritePipe(() => writing, child.stdin);
      expect(readProtocol).toBe(reading);
      expect(readTransport).toBeInstanceOf(asyncio.ReadPipeTransport);
      expect(writeTransport).toBeInstanceOf(asyncio.WritePipeTransport);
      expect(reading.events).toEqual(["made callback"]);
      expect(writing.events).toEqual(["made callback"]);
      expect(readTransport.getExtraInfo("pipe")).toBe(child.stdout);
      writeTransport.write(Buffer.from("hello "));
      writeTransport.write(Buffer.from("pipes"));
      writeTransport.close();
      await reading.until(() => reading.events.includes("lost null"));
      expect(reading.data).toBe("hello pipes");
      expect(reading.milestones).toEqual(["made callback", "eof", "lost null"]);
      await writing.until(() => writing.events.length > 1);
      expect(writing.events).toEqual(["made callback", "lost null"]);
      expect(readTransport.isClosing()).toBe(true);
    }));

  it("a connect cancelled while it waits for connectionMade closes the transport and the stream", () =>
    runReal(async () => {
      const loop = asyncio.getRunningLoop();
      const child = spawn(CAT[0], CAT.slice(1), { stdio: ["ignore", "pipe", "inherit"] });
      const recorder = new PipeRecorder();
      const task = loop.createTask(() => loop.connectReadPipe(() => recorder, child.stdout));
      // The task's first step builds the transport and waits; cancel it right after.
      await asyncio.sleep(0);
      expect(task.done()).toBe(false);
      task.cancel();
      await expect(task).rejects.toBeInstanceOf(asyncio.CancelledError);
      await recorder.until(() => recorder.events.includes("lost null"));
      // asyncio's order: connectionMade was already queued when the connect was cancelled.
      expect(recorder.milestones).toEqual(["made callback", "lost null"]);
      expect(child.stdout.destroyed).toBe(true);
      child.kill();
    }));

  it("refuses what is not a stream, a destroyed stream, a missing factory, and a Trio caller", async () => {
    await runReal(async () => {
      const loop = asyncio.getRunningLoop();
      const factory = (): PipeRecorder => new PipeRecorder();
      await expect(loop.connectReadPipe(factory, 0 as never)).rejects.toThrow(/needs a readable Node stream.*got number/);
      await expect(loop.connectWritePipe(factory, {} as never)).rejects.toThrow(TypeError);
      await expect(loop.connectReadPipe(null as never, new PassThrough())).rejects.toThrow(/protocol factory/);
      const destroyed = new PassThrough();
      destroyed.destroy();
      await expect(loop.connectWritePipe(factory, destroyed)).rejects.toBeInstanceOf(ValueError);
    });
    const loop = new asyncio.SyncTrioEventLoop();
    await trio.run(async () => {
      await expect(loop.connectReadPipe(() => new PipeRecorder(), new PassThrough())).rejects.toBeInstanceOf(FlavorError);
    });
    loop.close();
  });

  it("works on any Node stream: a PassThrough read to its end", () =>
    runReal(async () => {
      const loop = asyncio.getRunningLoop();
      const stream = new PassThrough();
      const recorder = new PipeRecorder();
      await loop.connectReadPipe(() => recorder, stream);
      stream.end("abc");
      await recorder.until(() => recorder.events.includes("lost null"));
      expect(recorder.data).toBe("abc");
      expect(recorder.milestones).toEqual(["made callback", "eof", "lost null"]);
    }));
});
