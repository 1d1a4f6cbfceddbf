/**
 * asyncio's protocol classes (Python's `asyncio.protocols`): the callbacks a transport
 * calls. Every callback runs as a callback of the transport's loop (through its ready
 * queue, in the order the events happened, asyncio-flavored). Subclass the one that fits
 * and override what you need; the defaults do nothing. A plain object with some of these
 * methods works too: a missing method counts as the default.
 */
import { NotImplementedError } from "../../errors/builtins.js";
import type { SockAddr } from "./trsock.js";

/** The callbacks every transport calls (Python's `BaseProtocol`). */
export interface BaseProtocolLike {
  /** The connection is ready; `transport` is its transport. */
  connectionMade?(transport: never): void;
  /** The connection is closed: `exc` is the error that closed it, or null (EOF, `close()`, `abort()`). */
  connectionLost?(exc: Error | null): void;
  /** The transport's write buffer went over its high-water mark. */
  pauseWriting?(): void;
  /** The transport's write buffer drained to its low-water mark. */
  resumeWriting?(): void;
}

/** The callbacks of a stream (TCP, Unix, TLS) protocol (Python's `Protocol` and `BufferedProtocol`). */
export interface ProtocolLike extends BaseProtocolLike {
  /** Bytes arrived. */
  dataReceived?(data: Buffer): void;
  /** The peer sent EOF. Return true to keep the transport open for writing (not over TLS). */
  eofReceived?(): boolean | void | undefined;
  /** BufferedProtocol: a buffer to receive into (at least 1 byte). */
  getBuffer?(sizehint: number): Uint8Array;
  /** BufferedProtocol: `nbytes` bytes were written into the last buffer. */
  bufferUpdated?(nbytes: number): void;
}

/** The callbacks of a datagram protocol (Python's `DatagramProtocol`). */
export interface DatagramProtocolLike extends BaseProtocolLike {
  /** A datagram arrived from `addr`. */
  datagramReceived?(data: Buffer, addr: SockAddr): void;
  /** A send or receive failed with an OS error (the transport stays open). */
  errorReceived?(exc: Error): void;
}

/**
 * The base of all protocols (`asyncio.BaseProtocol`): connection and write-flow-control
 * callbacks. Sync, either flavor (the transport calls it from its loop).
 */
export class BaseProtocol implements BaseProtocolLike {
  /** Called when a connection is made; `transport` represents it. */
  connectionMade(_transport: unknown): void {}
  /** Called when the connection is lost or closed: `exc` is an error, or null for a regular EOF, close or abort. */
  connectionLost(_exc: Error | null): void {}
  /** Called when the transport's buffer goes over the high-water mark: stop writing until `resumeWriting`. */
  pauseWriting(): void {}
  /** Called when the transport's buffer drains below the low-water mark. */
  resumeWriting(): void {}
}

/**
 * A stream protocol (`asyncio.Protocol`): `dataReceived(data)` for each chunk of bytes,
 * `eofReceived()` when the peer sends EOF. Sync, either flavor.
 */
export class Protocol extends BaseProtocol implements ProtocolLike {
  /** Called with the bytes received (a Buffer). */
  dataReceived(_data: Buffer): void {}
  /**
   * Called when the peer sends EOF. Returning a falsy value closes the transport;
   * returning true keeps it open for writing (half-close; TLS transports close anyway).
   */
  eofReceived(): boolean | void {}
}

/**
 * A stream protocol that receives into its own buffers (`asyncio.BufferedProtocol`):
 * the transport asks `getBuffer(sizehint)` for a buffer, copies received bytes into it,
 * and calls `bufferUpdated(nbytes)`. Sync, either flavor.
 */
export class BufferedProtocol extends BaseProtocol implements ProtocolLike {
  /**
   * Returns a non-empty buffer to receive into. `sizehint` is how many bytes are waiting
   * (a buffer of any size is fine).
   */
  getBuffer(_sizehint: number): Uint8Array {
    throw new NotImplementedError("BufferedProtocol subclasses implement getBuffer(sizehint)");
  }
  /** Called when `nbytes` bytes were written into the buffer `getBuffer` returned. */
  bufferUpdated(_nbytes: number): void {}
  /** As `Protocol.eofReceived`. */
  eofReceived(): boolean | void {}
}

/** A datagram (UDP) protocol (`asyncio.DatagramProtocol`). Sync, either flavor. */
export class DatagramProtocol extends BaseProtocol implements DatagramProtocolLike {
  /** Called with each datagram and the address it came from. */
  datagramReceived(_data: Buffer, _addr: SockAddr): void {}
  /** Called when a send or receive operation fails with an OS error. */
  errorReceived(_exc: Error): void {}
}

/**
 * The protocol of a subprocess transport (`asyncio.SubprocessProtocol`): pipe data and
 * process exit callbacks. Sync, either flavor.
 */
export class SubprocessProtocol extends BaseProtocol {
  /** Called with data the child wrote to its stdout (`fd` 1) or stderr (`fd` 2). */
  pipeDataReceived(_fd: number, _data: Buffer): void {}
  /** Called when one of the child's pipes closes. */
  pipeConnectionLost(_fd: number, _exc: Error | null): void {}
  /** Called when the child exited. */
  processExited(): void {}
}
