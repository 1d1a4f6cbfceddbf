// loop.sendfile: asyncio's read-and-write fallback over socket transports (TCP and TLS).
// Ported from CPython's Lib/test/test_asyncio/test_sendfile.py (SendfileMixin), plus the
// flow-control, cancellation and protocol-restoring cases of Node's port.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import * as asyncio from "../../../src/asyncio/index.js";
import { SendfileFallbackProtocol } from "../../../src/asyncio/net/sendfile.js";
import { RuntimeError, ValueError } from "../../../src/errors/builtins.js";
import { clientTls, Recorder, runNet, serverAddress, serverTls } from "./helpers.js";

const T = { timeout: 10_000 };

/** 128 KiB plus a few bytes, not a multiple of the 16 KiB block (as CPython's DATA). */
const DATA = Buffer.from("SendfileBaseData".repeat(1024 * 8 + 1));
/** A file much larger than what loopback kernel buffers hold, so that flow control kicks in. */
const BIG = Buffer.alloc(8 * 1024 * 1024 + 7);
for (let i = 0; i < BIG.length; i++) BIG[i] = (i * 7 + (i >> 12)) & 0xff;
const BLOCK = 16 * 1024;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aio-sendfile-"));
const DATA_PATH = path.join(dir, "data.bin");
const BIG_PATH = path.join(dir, "big.bin");
const EMPTY_PATH = path.join(dir, "empty.bin");

beforeAll(() => {
  fs.writeFileSync(DATA_PATH, DATA);
  fs.writeFileSync(BIG_PATH, BIG);
  fs.writeFileSync(EMPTY_PATH, Buffer.alloc(0));
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** The receiving side: a Recorder that counts bytes, may start paused, may close after `closeAfter` bytes. */
class Sink extends Recorder {
  nbytes = 0;

  constructor(options: { paused?: boolean; closeAfter?: number } = {}) {
    super({
      onMade: (t) => {
        if (options.paused === true) t.pauseReading();
      },
      onData: (d, p) => {
        this.nbytes += d.length;
        if (options.closeAfter !== undefined && this.nbytes >= options.closeAfter) p.transport!.close();
      },
    });
  }
}

interface Pair {
  server: asyncio.Server;
  /** The client protocol: its transport is the one files are sent over. */
  client: Recorder;
  transport: asyncio.SocketTransport;
  peer: Sink;
  /** Closes the client, waits until both sides are closed, closes the server. */
  finish: () => Promise<void>;
}

/** A server and a connected client (CPython's prepare_sendfile). asyncio-flavored. */
async function prepare(options: { ssl?: boolean; closeAfter?: number; peerPaused?: boolean } = {}): Promise<Pair> {
  const loop = asyncio.getRunningLoop();
  const peers: Sink[] = [];
  const server = await loop.createServer(
    () => {
      const sink = new Sink({ paused: options.peerPaused, closeAfter: options.closeAfter });
      peers.push(sink);
      return sink;
    },
    "127.0.0.1",
    0,
    options.ssl === true ? { ssl: serverTls } : {},
  );
  const [, port] = serverAddress(server);
  const client = new Recorder();
  const [transport] = options.ssl === true ? await loop.createConnection(() => client, "localhost", port, { ssl: clientTls }) : await loop.createConnection(() => client, "127.0.0.1", port);
  while (peers.length === 0 || peers[0].transport === null) await asyncio.sleep(0.001);
  const peer = peers[0];
  return {
    server,
    client,
    transport,
    peer,
    finish: async () => {
      peer.transport!.resumeReading();
      transport.close();
      await peer.until(() => peer.lost);
      await client.until(() => client.lost);
      server.close();
      await server.waitClosed();
    },
  };
}

async function withFile<T>(file: string, body: (fh: fs.promises.FileHandle) => Promise<T>): Promise<T> {
  const fh = await fs.promises.open(file, "r");
  try {
    return await body(fh);
  } finally {
    await fh.close();
  }
}

/** Waits until `predicate()` holds, polling every millisecond. asyncio-flavored. */
async function until(predicate: () => boolean): Promise<void> {
  while (!predicate()) await asyncio.sleep(0.001);
}

describe("loop.sendfile over TCP (the fallback)", T, () => {
  it("sends the whole file and returns its size (test_sendfile)", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const { transport, peer, finish } = await prepare();
      const ret = await withFile(DATA_PATH, (fh) => loop.sendfile(transport, fh));
      await finish();
      expect(ret).toBe(DATA.length);
      expect(peer.nbytes).toBe(DATA.length);
      expect(peer.received.equals(DATA)).toBe(true);
    }));

  it("takes a file descriptor too; the file position is neither used nor updated", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const { transport, peer, finish } = await prepare();
      const fd = fs.openSync(DATA_PATH, "r");
      try {
        const head = Buffer.alloc(10);
        fs.readSync(fd, head, 0, 10, null); // the position is now 10
        const ret = await loop.sendfile(transport, fd, 0, 5000);
        expect(ret).toBe(5000);
        const next = Buffer.alloc(10);
        fs.readSync(fd, next, 0, 10, null);
        expect(next.equals(DATA.subarray(10, 20))).toBe(true);
      } finally {
        fs.closeSync(fd);
      }
      await finish();
      expect(peer.received.equals(DATA.subarray(0, 5000))).toBe(true);
    }));

  it("offset and count send a part of the file (test_sendfile_partial)", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const { transport, peer, finish } = await prepare();
      const ret = await withFile(DATA_PATH, (fh) => loop.sendfile(transport, fh, 1000, 100));
      await finish();
      expect(ret).toBe(100);
      expect(peer.nbytes).toBe(100);
      expect(peer.received.equals(DATA.subarray(1000, 1100))).toBe(true);
    }));

  it("a count past the end of the file stops at EOF; an offset past EOF sends nothing", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const { transport, peer, finish } = await prepare();
      const [a, b] = await withFile(DATA_PATH, async (fh) => [await loop.sendfile(transport, fh, DATA.length - 20000, 1_000_000), await loop.sendfile(transport, fh, DATA.length + 5)]);
      await finish();
      expect(a).toBe(20000);
      expect(b).toBe(0);
      expect(peer.received.equals(DATA.subarray(DATA.length - 20000))).toBe(true);
    }));

  it("an empty file sends nothing and returns 0 (test_sock_sendfile_zero_size)", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const { client, transport, peer, finish } = await prepare();
      const ret = await withFile(EMPTY_PATH, (fh) => loop.sendfile(transport, fh, 0, null));
      expect(ret).toBe(0);
      expect(transport.getProtocol()).toBe(client);
      expect(transport.isReading()).toBe(true);
      await finish();
      expect(peer.nbytes).toBe(0);
    }));

  it("data written before and after arrives in order (test_sendfile_pre_and_post_data)", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const { transport, peer, finish } = await prepare();
      const prefix = Buffer.from("PREFIX__".repeat(1024));
      const suffix = Buffer.from("--SUFFIX".repeat(1024));
      transport.write(prefix);
      const ret = await withFile(DATA_PATH, (fh) => loop.sendfile(transport, fh));
      transport.write(suffix);
      await finish();
      expect(ret).toBe(DATA.length);
      expect(peer.received.equals(Buffer.concat([prefix, DATA, suffix]))).toBe(true);
    }));

  it("replaces the protocol and pauses reading during the send; both are restored; data that arrived meanwhile goes to the original protocol", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const { client, transport, peer, finish } = await prepare({ peerPaused: true });
      transport.setWriteBufferLimits(BLOCK);
      await withFile(BIG_PATH, async (fh) => {
        const task = asyncio.createTask(() => loop.sendfile(transport, fh, 0, 4 * 1024 * 1024));
        await until(() => transport.getProtocol() !== client);
        expect(transport.getProtocol()).toBeInstanceOf(SendfileFallbackProtocol);
        expect(transport.isReading()).toBe(false);
        peer.transport!.write(Buffer.from("hello"));
        await asyncio.sleep(0.02);
        expect(task.done()).toBe(false);
        expect(client.chunks).toEqual([]);
        peer.transport!.resumeReading();
        expect(await task).toBe(4 * 1024 * 1024);
      });
      expect(transport.getProtocol()).toBe(client);
      expect(transport.isReading()).toBe(true);
      await client.until(() => client.received.length === 5);
      expect(client.received.toString()).toBe("hello");
      await finish();
      expect(peer.received.equals(BIG.subarray(0, 4 * 1024 * 1024))).toBe(true);
    }));

  it("a transport that was not reading is not resumed after the send", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const { client, transport, peer, finish } = await prepare();
      transport.pauseReading();
      const ret = await withFile(DATA_PATH, (fh) => loop.sendfile(transport, fh, 0, 3000));
      expect(ret).toBe(3000);
      expect(transport.getProtocol()).toBe(client);
      expect(transport.isReading()).toBe(false);
      await finish();
      expect(peer.nbytes).toBe(3000);
    }));

  it("fallback: false raises SendfileNotAvailableError and sends nothing (test_sendfile_force_unsupported_native)", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const { client, transport, peer, finish } = await prepare();
      const error = await withFile(DATA_PATH, (fh) => loop.sendfile(transport, fh, 0, null, { fallback: false }).catch((e: unknown) => e));
      expect(error).toBeInstanceOf(asyncio.SendfileNotAvailableError);
      expect(error).toBeInstanceOf(RuntimeError);
      expect((error as Error).message).toMatch(/not available for transport <SocketTransport .*fallback is disabled/);
      expect(transport.getProtocol()).toBe(client);
      expect(transport.isReading()).toBe(true);
      await finish();
      expect(peer.nbytes).toBe(0);
    }));

  it("a closing transport raises RuntimeError('Transport is closing') (test_sendfile_for_closing_transp)", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const { transport, peer, finish } = await prepare();
      transport.close();
      const error = await withFile(DATA_PATH, (fh) => loop.sendfile(transport, fh).catch((e: unknown) => e));
      expect(error).toBeInstanceOf(RuntimeError);
      expect((error as Error).message).toBe("Transport is closing");
      await finish();
      expect(peer.nbytes).toBe(0);
    }));

  it("checks offset, count, the file and the options as _check_sendfile_params", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const { client, transport, peer, finish } = await prepare();
      await withFile(DATA_PATH, async (fh) => {
        const fail = (...args: unknown[]): Promise<unknown> => (loop.sendfile as (...a: unknown[]) => Promise<number>)(transport, ...args).catch((e: unknown) => e);
        const cases: [unknown[], new (...a: never[]) => Error, RegExp][] = [
          [[fh, -1], ValueError, /^offset must be a non-negative integer \(got -1\)$/],
          [[fh, 1.5], TypeError, /^offset must be a non-negative integer \(got number 1.5\)$/],
          [[fh, "10"], TypeError, /^offset must be a non-negative integer/],
          [[fh, Number.NaN], TypeError, /^offset must be a non-negative integer/],
          [[fh, 0, 0], ValueError, /^count must be a positive integer \(got 0\)$/],
          [[fh, 0, -5], ValueError, /^count must be a positive integer \(got -5\)$/],
          [[fh, 0, 2.5], TypeError, /^count must be a positive integer \(got number 2.5\)$/],
          [["data.bin"], TypeError, /^file must be an open fs.promises.FileHandle or a file descriptor/],
          [[-1], TypeError, /^file must be/],
          [[{}], TypeError, /^file must be/],
          [[fh, 0, null, { fallbak: false }], TypeError, /unexpected option 'fallbak'/],
        ];
        for (const [args, cls, message] of cases) {
          const error = await fail(...args);
          expect(error, String(args[1])).toBeInstanceOf(cls);
          expect((error as Error).message).toMatch(message);
        }
        const closed = await fs.promises.open(DATA_PATH, "r");
        await closed.close();
        const error = await fail(closed);
        expect(error).toBeInstanceOf(ValueError);
        expect((error as Error).message).toMatch(/closed file/);
      });
      expect(transport.getProtocol()).toBe(client);
      await finish();
      expect(peer.nbytes).toBe(0);
    }));

  it("datagram and pipe transports raise RuntimeError 'not supported' (test_sendfile_not_supported)", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const [udp] = await loop.createDatagramEndpoint(() => new asyncio.DatagramProtocol(), { localAddr: ["127.0.0.1", 0] });
      const [pipe] = await loop.connectWritePipe(() => new asyncio.BaseProtocol(), new PassThrough());
      await withFile(DATA_PATH, async (fh) => {
        for (const transport of [udp, pipe]) {
          const error = await loop.sendfile(transport, fh).catch((e: unknown) => e);
          expect(error).toBeInstanceOf(RuntimeError);
          expect((error as Error).message).toMatch(/^sendfile is not supported for transport </);
        }
        udp.close();
        const error = await loop.sendfile(udp, fh).catch((e: unknown) => e);
        expect((error as Error).message).toBe("Transport is closing");
      });
      pipe.close();
    }));

  it("the fallback protocol refuses reading callbacks and connectionMade", () =>
    runNet(async () => {
      const { client, transport, finish } = await prepare();
      expect(() => new SendfileFallbackProtocol({} as never)).toThrow(TypeError);
      const fallback = new SendfileFallbackProtocol(transport);
      expect(transport.getProtocol()).toBe(fallback);
      expect(transport.isReading()).toBe(false);
      expect(() => fallback.dataReceived(Buffer.from("x"))).toThrow(new RuntimeError("Invalid state: reading should be paused"));
      expect(() => fallback.eofReceived()).toThrow(new RuntimeError("Invalid state: reading should be paused"));
      expect(() => fallback.connectionMade(transport)).toThrow(RuntimeError);
      fallback.restore();
      expect(transport.getProtocol()).toBe(client);
      expect(transport.isReading()).toBe(true);
      await finish();
    }));
});

describe("loop.sendfile and write flow control", T, () => {
  it("waits for resumeWriting while the transport is paused (small buffer limits, a slow reader)", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const pauses = vi.spyOn(SendfileFallbackProtocol.prototype, "pauseWriting");
      const resumes = vi.spyOn(SendfileFallbackProtocol.prototype, "resumeWriting");
      const { client, transport, peer, finish } = await prepare({ peerPaused: true });
      transport.setWriteBufferLimits(BLOCK);
      let maxBuffered = 0;
      const write = transport.write.bind(transport);
      vi.spyOn(transport, "write").mockImplementation((data) => {
        write(data);
        maxBuffered = Math.max(maxBuffered, transport.getWriteBufferSize());
      });
      await withFile(BIG_PATH, async (fh) => {
        const task = asyncio.createTask(() => loop.sendfile(transport, fh));
        await until(() => pauses.mock.calls.length > 0);
        await asyncio.sleep(0.01);
        expect(task.done()).toBe(false);
        peer.transport!.resumeReading();
        expect(await task).toBe(BIG.length);
      });
      expect(resumes.mock.calls.length).toBeGreaterThan(0);
      // Never more than one block past the high-water mark.
      expect(maxBuffered).toBeGreaterThan(BLOCK);
      expect(maxBuffered).toBeLessThanOrEqual(2 * BLOCK);
      // The original protocol saw none of it.
      expect(client.events).toEqual(["made"]);
      await finish();
      expect(peer.nbytes).toBe(BIG.length);
      expect(peer.received.equals(BIG)).toBe(true);
    }));

  it("a transport paused before the send: waits for resumeWriting first; the original protocol gets resumeWriting at the end", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const { client, transport, peer, finish } = await prepare({ peerPaused: true });
      transport.setWriteBufferLimits(BLOCK);
      const chunk = Buffer.alloc(64 * 1024, 0x2d);
      let prefix = 0;
      while (!client.events.includes("pause")) {
        expect(prefix).toBeLessThan(256 * 1024 * 1024);
        transport.write(chunk);
        prefix += chunk.length;
      }
      await withFile(DATA_PATH, async (fh) => {
        const task = asyncio.createTask(() => loop.sendfile(transport, fh));
        await asyncio.sleep(0.02);
        expect(task.done()).toBe(false);
        expect(client.events).toEqual(["made", "pause"]);
        peer.transport!.resumeReading();
        expect(await task).toBe(DATA.length);
      });
      expect(client.events).toEqual(["made", "pause", "resume"]);
      expect(transport.getProtocol()).toBe(client);
      await finish();
      expect(peer.nbytes).toBe(prefix + DATA.length);
      expect(peer.received.subarray(prefix).equals(DATA)).toBe(true);
    }));
});

describe("loop.sendfile when the connection goes away", T, () => {
  it("the peer closes after receiving everything: all is sent (test_sendfile_close_peer_after_receiving)", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const { transport, peer, finish } = await prepare({ closeAfter: DATA.length });
      const ret = await withFile(DATA_PATH, (fh) => loop.sendfile(transport, fh));
      await finish();
      expect(ret).toBe(DATA.length);
      expect(peer.nbytes).toBe(DATA.length);
      expect(peer.received.equals(DATA)).toBe(true);
    }));

  it("the peer closes in the middle: ConnectionError; the protocol is restored and gets connectionLost (test_sendfile_close_peer_in_the_middle_of_receiving)", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const { client, transport, peer, server } = await prepare({ closeAfter: 1024 });
      const error = await withFile(BIG_PATH, (fh) => loop.sendfile(transport, fh).catch((e: unknown) => e));
      expect(error).toBeInstanceOf(asyncio.ConnectionError);
      await peer.until(() => peer.lost);
      expect(peer.nbytes).toBeGreaterThanOrEqual(1024);
      expect(peer.nbytes).toBeLessThan(BIG.length);
      expect(transport.isClosing()).toBe(true);
      expect(transport.getProtocol()).toBe(client);
      await client.until(() => client.lost);
      expect(client.events[0]).toBe("made");
      expect(client.events[client.events.length - 1]).toMatch(/^lost /);
      server.close();
      await server.waitClosed();
    }));

  it("the peer aborts while the send waits for resumeWriting: ConnectionError with Node's code; connectionLost goes to the original protocol", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const pauses = vi.spyOn(SendfileFallbackProtocol.prototype, "pauseWriting");
      const { client, transport, peer, server } = await prepare({ peerPaused: true });
      transport.setWriteBufferLimits(BLOCK);
      const error = await withFile(BIG_PATH, async (fh) => {
        const task = asyncio.createTask(() => loop.sendfile(transport, fh));
        await until(() => pauses.mock.calls.length > 0);
        peer.transport!.abort();
        return task.then(
          () => null,
          (e: unknown) => e,
        );
      });
      expect(error).toBeInstanceOf(asyncio.ConnectionError);
      expect((error as asyncio.ConnectionError).message).toBe("Connection closed by peer");
      const cause = (error as Error).cause as { code?: string };
      expect(["ECONNRESET", "EPIPE"]).toContain(cause.code);
      expect((error as asyncio.ConnectionError).code).toBe(cause.code);
      expect(transport.getProtocol()).toBe(client);
      expect(client.events).toEqual(["made", `lost ${cause.code}`]);
      server.close();
      await server.waitClosed();
    }));
});

describe("loop.sendfile cancelled", T, () => {
  it("cancelling the task stops the send and restores the protocol; the original protocol learns the transport is paused", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const pauses = vi.spyOn(SendfileFallbackProtocol.prototype, "pauseWriting");
      const { client, transport, peer, finish } = await prepare({ peerPaused: true });
      transport.setWriteBufferLimits(BLOCK);
      const write = vi.spyOn(transport, "write");
      await withFile(BIG_PATH, async (fh) => {
        const task = asyncio.createTask(() => loop.sendfile(transport, fh));
        await until(() => pauses.mock.calls.length > 0);
        const writes = write.mock.calls.length;
        task.cancel();
        const error = await task.then(
          () => null,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(asyncio.CancelledError);
        expect(task.cancelled()).toBe(true);
        expect(write.mock.calls.length).toBe(writes);
      });
      expect(transport.getProtocol()).toBe(client);
      expect(transport.isReading()).toBe(true);
      expect(transport.isClosing()).toBe(false);
      expect(client.events).toEqual(["made", "pause"]);
      const sent = write.mock.calls.length * BLOCK;
      // The transport still works: the original protocol gets resumeWriting once the peer reads.
      peer.transport!.resumeReading();
      await client.until(() => client.events.includes("resume"));
      transport.write(Buffer.from("tail"));
      await finish();
      expect(client.events).toEqual(["made", "pause", "resume", "lost null"]);
      expect(peer.nbytes).toBe(sent + 4);
      expect(peer.received.equals(Buffer.concat([BIG.subarray(0, sent), Buffer.from("tail")]))).toBe(true);
    }));
});

describe("loop.sendfile over TLS (always the fallback in asyncio too)", T, () => {
  it("sends the whole file (test_sendfile_ssl)", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const { client, transport, peer, finish } = await prepare({ ssl: true });
      const ret = await withFile(DATA_PATH, (fh) => loop.sendfile(transport, fh));
      expect(transport.getProtocol()).toBe(client);
      await finish();
      expect(ret).toBe(DATA.length);
      expect(peer.received.equals(DATA)).toBe(true);
    }));

  it("offset and count, with data before and after (test_sendfile_ssl_partial, test_sendfile_ssl_pre_and_post_data)", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const { transport, peer, finish } = await prepare({ ssl: true });
      const prefix = Buffer.from("zxcvbnm".repeat(1024));
      const suffix = Buffer.from("0987654321".repeat(1024));
      transport.write(prefix);
      const ret = await withFile(DATA_PATH, (fh) => loop.sendfile(transport, fh, 1000, 100));
      transport.write(suffix);
      await finish();
      expect(ret).toBe(100);
      expect(peer.received.equals(Buffer.concat([prefix, DATA.subarray(1000, 1100), suffix]))).toBe(true);
    }));

  it("the peer closes after receiving everything (test_sendfile_ssl_close_peer_after_receiving)", () =>
    runNet(async () => {
      const loop = asyncio.getRunningLoop();
      const { transport, peer, finish } = await prepare({ ssl: true, closeAfter: DATA.length });
      const ret = await withFile(DATA_PATH, (fh) => loop.sendfile(transport, fh));
      await peer.until(() => peer.lost);
      await finish();
      expect(ret).toBe(DATA.length);
      expect(peer.received.equals(DATA)).toBe(true);
    }));
});
