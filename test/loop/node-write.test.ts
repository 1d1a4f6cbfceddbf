// Writes that report only the flush of Node's buffer (src/loop/node-write.ts), on real
// loopback sockets: no callback for a write the kernel takes whole, one callback once a
// write it took in part is out, and a callback per write where empty writes are not plain.
import net from "node:net";
import { PassThrough } from "node:stream";
import tls from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { needsCallbackPerWrite, writeReportingFlush } from "../../src/loop/node-write.js";

const opened: { destroy(): void }[] = [];
afterEach(() => {
  for (const thing of opened.splice(0)) thing.destroy();
});

/** A connected pair: `client` writes, `peer` (paused: it reads nothing until resumed) receives. */
async function socketPair(): Promise<{ client: net.Socket; peer: net.Socket; server: net.Server }> {
  const server = net.createServer({ pauseOnConnect: true });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const accepted = new Promise<net.Socket>((resolve) => server.once("connection", resolve));
  const client = net.connect((server.address() as net.AddressInfo).port, "127.0.0.1");
  await new Promise<void>((resolve) => client.once("connect", resolve));
  const peer = await accepted;
  opened.push(client, peer, { destroy: () => server.close() });
  return { client, peer, server };
}

describe("writeReportingFlush", () => {
  it("a write the kernel takes whole carries no callback; one taken in part reports its flush once", async () => {
    const { client, peer } = await socketPair();
    const calls: string[] = [];
    const onWritten = (error?: Error | null): void => {
      calls.push(`written (${error ? error.message : "ok"}, buffer ${client.writableLength})`);
    };
    writeReportingFlush(client, new Uint8Array(64), onWritten, false);
    expect(client.writableLength).toBe(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual([]);

    const big = new Uint8Array(32 * 1024 * 1024);
    writeReportingFlush(client, big, onWritten, false);
    expect(client.writableLength).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls).toEqual([]);
    let received = 0;
    const all = new Promise<void>((resolve) =>
      peer.on("data", (chunk: Buffer) => {
        received += chunk.length;
        if (received === 64 + big.length) resolve();
      }),
    );
    peer.resume();
    await all;
    expect(calls).toEqual(["written (ok, buffer 0)"]);
  });

  it("with a callback per write, each write reports", async () => {
    const { client } = await socketPair();
    let calls = 0;
    for (let i = 0; i < 3; i++) writeReportingFlush(client, new Uint8Array(16), () => calls++, true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toBe(3);
  });

  it("plain sockets need no callback per write; TLS sockets and other Writables do", () => {
    const plain = new net.Socket();
    const secure = new tls.TLSSocket(new net.Socket());
    opened.push(plain, secure);
    expect(needsCallbackPerWrite(plain)).toBe(false);
    expect(needsCallbackPerWrite(secure)).toBe(true);
    expect(needsCallbackPerWrite(new PassThrough())).toBe(true);
  });
});
