/**
 * TLS for asyncio's networking, on `node:tls`. Where Python takes an `ssl.SSLContext`,
 * this API takes Node's TLS options: `tls.ConnectionOptions` for clients (`ssl: true`
 * means Node's defaults: certificates verified against the system CAs, host name
 * checked), `tls.TlsOptions` for servers (`key`, `cert`...). `getExtraInfo("sslcontext")`
 * gives those options back; `"ssl_object"` is the `tls.TLSSocket`.
 */
import { isIP, type Socket } from "node:net";
import * as tls from "node:tls";
import { ValueError } from "../../errors/builtins.js";
import type { BaseTrioEventLoop } from "../base-loop.js";
import { SSL_HANDSHAKE_TIMEOUT } from "./constants.js";
import { ConnectionAbortedError, ConnectionResetError } from "./errors.js";
import type { ProtocolLike } from "./protocols.js";
import { holdErrors } from "./held-errors.js";
import { SocketTransport } from "./socket-transport.js";
import { checkLoopCall, checkOptions, checkSeconds, rejectFromHost, resolveFromHost } from "./util.js";

/** The `ssl` option of clients: `true` (Node's defaults) or Node's TLS connection options. */
export type ClientSSL = boolean | tls.ConnectionOptions;
/** The `ssl` option of servers: Node's TLS server options (`key`, `cert`, `ca`, `requestCert`...). */
export type ServerSSL = tls.TlsOptions;
/** What `startTls` takes: TLS connection options (client side) or TLS server options (server side). */
export type TLSOptions = tls.ConnectionOptions | tls.TlsOptions;

/** @internal The options object a client `ssl` value stands for. */
export function clientSSLOptions(ssl: ClientSSL): tls.ConnectionOptions {
  if (ssl === true) return {};
  if (typeof ssl !== "object" || ssl === null) throw new TypeError("ssl must be true or an object of TLS connection options (tls.ConnectionOptions)");
  return ssl;
}

/** @internal Checks a server `ssl` value (Python: an SSLContext or None; `True` is a TypeError). */
export function checkServerSSL(ssl: unknown): ServerSSL | null {
  if (ssl === undefined || ssl === null) return null;
  if (typeof ssl !== "object") throw new TypeError("ssl argument must be an object of TLS server options (tls.TlsOptions: key, cert...) or null");
  return ssl;
}

function noop(): void {}

/** @internal Waits for a TLS socket's handshake on the loop; on failure or timeout the socket is destroyed. */
async function handshake(loop: BaseTrioEventLoop, tlsSocket: tls.TLSSocket, raw: Socket, event: string, timeout: number): Promise<tls.TLSSocket> {
  const done = loop.createFuture<void>();
  const onSecure = (): void => resolveFromHost(done, undefined);
  const onError = (error: Error): void => rejectFromHost(done, error);
  // The peer may just hang up (a client that refused the certificate): no error then.
  const onClose = (): void => rejectFromHost(done, new ConnectionResetError("Connection lost during the TLS handshake"));
  tlsSocket.once(event, onSecure);
  tlsSocket.on("error", onError);
  tlsSocket.once("close", onClose);
  tlsSocket.once("end", onClose);
  tlsSocket.unref();
  const timer = loop.callLater(timeout, () => {
    rejectFromHost(done, new ConnectionAbortedError(`SSL handshake is taking longer than ${timeout} seconds: aborting the connection`));
  });
  // The TLS socket reports the connection's errors from now on.
  raw.on("error", noop);
  try {
    await done;
  } catch (error) {
    tlsSocket.destroy();
    raw.destroy();
    throw error;
  } finally {
    timer.cancel();
    tlsSocket.off(event, onSecure);
    tlsSocket.off("error", onError);
    tlsSocket.off("close", onClose);
    tlsSocket.off("end", onClose);
  }
  holdErrors(tlsSocket);
  return tlsSocket;
}

/** @internal The client side of a TLS handshake over a connected socket. */
export function tlsClientHandshake(
  loop: BaseTrioEventLoop,
  raw: Socket,
  ssl: tls.ConnectionOptions,
  serverHostname: string,
  timeout: number | null | undefined,
): Promise<tls.TLSSocket> {
  const options: tls.ConnectionOptions = { ...ssl, socket: raw };
  if (serverHostname === "") {
    // Python's server_hostname='': no SNI, no host name check.
    delete options.servername;
    options.checkServerIdentity ??= () => undefined;
  } else {
    if (isIP(serverHostname) === 0) options.servername ??= serverHostname;
    options.checkServerIdentity ??= (_host, cert) => tls.checkServerIdentity(serverHostname, cert);
  }
  const tlsSocket = tls.connect(options);
  return handshake(loop, tlsSocket, raw, "secureConnect", timeout ?? SSL_HANDSHAKE_TIMEOUT);
}

/** @internal The server side of a TLS handshake over a connected socket. */
export function tlsServerHandshake(loop: BaseTrioEventLoop, raw: Socket, ssl: tls.TlsOptions, timeout: number | null | undefined): Promise<tls.TLSSocket> {
  const tlsSocket = new tls.TLSSocket(raw, {
    ...ssl,
    isServer: true,
    secureContext: ssl.secureContext ?? tls.createSecureContext(ssl),
  });
  return handshake(loop, tlsSocket, raw, "secure", timeout ?? SSL_HANDSHAKE_TIMEOUT);
}

/** Options of `loop.startTls`. */
export interface StartTlsOptions {
  /** Whether this side is the TLS server (default false). */
  serverSide?: boolean;
  /** Client side: the name to check the certificate against and send as SNI ('' for neither). */
  serverHostname?: string | null;
  /** Seconds the handshake may take (default 60). */
  sslHandshakeTimeout?: number | null;
}

const START_TLS_OPTIONS = ["serverSide", "serverHostname", "sslHandshakeTimeout"] as const;

/**
 * Upgrades a connection to TLS (Python's `loop.start_tls`): returns the new transport,
 * which `protocol` must use from now on (its `connectionMade` is not called again). The
 * old transport hands its socket over: bytes it received and did not deliver yet are
 * read by the TLS layer first; closing it closes the new one. If the handshake fails,
 * the connection is lost with that error, which is thrown. asyncio-flavored.
 */
export async function startTls(
  loop: BaseTrioEventLoop,
  transport: unknown,
  protocol: ProtocolLike,
  sslcontext: TLSOptions,
  options: StartTlsOptions = {},
): Promise<SocketTransport> {
  checkLoopCall(loop, "loop.startTls()");
  checkOptions(options, START_TLS_OPTIONS, "loop.startTls()");
  if (typeof sslcontext !== "object" || sslcontext === null) {
    throw new TypeError(`sslcontext is expected to be an object of TLS options, got ${sslcontext === null ? "null" : typeof sslcontext}`);
  }
  if (!(transport instanceof SocketTransport) || transport._tls || transport._isLost || transport.isClosing()) {
    throw new TypeError(`transport ${String(transport)} is not supported by startTls()`);
  }
  const { serverSide = false, serverHostname = null, sslHandshakeTimeout = null } = options;
  checkSeconds(sslHandshakeTimeout, "sslHandshakeTimeout");
  if (serverSide && serverHostname !== null) throw new ValueError("serverHostname is only meaningful on the client side");
  const peer = transport.getExtraInfo("peername");
  const hostname = serverHostname ?? (Array.isArray(peer) ? String(peer[0]) : "");
  const raw = transport._detachForTls();
  let tlsSocket: tls.TLSSocket;
  try {
    tlsSocket = serverSide
      ? await tlsServerHandshake(loop, raw, sslcontext as tls.TlsOptions, sslHandshakeTimeout)
      : await tlsClientHandshake(loop, raw, sslcontext as tls.ConnectionOptions, hostname, sslHandshakeTimeout);
  } catch (error) {
    transport._lostDuringTls(error as Error);
    throw error;
  }
  const unix = transport.getExtraInfo("socket") as { family: number };
  const next = new SocketTransport(loop, tlsSocket, {
    protocol,
    sslcontext,
    callConnectionMade: false,
    family: unix.family,
    unixNames: typeof peer === "string" ? { sockname: transport.getExtraInfo("sockname") as string, peername: peer } : null,
    context: transport._context,
  });
  transport._setSuccessor(next);
  return next;
}
