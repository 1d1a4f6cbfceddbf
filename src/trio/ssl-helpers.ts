/**
 * Trio's TLS helpers over TCP (Trio's `_highlevel_ssl_helpers`): `openSslOverTcpStream`,
 * `openSslOverTcpListeners` and `serveSslOverTcp`. They run TLS natively on the Node
 * socket (no pumps), and hand out `SSLStream`s whose handshake is done.
 */
import net from "node:net";
import tls from "node:tls";
import { describeValue } from "../errors/describe.js";
import { currentTrioTask } from "../loop/current.js";
import { checkpointIfCancelled } from "../loop/traps.js";
import type { SocketStream } from "./socket-stream.js";
import { checkHappyEyeballsDelay, connectTcp, inRunFrame, waitConnected } from "./tcp-connect.js";
import { serveListeners, SocketListener, waitListening, type ServeOptions, type TcpListenerOptions } from "./tcp.js";
import { nativeSslStream, type SSLStream } from "./tls.js";

/** Options of `openSslOverTcpStream`. */
export interface OpenSslOverTcpStreamOptions {
  /** Node's TLS options (Python's SSLContext): `ca`, `cert`, `key`, `rejectUnauthorized`, `ALPNProtocols`... */
  sslContext?: tls.ConnectionOptions;
  /** The name to check the certificate against (default: host). */
  serverHostname?: string;
  /** See `openTcpStream`. */
  happyEyeballsDelay?: number;
}

/**
 * Connects to `host`:`port` over TCP, does the TLS handshake, and returns an `SSLStream`.
 * Certificates are verified by default (Node's CA store, or `sslContext.ca`). A cancel
 * abandons the attempt. Trio-flavored.
 */
export async function openSslOverTcpStream(host: string, port: number, options: OpenSslOverTcpStreamOptions = {}): Promise<SSLStream> {
  if (typeof host !== "string" || host === "") throw new TypeError(`openSslOverTcpStream(): host must be a non-empty string, got ${describeValue(host)}`);
  const delay = checkHappyEyeballsDelay(options.happyEyeballsDelay);
  const task = currentTrioTask("trio.openSslOverTcpStream()");
  await checkpointIfCancelled();
  const serverName = options.serverHostname ?? host;
  // TCP first (with Happy Eyeballs), then the handshake over it.
  const tcp = await connectTcp(host, port, { happyEyeballsDelay: delay }, "trio.openSslOverTcpStream", (socket) => socket);
  const socket = inRunFrame(task, () =>
    tls.connect({
      ...options.sslContext,
      socket: tcp,
      servername: net.isIP(serverName) === 0 ? serverName : undefined,
      checkServerIdentity: (hostname, cert) => tls.checkServerIdentity(serverName || hostname, cert),
    }),
  );
  await waitConnected(task, socket, "secureConnect", `TLS handshake with ${JSON.stringify(host)}:${port}`);
  return nativeSslStream(socket, options.sslContext ?? {}, false, serverName);
}

/** Options of `openSslOverTcpListeners` and `serveSslOverTcp`. */
export interface SslListenerOptions extends TcpListenerOptions {
  /** Node's TLS server options (Python's SSLContext): `cert`, `key`, `ca`, `requestCert`, `ALPNProtocols`... */
  sslContext: tls.TlsOptions;
}

/**
 * Listens on TCP `port` for TLS connections; `accept()` returns an `SSLStream` whose
 * handshake is done (connections that fail the handshake are dropped). Trio-flavored.
 */
export async function openSslOverTcpListeners(port: number, options: SslListenerOptions): Promise<SocketListener[]> {
  if (typeof options !== "object" || options === null || typeof options.sslContext !== "object") {
    throw new TypeError("openSslOverTcpListeners(port, { sslContext }): sslContext (Node's TLS server options) is required");
  }
  const task = currentTrioTask("trio.openSslOverTcpListeners()");
  await checkpointIfCancelled();
  const server = inRunFrame(task, () => tls.createServer(options.sslContext));
  // Handshake failures are the client's problem: drop them without an unhandled error.
  server.on("tlsClientError", () => {});
  const listener = new SocketListener(server, (socket) => nativeSslStream(socket as tls.TLSSocket, options.sslContext, true, null), "secureConnection");
  await waitListening(task, server, () => server.listen({ port, host: options.host, backlog: options.backlog }), `trio.openSslOverTcpListeners(${port})`);
  return [listener];
}

/** Serves TLS connections on TCP `port` forever (`openSslOverTcpListeners` + `serveListeners`). Trio-flavored. */
export async function serveSslOverTcp(
  handler: (stream: SSLStream) => Promise<unknown>,
  port: number,
  options: SslListenerOptions & ServeOptions<SocketListener>,
): Promise<never> {
  const listeners = await openSslOverTcpListeners(port, options);
  return serveListeners(handler as (stream: SocketStream) => Promise<unknown>, listeners, options);
}
