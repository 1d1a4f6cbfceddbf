/**
 * TLS for Trio streams on `node:tls`: `SSLStream`, over any Trio stream (through the
 * bridge of ssl-bridge.ts) or natively over a TCP socket (for the helpers of
 * ssl-helpers.ts).
 */
import tls from "node:tls";
import { nameError, NotImplementedError } from "../errors/builtins.js";
import { CancelScope } from "../loop/cancel-scope.js";
import { currentTrioTask } from "../loop/current.js";
import { BrokenResourceError, BusyResourceError, ClosedResourceError } from "../loop/errors.js";
import type { Task } from "../loop/task.js";
import { checkpoint } from "../loop/traps.js";
import { toBytes } from "./node-streams.js";
import { SocketStream } from "./socket-stream.js";
import { checkSslStreamArgs, openBridge, type SslBridge } from "./ssl-bridge.js";
import { acloseForcefully } from "./stapled-stream.js";
import { checkMaxBytes, receiveChunks, type Stream } from "./stream-abc.js";

/** What `SSLStream` can tell only after the handshake, asked before it (Trio's `NeedHandshakeError`). */
export class NeedHandshakeError extends Error {}
nameError(NeedHandshakeError, "NeedHandshakeError");

/** Options of `new SSLStream(transportStream, sslContext, options)`. */
export interface SSLStreamOptions {
  /** This side is the TLS server (default false); `sslContext` then holds its `cert` and `key`. */
  serverSide?: boolean;
  /** Client side: the name the server's certificate must match, also sent as SNI (a DNS name). */
  serverHostname?: string | null;
  /** HTTPS-style closing (default false): no close_notify sent, none required from the peer. */
  httpsCompatible?: boolean;
}

/** What the TCP helpers hand to the constructor: a TLS socket over TCP, its handshake done. */
class NativeTls {
  constructor(
    readonly tlsSocket: tls.TLSSocket,
    readonly context: tls.ConnectionOptions | tls.TlsOptions,
    readonly serverSide: boolean,
    readonly serverHostname: string | null,
  ) {}
}

const EMPTY = new Uint8Array(0);

/**
 * A TLS connection as a Trio stream (Trio's `SSLStream`), on Node's `tls.TLSSocket`.
 * `new SSLStream(transportStream, sslContext, { serverSide, serverHostname, httpsCompatible })`
 * runs TLS over any Trio `Stream` (memory streams, `StapledStream`, `SocketStream`, another
 * SSLStream...); `sslContext` is Node's TLS options (`tls.ConnectionOptions`; for a server
 * `tls.TlsOptions` with `cert` and `key`). A client needs `serverHostname` unless
 * `rejectUnauthorized: false` or its own `checkServerIdentity`. The handshake runs on first
 * use or `doHandshake()`; a failed one gives BrokenResourceError with Node's error as cause.
 * System tasks move the ciphertext, so the transport's errors also come out as
 * BrokenResourceError with that error as cause (Trio raises them as they are). `aclose`
 * sends close_notify (not when `httpsCompatible`, nor for a stream never used), then closes
 * the transport; `unwrap` is NotImplementedError. Socket options are the transport's.
 *
 * The TCP helpers' streams run TLS natively on the socket, handshake done: their
 * `transportStream` is null and `setNoDelay`, `remoteAddress`... are the TCP socket's.
 * `sendEof` sends close_notify (TLS 1.3 lets the peer go on sending). Stream methods are
 * Trio-flavored; the rest sync, either flavor.
 */
export class SSLStream extends SocketStream {
  /** The Node TLS socket: over the TCP socket, or over a bridge to `transportStream`. */
  readonly tlsSocket: tls.TLSSocket;
  private readonly bridge: SslBridge | null;
  /** The TLS options given (Trio's `context`). */
  readonly context: tls.ConnectionOptions | tls.TlsOptions;
  /** Whether this side is the TLS server. */
  readonly serverSide: boolean;
  /** The name the server's certificate is checked against (client side), or null. */
  readonly serverHostname: string | null;
  /** Whether closing is HTTPS-style; false for the TCP helpers' streams. */
  readonly httpsCompatible: boolean;
  private sslClosed = false;
  private receiving = false;
  private sending = false;
  private eofSent = false;
  private writableWait: CancelScope | null = null;
  private readonly isClosed = (): boolean => this.sslClosed;

  /** TypeError for a transport that is no Trio stream; ValueError for a client without a name to check. Sync, either flavor. */
  constructor(transportStream: Stream, sslContext: tls.ConnectionOptions | tls.TlsOptions, options: SSLStreamOptions = {}) {
    const native = (transportStream as unknown) instanceof NativeTls ? (transportStream as unknown as NativeTls) : null;
    const bridge = native === null ? openBridge(transportStream, sslContext, checkSslStreamArgs(transportStream, sslContext, options)) : null;
    const socket = native?.tlsSocket ?? bridge!.tlsSocket!;
    super(socket);
    this.tlsSocket = socket;
    this.bridge = bridge;
    this.context = native?.context ?? bridge!.context;
    this.serverSide = native?.serverSide ?? bridge!.settings.serverSide;
    this.serverHostname = native?.serverHostname ?? bridge?.settings.serverHostname ?? null;
    this.httpsCompatible = bridge?.settings.httpsCompatible ?? false;
  }

  /** The Trio stream under the TLS (Trio's `transport_stream`); null for the TCP helpers' streams. */
  get transportStream(): Stream | null {
    return this.bridge?.transport ?? null;
  }

  private needHandshake(what: string): void {
    if (this.bridge !== null && !this.bridge.handshakeDone) throw new NeedHandshakeError(`call doHandshake() before reading ${what}`);
  }

  /** The ALPN protocol agreed on, or false; NeedHandshakeError before the handshake. */
  get selectedAlpnProtocol(): string | false {
    this.needHandshake("selectedAlpnProtocol");
    return this.tlsSocket.alpnProtocol ?? false;
  }

  /** The TLS version in use ("TLSv1.3"...); NeedHandshakeError before the handshake. */
  get version(): string | null {
    this.needHandshake("version");
    return this.tlsSocket.getProtocol();
  }

  /** The peer's certificate (Node's form), or null; NeedHandshakeError before the handshake. */
  getpeercert(): tls.PeerCertificate | null {
    this.needHandshake("getpeercert()");
    const cert = this.tlsSocket.getPeerCertificate();
    return cert === null || Object.keys(cert).length === 0 ? null : cert;
  }

  /** Starts the pumps and waits for the handshake (no checkpoint when it is done). */
  private async handshake(task: Task, closed = this.isClosed): Promise<void> {
    this.bridge!.start();
    if (!this.bridge!.handshakeDone) await this.bridge!.waitHandshake(task, closed);
  }

  /** Does the handshake if not done yet (other calls do it when needed); tasks may wait for it together. Trio-flavored. */
  async doHandshake(): Promise<void> {
    const task = currentTrioTask("SSLStream.doHandshake()");
    if (this.bridge !== null) {
      this.checkStatus();
      if (!this.bridge.handshakeDone) return this.handshake(task);
    }
    await checkpoint();
  }

  /** Trio's `_check_status`: ClosedResourceError once closed, BrokenResourceError once broken. */
  private checkStatus(sending = false): void {
    if (this.sslClosed) throw new ClosedResourceError("this SSLStream was closed");
    this.bridge!.throwIfBroken(sending);
  }

  private enterSend(): void {
    this.checkStatus(true);
    if (this.sending) throw new BusyResourceError("another task is already sending on this SSLStream");
    this.sending = true;
  }

  /** See `trio.abc.ReceiveStream.receiveSome`: the plaintext received. Trio-flavored. */
  override async receiveSome(maxBytes?: number): Promise<Uint8Array> {
    const bridge = this.bridge;
    if (bridge === null) return super.receiveSome(maxBytes);
    const task = currentTrioTask("SSLStream.receiveSome()");
    checkMaxBytes(maxBytes);
    // An HTTPS-style peer hanging up before the handshake, or a client before its first
    // word, ends the stream (Trio maps the first case only).
    const endedEarly = (): boolean => bridge.failure === bridge.eofError && bridge.eofError !== null && (this.httpsCompatible || bridge.peerSilent);
    if (!this.sslClosed && endedEarly()) return checkpoint().then(() => EMPTY);
    this.checkStatus();
    if (this.receiving) throw new BusyResourceError("another task is already receiving on this SSLStream");
    this.receiving = true;
    try {
      try {
        await this.handshake(task);
      } catch (error) {
        if (!(endedEarly() && error instanceof BrokenResourceError)) throw error;
        return checkpoint().then(() => EMPTY);
      }
      bridge.setReceiving(true);
      try {
        return await super.receiveSome(maxBytes);
      } finally {
        bridge.setReceiving(false);
      }
    } finally {
      this.receiving = false;
    }
  }

  /** See `trio.abc.SendStream.sendAll`: returns once the transport took the ciphertext. Trio-flavored. */
  override async sendAll(data: Uint8Array | string): Promise<void> {
    if (this.bridge === null) return super.sendAll(data);
    const task = currentTrioTask("SSLStream.sendAll()");
    const bytes = toBytes(data, "SSLStream.sendAll()");
    this.enterSend();
    try {
      await this.handshake(task);
      // Node ends the TLS socket's sending side when the peer's close_notify arrives.
      if (this.tlsSocket.writableEnded && !this.eofSent) throw new BrokenResourceError("the peer closed the TLS connection");
      await super.sendAll(bytes);
      if (this.bridge.sendFailure !== null) throw new BrokenResourceError("the transport stream broke", { cause: this.bridge.sendFailure });
    } finally {
      this.sending = false;
    }
  }

  /** Waits until the transport might take more (as Trio: the transport's own wait). Trio-flavored. */
  override async waitSendAllMightNotBlock(): Promise<void> {
    const bridge = this.bridge;
    if (bridge === null) return super.waitSendAllMightNotBlock();
    const task = currentTrioTask("SSLStream.waitSendAllMightNotBlock()");
    this.enterSend();
    // aclose cancels the scope: a transport need not wake its waiters when closed.
    const scope = (this.writableWait = new CancelScope());
    try {
      await scope.run(() => bridge.waitTransportWritable(task, this.isClosed));
    } catch (error) {
      if (this.sslClosed && (error instanceof ClosedResourceError || error instanceof BrokenResourceError)) throw new ClosedResourceError("this SSLStream was closed");
      throw error;
    } finally {
      this.writableWait = null;
      this.sending = false;
    }
    if (scope.cancelledCaught) throw new ClosedResourceError("this SSLStream was closed while waiting");
  }

  /** Sends close_notify (TLS 1.3 lets the peer go on sending); later sends fail. Trio-flavored. */
  override async sendEof(): Promise<void> {
    if (this.bridge === null) return super.sendEof();
    const task = currentTrioTask("SSLStream.sendEof()");
    this.enterSend();
    try {
      await this.handshake(task);
      this.eofSent = true;
      await super.sendEof();
    } finally {
      this.sending = false;
    }
  }

  /**
   * Sends close_notify (finishing the handshake first; not when `httpsCompatible`, broken,
   * or never used), then closes the transport. Users get ClosedResourceError; a handshake
   * failing here throws BrokenResourceError. Trio-flavored.
   */
  override async aclose(): Promise<void> {
    const bridge = this.bridge;
    if (bridge === null) return super.aclose();
    const task = currentTrioTask("SSLStream.aclose()");
    if (this.sslClosed) return checkpoint();
    this.sslClosed = true;
    bridge.wakeWaiters();
    this.writableWait?.cancel();
    // Never used: no TLS was spoken, only the transport is left to close.
    let graceful = !this.httpsCompatible && bridge.failure === null && bridge.sendFailure === null && bridge.started;
    let [failed, error]: [boolean, unknown] = [false, undefined];
    try {
      // Marked closed (others stop at once), this call still waits for the handshake.
      if (graceful) await this.handshake(task, () => false);
    } catch (e) {
      [failed, error, graceful] = [true, e, false];
    }
    if (!graceful) bridge.discardWrites();
    try {
      // SocketStream's close wakes the users and ends the TLS socket (its close_notify).
      await super.aclose();
      if (graceful) await bridge.waitFlushed(task);
    } catch (e) {
      if (!failed) [failed, error] = [true, e];
    } finally {
      if (!graceful) this.tlsSocket.destroy();
      bridge.stop();
    }
    if (failed) {
      await acloseForcefully(bridge.transport);
      throw error;
    }
    await bridge.transport.aclose();
  }

  /** Trio's `unwrap()`: NotImplementedError, Node's TLS cannot hand the connection back in plaintext. Trio-flavored. */
  async unwrap(): Promise<never> {
    currentTrioTask("SSLStream.unwrap()");
    throw new NotImplementedError(
      "SSLStream.unwrap(): Node's TLS cannot hand a connection back in plaintext; close it with aclose() " +
        "(or sendEof() with TLS 1.3) and carry plaintext on another connection",
    );
  }

  /** Iterates the plaintext chunks until the end of the stream. Each step is Trio-flavored. */
  override [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return receiveChunks(this);
  }
}

/** @internal The SSLStream of a TLS socket the TCP helpers connected (handshake done). */
export function nativeSslStream(socket: tls.TLSSocket, context: tls.ConnectionOptions | tls.TlsOptions, serverSide: boolean, serverHostname: string | null): SSLStream {
  return new SSLStream(new NativeTls(socket, context, serverSide, serverHostname) as unknown as Stream, context);
}
