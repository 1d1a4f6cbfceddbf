// Write flow control: pauseWriting / resumeWriting at the water marks, against a peer
// that does not read (its transport paused), and StreamWriter.drain() on top of it.
import { describe, expect, it } from "vitest";
import * as asyncio from "../../../src/asyncio/index.js";
import { ValueError } from "../../../src/errors/builtins.js";
import { Recorder, runNet, serverAddress } from "./helpers.js";

const T = { timeout: 10_000 };

const receivedBytes = (r: Recorder): number => r.chunks.reduce((n, chunk) => n + chunk.length, 0);

/** A server whose single connection does not read until `resume()`; the client's transport. */
async function slowReaderPair(): Promise<{
  client: Recorder;
  transport: asyncio.SocketTransport;
  peer: () => Recorder;
  server: asyncio.Server;
}> {
  const loop = asyncio.getRunningLoop();
  const peers: Recorder[] = [];
  const server = await loop.createServer(
    () => {
      const p = new Recorder({ onMade: (t) => t.pauseReading() });
      peers.push(p);
      return p;
    },
    "127.0.0.1",
    0,
  );
  const client = new Recorder();
  const [transport] = await loop.createConnection(() => client, ...serverAddress(server));
  while (peers.length === 0 || peers[0].transport === null) await asyncio.sleep(0.001);
  return { client, transport, peer: () => peers[0], server };
}

describe("write buffer limits", T, () => {
  it("defaults and setWriteBufferLimits, as asyncio's _FlowControlMixin", () =>
    runNet(async () => {
      const { transport, server } = await slowReaderPair();
      expect(transport.getWriteBufferLimits()).toEqual([16 * 1024, 64 * 1024]);
      transport.setWriteBufferLimits(1024);
      expect(transport.getWriteBufferLimits()).toEqual([256, 1024]);
      transport.setWriteBufferLimits(null, 100);
      expect(transport.getWriteBufferLimits()).toEqual([100, 400]);
      transport.setWriteBufferLimits({ high: 50, low: 10 });
      expect(transport.getWriteBufferLimits()).toEqual([10, 50]);
      transport.setWriteBufferLimits({ low: 0, high: 0 });
      expect(transport.getWriteBufferLimits()).toEqual([0, 0]);
      expect(() => transport.setWriteBufferLimits(10, 20)).toThrow(ValueError);
      expect(() => transport.setWriteBufferLimits(10, 20)).toThrow("high (10) must be >= low (20) must be >= 0");
      expect(() => transport.setWriteBufferLimits(-1)).toThrow(ValueError);
      expect(() => transport.setWriteBufferLimits("1" as never)).toThrow(TypeError);
      transport.abort();
      server.close();
      server.abortClients();
      await server.waitClosed();
    }));
});

describe("pauseWriting / resumeWriting", T, () => {
  it("pauseWriting is called inside write() past the high-water mark; resumeWriting once drained to the low one", () =>
    runNet(async () => {
      const { client, transport, peer, server } = await slowReaderPair();
      transport.setWriteBufferLimits(16 * 1024, 4 * 1024);
      const chunk = Buffer.alloc(64 * 1024, 97);
      let sent = 0;
      // The kernel buffers take some first; then the transport's own buffer grows.
      while (!client.events.includes("pause")) {
        expect(sent).toBeLessThan(256 * 1024 * 1024);
        transport.write(chunk);
        sent += chunk.length;
      }
      // Called synchronously, from the write that crossed the mark.
      expect(client.events).toEqual(["made", "pause"]);
      expect(transport.getWriteBufferSize()).toBeGreaterThan(16 * 1024);
      // Further writes do not pause again.
      transport.write(chunk);
      sent += chunk.length;
      await asyncio.sleep(0.02);
      expect(client.events).toEqual(["made", "pause"]);
      // The reader starts reading: the buffer drains, resumeWriting follows at the low mark.
      let sizeAtResume = -1;
      const resumed = client.until(() => client.events.includes("resume")).then(() => (sizeAtResume = transport.getWriteBufferSize()));
      peer().transport!.resumeReading();
      await resumed;
      expect(client.events).toEqual(["made", "pause", "resume"]);
      expect(sizeAtResume).toBeLessThanOrEqual(4 * 1024);
      await peer().until(() => peer().received.length === sent);
      expect(transport.getWriteBufferSize()).toBe(0);
      transport.close();
      await client.until(() => client.lost);
      server.close();
      await server.waitClosed();
    }));

  // A write into an empty buffer carries no callback (see SocketTransport._send): these
  // two would hang if nothing reported the flush of the one write the kernel took in part.
  it("one write into an empty buffer that the kernel takes in part: resumeWriting still follows its flush", () =>
    runNet(async () => {
      const { client, transport, peer, server } = await slowReaderPair();
      transport.setWriteBufferLimits(16 * 1024);
      const big = Buffer.alloc(32 * 1024 * 1024, 98);
      transport.write(big);
      expect(client.events).toEqual(["made", "pause"]);
      expect(transport.getWriteBufferSize()).toBeGreaterThan(16 * 1024);
      peer().transport!.resumeReading();
      await client.until(() => client.events.includes("resume"));
      await peer().until(() => receivedBytes(peer()) === big.length);
      expect(transport.getWriteBufferSize()).toBe(0);
      transport.close();
      await client.until(() => client.lost);
      server.close();
      await server.waitClosed();
    }));

  it("close() after one write the kernel took in part waits for its flush, then connectionLost", () =>
    runNet(async () => {
      const { client, transport, peer, server } = await slowReaderPair();
      const big = Buffer.alloc(32 * 1024 * 1024, 99);
      transport.write(big);
      expect(transport.getWriteBufferSize()).toBeGreaterThan(0);
      transport.close();
      await asyncio.sleep(0.02);
      expect(client.lost).toBe(false);
      peer().transport!.resumeReading();
      await client.until(() => client.lost);
      // Node's buffer was flushed to the kernel; what the kernel holds still arrives.
      await peer().until(() => receivedBytes(peer()) === big.length);
      server.close();
      await server.waitClosed();
    }));

  it("lowering the high-water mark under the buffered size pauses at once; errors in pauseWriting are reported", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const reported: string[] = [];
      loop.setExceptionHandler((_loop, context) => reported.push(`${context.message}: ${(context.exception as Error).message}`));
      const { client, transport, server } = await slowReaderPair();
      client.pauseWriting = (): void => {
        throw new Error("oops");
      };
      transport.setWriteBufferLimits(1024 * 1024 * 1024);
      const chunk = Buffer.alloc(256 * 1024);
      while (transport.getWriteBufferSize() < 64 * 1024) {
        transport.write(chunk);
        await asyncio.sleep(0);
      }
      expect(reported).toEqual([]);
      transport.setWriteBufferLimits(1024);
      expect(reported).toEqual(["protocol.pauseWriting() failed: oops"]);
      transport.abort();
      server.close();
      server.abortClients();
      await server.waitClosed();
    }));
});

describe("StreamWriter.drain", T, () => {
  it("waits while the transport is paused, returns once the reader catches up", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const release = loop.createFuture<void>();
      let received = 0;
      const server = await asyncio.startServer(async (reader, writer) => {
        await release; // a slow reader
        for (;;) {
          const data = await reader.read(65536);
          if (data.length === 0) break;
          received += data.length;
        }
        writer.close();
      }, "127.0.0.1", 0);
      const [, writer] = await asyncio.openConnection(...serverAddress(server));
      writer.transport.setWriteBufferLimits(32 * 1024);
      const chunk = Buffer.alloc(128 * 1024);
      let sent = 0;
      let blocked = false;
      while (!blocked) {
        writer.write(chunk);
        sent += chunk.length;
        const drain = asyncio.createTask(() => writer.drain());
        await asyncio.sleep(0.005);
        if (!drain.done()) {
          blocked = true;
          expect(writer.transport.getWriteBufferSize()).toBeGreaterThan(32 * 1024);
          release.setResult();
        }
        await drain;
      }
      writer.writeEof();
      await writer.waitClosed();
      expect(received).toBe(sent);
      server.close();
      await server.waitClosed();
    }));
});
