// Helpers shared by the networking tests: real-time loops (sockets need the real clock),
// a recording protocol, loopback servers outside asyncio, TLS fixtures.
import { readFileSync } from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as asyncio from "../../../src/asyncio/index.js";
import { currentAsyncLibrary } from "../../../src/flavor/sniffio.js";

/** `asyncio.run(fn)` on a real-clock loop, with a 5 s timeout so that a hang fails fast. */
export function runNet<T>(fn: () => Promise<T>, seconds = 5): Promise<T> {
  return asyncio.run(() => asyncio.timeout<T>(seconds, fn));
}

/** The self-signed certificate of the fixtures (for localhost, 127.0.0.1 and ::1). */
export const CERT = readFileSync(new URL("./fixtures/localhost-cert.pem", import.meta.url));
export const KEY = readFileSync(new URL("./fixtures/localhost-key.pem", import.meta.url));
/** TLS server options with the fixture certificate. */
export const serverTls = { key: KEY, cert: CERT };
/** TLS client options trusting the fixture certificate. */
export const clientTls = { ca: CERT };

let pathCounter = 0;
/** A fresh Unix socket path in the temporary directory. */
export function socketPath(): string {
  return path.join(os.tmpdir(), `aio-net-${process.pid}-${Date.now()}-${++pathCounter}.sock`);
}

/** Whether IPv6 loopback can be bound here. */
export const HAS_IPV6 = await new Promise<boolean>((resolve) => {
  const server = net.createServer();
  server.once("error", () => resolve(false));
  server.listen({ host: "::1", port: 0 }, () => server.close(() => resolve(true)));
});

/** A TCP port nobody listens on (bound, then closed). */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen({ host, port: 0 }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** An address pair from a TransportSocket / getExtraInfo value. */
export function hostPort(addr: unknown): [string, number] {
  const a = addr as [string, number];
  return [a[0], a[1]];
}

/** The first listening address of an asyncio Server. */
export function serverAddress(server: asyncio.Server): [string, number] {
  return hostPort(server.sockets[0].getsockname());
}

/**
 * A protocol recording what happens to it: `events` (`made`, `data`, `eof`, `lost ...`,
 * `pause`, `resume`), the bytes received, and the async library of every callback.
 * `until(predicate)` waits (on the loop) until the predicate holds.
 */
export class Recorder extends asyncio.Protocol {
  events: string[] = [];
  chunks: Buffer[] = [];
  libraries = new Set<string>();
  inTask = false;
  transport: asyncio.SocketTransport | null = null;
  lostWith: Error | null | undefined = undefined;
  private waiters: asyncio.Future<void>[] = [];

  constructor(
    private readonly options: { keepOpenOnEof?: boolean; onMade?: (t: asyncio.SocketTransport, p: Recorder) => void; onData?: (d: Buffer, p: Recorder) => void } = {},
  ) {
    super();
  }

  private note(event: string | null): void {
    if (event !== null) this.events.push(event);
    this.libraries.add(currentAsyncLibrary());
    if (asyncio.currentTask() !== null) this.inTask = true;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) if (!w.done()) w.setResult();
  }

  override connectionMade(transport: unknown): void {
    this.transport = transport as asyncio.SocketTransport;
    this.note("made");
    this.options.onMade?.(this.transport, this);
  }

  override dataReceived(data: Buffer): void {
    this.chunks.push(data);
    if (this.events[this.events.length - 1] !== "data") this.events.push("data");
    this.note(null);
    this.options.onData?.(data, this);
  }

  override eofReceived(): boolean {
    this.note("eof");
    return this.options.keepOpenOnEof === true;
  }

  override connectionLost(exc: Error | null): void {
    this.lostWith = exc;
    this.note(`lost ${exc === null ? "null" : ((exc as { code?: string }).code ?? exc.name)}`);
  }

  override pauseWriting(): void {
    this.note("pause");
  }

  override resumeWriting(): void {
    this.note("resume");
  }

  /** Everything received, as one Buffer. */
  get received(): Buffer {
    return Buffer.concat(this.chunks);
  }

  get lost(): boolean {
    return this.lostWith !== undefined;
  }

  /** Waits until `predicate()` holds (checked after each callback). asyncio-flavored. */
  async until(predicate: () => boolean): Promise<void> {
    while (!predicate()) {
      const waiter = asyncio.getRunningLoop().createFuture<void>();
      this.waiters.push(waiter);
      await waiter;
    }
  }
}

/** Starts a plain Node echo/test server outside asyncio; `handler` gets each socket. */
export async function nodeServer(handler: (socket: net.Socket) => void, listen: net.ListenOptions = { host: "127.0.0.1", port: 0 }): Promise<{ server: net.Server; port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    handler(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(listen, () => resolve());
  });
  const address = server.address();
  return {
    server,
    port: typeof address === "object" && address !== null ? address.port : 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
