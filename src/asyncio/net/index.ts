/**
 * asyncio's networking on Node's `net`, `tls`, `dgram` and `dns`: transports and
 * protocols, servers, streams, and name resolution. The loop methods
 * (`loop.createConnection`...) delegate to the functions here.
 */
export { socket } from "./constants.js";
export { ConnectionAbortedError, ConnectionError, ConnectionResetError, OSError } from "./errors.js";
export { BaseProtocol, BufferedProtocol, DatagramProtocol, Protocol, SubprocessProtocol, type BaseProtocolLike, type DatagramProtocolLike, type ProtocolLike } from "./protocols.js";
export { BaseTransport, DatagramTransport, ReadTransport, Transport, WriteTransport, type BytesLike, type WriteBufferLimits } from "./transports.js";
export { SocketTransport } from "./socket-transport.js";
export { DatagramSocketTransport, createDatagramEndpoint, type CreateDatagramEndpointOptions } from "./datagram.js";
export { TransportSocket, type SockAddr } from "./trsock.js";
export { getaddrinfo, getnameinfo, type AddrInfo, type GetaddrinfoOptions } from "./dns.js";
export {
  connectAcceptedSocket,
  createConnection,
  createUnixConnection,
  type ConnectAcceptedSocketOptions,
  type CreateConnectionOptions,
  type CreateUnixConnectionOptions,
  type HostPort,
} from "./connect.js";
export { Server, createServer, createUnixServer, type CreateServerOptions, type CreateUnixServerOptions } from "./server.js";
export { startTls, type ClientSSL, type ServerSSL, type StartTlsOptions, type TLSOptions } from "./tls.js";
export { sendfile, type SendfileFile, type SendfileOptions } from "./sendfile.js";
export { StreamReader, type StreamReaderOptions } from "./stream-reader.js";
export {
  FlowControlMixin,
  StreamReaderProtocol,
  StreamWriter,
  openConnection,
  openUnixConnection,
  startServer,
  startUnixServer,
  type ClientConnectedCallback,
  type OpenConnectionOptions,
  type OpenUnixConnectionOptions,
  type StartServerOptions,
  type StartUnixServerOptions,
  type StreamStartTlsOptions,
} from "./streams.js";
