/**
 * The ciphertext side of an `SSLStream` over a Trio stream. Node's `tls.TLSSocket` wraps
 * any Duplex: `SslBridge` is that Duplex, and two system tasks (the pumps) move its bytes
 * to and from the Trio transport stream. The reader pump feeds what
 * `transport.receiveSome()` returns to the TLS socket; the writer pump hands what the TLS
 * socket writes to `transport.sendAll()` and only then reports the write done, so a
 * plaintext `sendAll` returns once the transport took its bytes. As Trio's SSLStream, the
 * transport is read only when something needs it: the handshake, or a `receiveSome`.
 */
import net from "node:net";
import { Duplex } from "node:stream";
import tls from "node:tls";
import { runInFrame } from "../contextvars/frame.js";
import { ValueError } from "../errors/builtins.js";
import { describeValue } from "../errors/describe.js";
import { CancelScope } from "../loop/cancel-scope.js";
import { currentTrioTask, runnerOrUndefined } from "../loop/current.js";
import { BrokenResourceError, Cancelled, ClosedResourceError } from "../loop/errors.js";
import { ParkingLot } from "../loop/parking-lot.js";
import { spawnSystemTask } from "../loop/system.js";
import type { Task } from "../loop/task.js";
import type { Stream } from "./stream-abc.js";

/** The checked options of an `SSLStream` over a Trio stream. */
export interface BridgeSettings {
  serverSide: boolean;
  serverHostname: string | null;
  httpsCompatible: boolean;
}

type WriteCallback = (error?: Error | null) => void;

/**
 * Whether the TLS socket's plaintext side has ended. Node's public `readableEnded` turns
 * true only when 'end' is emitted (a tick later, once the buffer is read); the state's
 * `ended` is set as the TLS layer decodes the peer's close_notify, which is the moment
 * that tells a clean end from a transport that just stopped.
 */
function tlsReadEnded(socket: tls.TLSSocket): boolean {
  return socket.readableEnded || (socket as unknown as { _readableState?: { ended?: unknown } })._readableState?.ended === true;
}

/** @internal The Duplex a TLS socket runs over, moved to and from a Trio stream by two pumps. */
export class SslBridge extends Duplex {
  tlsSocket: tls.TLSSocket | null = null;
  /** The handshake completed (and a client certificate asked for passed). */
  handshakeDone = false;
  /** Why the connection broke (a TLS error, the transport failing or ending early), or null. */
  failure: unknown = null;
  /** Why sending broke after the handshake (receiving goes on, as on a socket), or null. */
  sendFailure: unknown = null;
  /** The error for an end of the transport that broke the session (Python's SSLEOFError). */
  eofError: Error | null = null;
  /** The transport ended before the peer sent a byte: a client that hung up without TLS. */
  peerSilent = false;
  /** The pumps run: the handshake started (an SSLStream closed before that sends nothing). */
  started = false;
  /** The TLS socket's writing side finished: its close_notify went to the transport. */
  flushed = false;
  private tlsClosed = false;
  private receiving = false;
  /** Node asked for ciphertext (`_read`) and has not said its buffer is full since. */
  private nodeWantsData = false;
  private bytesReceived = 0;
  private readonly outgoing: { chunk: Uint8Array; callback: WriteCallback | null }[] = [];
  /** The writer pump, or a `waitSendAllMightNotBlock`, uses the transport's sending side. */
  private transportSending = false;
  private discarding = false;
  private stopped = false;
  private readScope: CancelScope | null = null;
  private readonly pumpScopes: CancelScope[] = [];
  private readonly readerLot = new ParkingLot();
  private readonly writerLot = new ParkingLot();
  /** The SSLStream's tasks waiting for the handshake, the close_notify or the transport. */
  private readonly stateLot = new ParkingLot();

  constructor(
    readonly transport: Stream,
    readonly context: tls.ConnectionOptions | tls.TlsOptions,
    readonly settings: BridgeSettings,
    private readonly verifyClient: { requestCert: boolean; rejectUnauthorized: boolean },
  ) {
    // The bridge lives as long as its TLS socket, which destroys it when it closes.
    super({ autoDestroy: false, allowHalfOpen: true });
  }

  override _read(): void {
    this.nodeWantsData = true;
    this.readerLot._wakeAll();
  }

  override _write(chunk: Uint8Array, _encoding: BufferEncoding, callback: WriteCallback): void {
    this._writev([{ chunk }], callback);
  }

  override _writev(chunks: { chunk: Uint8Array }[], callback: WriteCallback): void {
    // Closing without close_notify, or sending broke: what TLS still writes goes nowhere.
    if (this.discarding || this.stopped) return callback();
    chunks.forEach(({ chunk }, i) => this.outgoing.push({ chunk, callback: i === chunks.length - 1 ? callback : null }));
    this.writerLot._wakeAll();
  }

  override _final(callback: WriteCallback): void {
    // Called once every earlier write was reported done, that is, sent.
    this.flushed = true;
    callback();
    this.stateLot._wakeAll();
  }

  override _destroy(error: Error | null, callback: WriteCallback): void {
    this.outgoing.length = 0;
    this.stop();
    callback(error);
  }

  /** Listens to the TLS socket made over this bridge. */
  attach(socket: tls.TLSSocket): void {
    this.tlsSocket = socket;
    socket.on(this.settings.serverSide ? "secure" : "secureConnect", this.onSecure);
    socket.on("error", (error: unknown) => {
      this.failure ??= error;
      this.stateLot._wakeAll();
    });
    socket.on("close", () => {
      this.tlsClosed = true;
      this.stateLot._wakeAll();
    });
  }

  private readonly onSecure = (): void => {
    const socket = this.tlsSocket!;
    if (this.settings.serverSide && this.verifyClient.requestCert) {
      // A tls.Server checks a client's certificate after the handshake (Node's
      // onServerSocketSecure); a TLSSocket made alone must do the same.
      const verifyError = (socket as unknown as { ssl?: { verifyError?(): Error | null } }).ssl?.verifyError?.() ?? null;
      socket.authorized = verifyError === null;
      if (verifyError !== null) {
        socket.authorizationError = verifyError;
        if (this.verifyClient.rejectUnauthorized) return void socket.destroy(verifyError);
      }
    }
    this.handshakeDone = true;
    this.stateLot._wakeAll();
    this.demandChanged();
  };

  /** Breaks the connection: the TLS socket is destroyed with `error` (users get BrokenResourceError). */
  fail(error: unknown): void {
    if (this.stopped) return;
    this.failure ??= error;
    const socket = this.tlsSocket!;
    if (!socket.destroyed) socket.destroy(error instanceof Error ? error : new BrokenResourceError("the transport stream failed", { cause: error }));
    this.stateLot._wakeAll();
  }

  /** Wakes the tasks waiting on the connection's state (the SSLStream is closing). */
  wakeWaiters(): void {
    this.stateLot._wakeAll();
  }

  /** Starts the pumps, on first use. Trio-flavored (inside the run). */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    spawnSystemTask({ name: "SSLStream reader pump" }, () => this.pump(() => this.readCiphertext()));
    spawnSystemTask({ name: "SSLStream writer pump" }, () => this.pump(() => this.writeCiphertext()));
  }

  /** Ends the pumps (the SSLStream is closing, or the TLS socket closed). */
  stop(): void {
    this.stopped = true;
    for (const scope of this.pumpScopes) scope.cancel();
    this.readerLot._wakeAll();
    this.writerLot._wakeAll();
    this.stateLot._wakeAll();
  }

  /** From now on, what the TLS socket writes is dropped (closing without close_notify). */
  discardWrites(): void {
    this.discarding = true;
    for (const { callback } of this.outgoing.splice(0)) callback?.();
  }

  /** A task entered or left `receiveSome`. */
  setReceiving(receiving: boolean): void {
    this.receiving = receiving;
    this.demandChanged();
  }

  /** The transport is read while the handshake runs or a task waits for plaintext. */
  private needsTransport(): boolean {
    return !this.stopped && this.failure === null && (!this.handshakeDone || this.receiving);
  }

  private demandChanged(): void {
    // A read nobody needs is cancelled: a Trio receiveSome loses nothing then, and the peer
    // sees this side stop reading, as with Trio's SSLStream.
    if (this.needsTransport()) this.readerLot._wakeAll();
    else this.readScope?.cancel();
  }

  /** Runs a pump: its errors break the connection instead of crashing the run. */
  private async pump(body: () => Promise<void>): Promise<void> {
    await new CancelScope().run(async (scope) => {
      this.pumpScopes.push(scope);
      if (this.stopped) scope.cancel();
      try {
        await body();
      } catch (error) {
        if (error instanceof Cancelled) throw error;
        this.fail(error);
      }
    });
  }

  private async readCiphertext(): Promise<void> {
    const task = currentTrioTask("SSLStream reader pump");
    for (;;) {
      while (!(this.nodeWantsData && this.needsTransport())) {
        if (this.stopped) return;
        await this.readerLot._park(task, "SSLStream reader pump (waiting until the transport must be read)");
      }
      const chunk = await new CancelScope().run(async (scope) => {
        this.readScope = scope;
        try {
          return await this.transport.receiveSome();
        } finally {
          this.readScope = null;
        }
      });
      // Undefined: the read was cancelled because nobody needs it any more.
      if (chunk === undefined || this.stopped) continue;
      if (chunk.length === 0) return this.transportEnded();
      this.bytesReceived += chunk.length;
      // Node processes the chunk at once (TLS records, handshake replies, plaintext).
      this.nodeWantsData = false;
      if (this.push(chunk)) this.nodeWantsData = true;
    }
  }

  private transportEnded(): void {
    if (!this.handshakeDone) {
      // A server sees a client that closes without a word (an SSLStream closed before its
      // first use) as an end of stream in receiveSome, as a TCP server would.
      this.peerSilent = this.settings.serverSide && this.bytesReceived === 0;
      this.eofError = new Error("EOF occurred in violation of protocol: the transport stream ended during the TLS handshake");
      this.fail(this.eofError);
    } else if (this.settings.httpsCompatible || tlsReadEnded(this.tlsSocket!)) {
      this.push(null);
    } else {
      this.eofError = new Error("EOF occurred in violation of protocol: the transport stream ended without a TLS close_notify");
      this.fail(this.eofError);
    }
  }

  private async writeCiphertext(): Promise<void> {
    const task = currentTrioTask("SSLStream writer pump");
    for (;;) {
      while (this.outgoing.length === 0 || this.transportSending) {
        if (this.stopped) return;
        await this.writerLot._park(task, "SSLStream writer pump (waiting for ciphertext)");
      }
      const batch = this.outgoing.splice(0);
      this.transportSending = true;
      try {
        await this.transport.sendAll(batch.length === 1 ? batch[0].chunk : Buffer.concat(batch.map((item) => item.chunk)));
      } catch (error) {
        // Failing before the handshake is done breaks it; after, only sending is broken:
        // what the peer sent before going away can still be read (and its end).
        if (error instanceof Cancelled || !this.handshakeDone) throw error;
        this.sendFailure = error;
        this.discardWrites();
        return;
      } finally {
        this.transportSending = false;
        for (const { callback } of batch) callback?.();
        this.stateLot._wakeAll();
      }
    }
  }

  /** Throws BrokenResourceError once the connection broke (for a sender, also once a transport send failed). */
  throwIfBroken(sending: boolean): void {
    const failure = this.failure ?? (sending ? this.sendFailure : null);
    if (failure !== null) throw new BrokenResourceError("the TLS connection is broken", { cause: failure });
  }

  /** Waits until `done()`; then or before, a broken connection throws BrokenResourceError, `closed()` ClosedResourceError. */
  private async waitFor(task: Task, what: string, done: () => boolean, closed: () => boolean, sending = false): Promise<void> {
    for (;;) {
      if (closed()) throw new ClosedResourceError("this SSLStream was closed");
      if (done()) return;
      this.throwIfBroken(sending);
      // Destroyed: its 'error' (the cause to report) comes a tick before its 'close'.
      if (this.tlsClosed) throw new BrokenResourceError("the TLS connection was closed");
      await this.stateLot._park(task, what);
    }
  }

  /** Waits for the handshake (the pumps must be started). Trio-flavored. */
  waitHandshake(task: Task, closed: () => boolean): Promise<void> {
    return this.waitFor(task, "SSLStream handshake", () => this.handshakeDone, closed);
  }

  /** Waits until the close_notify went to the transport, or the connection is gone. Trio-flavored. */
  async waitFlushed(task: Task): Promise<void> {
    while (!this.flushed && this.failure === null && this.sendFailure === null && !this.destroyed) {
      await this.stateLot._park(task, "SSLStream.aclose() (sending close_notify)");
    }
  }

  /** `transport.waitSendAllMightNotBlock()`, once the writer pump is not using the transport. Trio-flavored. */
  async waitTransportWritable(task: Task, closed: () => boolean): Promise<void> {
    await this.waitFor(task, "SSLStream.waitSendAllMightNotBlock()", () => !this.transportSending, closed, true);
    this.transportSending = true;
    try {
      await this.transport.waitSendAllMightNotBlock();
    } finally {
      this.transportSending = false;
      this.writerLot._wakeAll();
    }
  }
}

const STREAM_METHODS = ["sendAll", "receiveSome", "waitSendAllMightNotBlock", "aclose"] as const;

/** @internal Checks the arguments of `new SSLStream(transportStream, sslContext, options)`. */
export function checkSslStreamArgs(transport: unknown, context: unknown, options: unknown): BridgeSettings {
  if (typeof transport !== "object" || transport === null || STREAM_METHODS.some((name) => typeof (transport as Record<string, unknown>)[name] !== "function")) {
    throw new TypeError(`SSLStream needs a Trio stream to run over (sendAll, receiveSome, waitSendAllMightNotBlock, aclose), got ${describeValue(transport)}`);
  }
  if (typeof context !== "object" || context === null) {
    throw new TypeError(`SSLStream needs Node's TLS options as sslContext (tls.ConnectionOptions; tls.TlsOptions for serverSide), got ${describeValue(context)}`);
  }
  if (typeof options !== "object" || options === null) throw new TypeError(`SSLStream options must be an object, got ${describeValue(options)}`);
  const { serverSide = false, serverHostname = null, httpsCompatible = false } = options as Partial<Record<keyof BridgeSettings, unknown>>;
  for (const [name, value] of [["serverSide", serverSide], ["httpsCompatible", httpsCompatible]] as const) {
    if (typeof value !== "boolean") throw new TypeError(`SSLStream: ${name} must be a boolean, got ${describeValue(value)}`);
  }
  if (serverHostname !== null && typeof serverHostname !== "string") {
    throw new TypeError(`SSLStream: serverHostname must be a string or null, got ${describeValue(serverHostname)}`);
  }
  if (serverSide && serverHostname !== null) throw new ValueError("server_hostname can only be specified in client mode");
  return { serverSide: serverSide as boolean, serverHostname, httpsCompatible: httpsCompatible as boolean };
}

/** @internal Makes the TLS socket of an `SSLStream` over `transport`, with its bridge. Sync, either flavor. */
export function openBridge(transport: Stream, context: tls.ConnectionOptions | tls.TlsOptions, settings: BridgeSettings): SslBridge {
  const { serverSide, serverHostname } = settings;
  const server = context as tls.TlsOptions;
  // A tls.Server's defaults: no client certificate asked for; if asked, it must verify.
  const verifyClient = { requestCert: serverSide && server.requestCert === true, rejectUnauthorized: server.rejectUnauthorized !== false };
  const bridge = new SslBridge(transport, context, settings, verifyClient);
  const make = (): tls.TLSSocket => {
    if (serverSide) {
      return new tls.TLSSocket(bridge, { ...server, isServer: true, secureContext: server.secureContext ?? tls.createSecureContext(server), ...verifyClient });
    }
    const client = context as tls.ConnectionOptions;
    let checkServerIdentity = client.checkServerIdentity;
    if (checkServerIdentity === undefined) {
      if (serverHostname !== null) checkServerIdentity = (_host, cert) => tls.checkServerIdentity(serverHostname, cert);
      // Without a name Node would check the certificate against "localhost".
      else if (client.rejectUnauthorized === false) checkServerIdentity = () => undefined;
      else throw new ValueError("check_hostname requires server_hostname: pass serverHostname, or rejectUnauthorized: false");
    }
    const servername = serverHostname !== null && net.isIP(serverHostname) === 0 ? serverHostname : undefined;
    return tls.connect({ ...client, socket: bridge, servername, checkServerIdentity });
  };
  // Made in the run's own frame, so the TLS socket's callbacks belong to no task.
  const runner = runnerOrUndefined();
  bridge.attach(runner === undefined ? make() : runInFrame(runner.frame, make));
  return bridge;
}
