/**
 * `loop.sendfile(transport, file, offset, count)`: asyncio's `BaseEventLoop.sendfile`.
 *
 * Node has no `sendfile(2)` for the sockets behind our transports (a Node socket owns its
 * descriptor, and TLS encrypts in user space anyway), so every send is asyncio's
 * fallback: the file is read in blocks of at most 16 KiB with positional reads (libuv's
 * thread pool: the loop never blocks) and each block is written to the transport, waiting
 * for the transport's write flow control between blocks. While it runs, a
 * `SendfileFallbackProtocol` stands in for the transport's protocol; the original one is
 * back when the send ends, however it ends.
 *
 * Unlike Python, the file's position is neither used nor updated: reads are positional
 * (from `offset`), and Node cannot seek a descriptor. The resolved count tells how much
 * was sent (after an error, no file position tells how far the send got).
 */
import * as fs from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { RuntimeError, ValueError } from "../../errors/builtins.js";
import { describeValue } from "../../errors/describe.js";
import { toOSError } from "../../errors/os-errors.js";
import type { BaseTrioEventLoop } from "../base-loop.js";
import { SendfileNotAvailableError } from "../errors.js";
import type { Future } from "../futures.js";
import { ConnectionError } from "./errors.js";
import type { ProtocolLike } from "./protocols.js";
import { SocketTransport } from "./socket-transport.js";
import type { BaseTransport } from "./transports.js";
import { checkLoopCall, checkOptions, rejectFromHost, resolveFromHost } from "./util.js";

/** The file `loop.sendfile` reads: an open `fs.promises.FileHandle`, or a file descriptor. */
export type SendfileFile = FileHandle | number;

/** Options of `loop.sendfile`. */
export interface SendfileOptions {
  /**
   * Whether the read-and-write fallback may be used (default true). Node has no native
   * sendfile for transports, so with `false` a socket transport raises
   * `SendfileNotAvailableError`.
   */
  fallback?: boolean;
}

/** Python's `SENDFILE_FALLBACK_READBUFFER_SIZE`: the largest block read at once. */
const BLOCK_SIZE = 16 * 1024;

/** Python's `_check_sendfile_params` for `offset` and `count`: TypeError for a non-integer, ValueError when out of range. */
function checkOffsetCount(offset: unknown, count: unknown): void {
  if (count !== null && count !== undefined) {
    if (typeof count !== "number" || !Number.isSafeInteger(count)) throw new TypeError(`count must be a positive integer (got ${describeValue(count)})`);
    if (count <= 0) throw new ValueError(`count must be a positive integer (got ${count})`);
  }
  if (typeof offset !== "number" || !Number.isSafeInteger(offset)) throw new TypeError(`offset must be a non-negative integer (got ${describeValue(offset)})`);
  if (offset < 0) throw new ValueError(`offset must be a non-negative integer (got ${offset})`);
}

function isFileHandle(file: unknown): file is FileHandle {
  return typeof file === "object" && file !== null && typeof (file as { fd?: unknown }).fd === "number" && typeof (file as { read?: unknown }).read === "function";
}

/** Checks the file argument: a FileHandle that is still open, or a non-negative integer descriptor. */
function checkFile(file: unknown): void {
  if (isFileHandle(file)) {
    if (file.fd < 0) throw new ValueError("I/O operation on closed file: the FileHandle was closed");
    return;
  }
  if (typeof file === "number" && Number.isSafeInteger(file) && file >= 0) return;
  throw new TypeError(`file must be an open fs.promises.FileHandle or a file descriptor (a non-negative integer), got ${describeValue(file)}`);
}

/** Reads up to `length` bytes of `file` at `position` into `buffer`; the Future gets the number read (0 at EOF). */
function readBlock(loop: BaseTrioEventLoop, file: SendfileFile, buffer: Buffer, length: number, position: number): Future<number> {
  const future = loop.createFuture<number>();
  const fail = (error: unknown): void => rejectFromHost(future, toOSError(error));
  if (typeof file === "number") {
    fs.read(file, buffer, 0, length, position, (error, bytesRead) => {
      if (error) fail(error);
      else resolveFromHost(future, bytesRead);
    });
  } else {
    void file.read(buffer, 0, length, position).then((result) => resolveFromHost(future, result.bytesRead), fail);
  }
  return future;
}

/**
 * @internal The protocol that stands in for a transport's own during a fallback send
 * (Python's `_SendfileFallbackProtocol`). Made, it takes the transport's protocol's
 * place and pauses reading; `drain()` waits while the transport is paused for writing;
 * `restore()` puts the original protocol back, resumes reading, and settles the original
 * protocol's write flow control. `connectionLost` goes on to the original protocol.
 * Sync, either flavor (`drain` is asyncio-flavored).
 */
export class SendfileFallbackProtocol implements ProtocolLike {
  private readonly _transport: SocketTransport;
  private readonly _proto: ProtocolLike | null;
  private readonly _shouldResumeReading: boolean;
  private readonly _wasPaused: boolean;
  private _writeReadyFut: Future<void> | null = null;

  constructor(transport: SocketTransport) {
    if (!(transport instanceof SocketTransport)) throw new TypeError(`transport should be a SocketTransport, got ${describeValue(transport)}`);
    this._transport = transport;
    this._proto = transport.getProtocol();
    this._shouldResumeReading = transport.isReading();
    // The transport's flow-control state (Python reads `transport._protocol_paused`).
    this._wasPaused = transport._protocolPaused;
    transport.pauseReading();
    transport.setProtocol(this);
    if (this._wasPaused) this._writeReadyFut = transport._loop.createFuture<void>();
  }

  /** Returns at once unless the transport paused writing; then waits for `resumeWriting`. ConnectionError if the transport is closing. asyncio-flavored. */
  async drain(): Promise<void> {
    if (this._transport.isClosing()) throw new ConnectionError("Connection closed by peer");
    const fut = this._writeReadyFut;
    if (fut === null) return;
    await fut;
  }

  connectionMade(_transport: unknown): void {
    throw new RuntimeError("Invalid state: connection should have been established already.");
  }

  /** Fails a pending `drain()` (a ConnectionError, Node's error as its `cause`), then tells the original protocol. */
  connectionLost(exc: Error | null): void {
    const fut = this._writeReadyFut;
    if (fut !== null && !fut.done()) {
      // A connection lost in the middle of a send is always an error for the sender.
      fut.setException(exc instanceof ConnectionError ? exc : new ConnectionError("Connection closed by peer", { code: (exc as { code?: string } | null)?.code, cause: exc ?? undefined }));
    }
    this._proto?.connectionLost?.(exc);
  }

  pauseWriting(): void {
    if (this._writeReadyFut !== null) return;
    this._writeReadyFut = this._transport._loop.createFuture<void>();
  }

  resumeWriting(): void {
    const fut = this._writeReadyFut;
    if (fut === null) return;
    this._writeReadyFut = null;
    if (!fut.done()) fut.setResult(undefined);
  }

  dataReceived(_data: Buffer): void {
    throw new RuntimeError("Invalid state: reading should be paused");
  }

  eofReceived(): boolean {
    throw new RuntimeError("Invalid state: reading should be paused");
  }

  /**
   * Gives the transport its protocol back and resumes reading if it was reading. The
   * original protocol's flow control is brought up to date: `resumeWriting()` if it was
   * paused and the transport no longer is, `pauseWriting()` if the transport paused
   * during the send and still is (it will get `resumeWriting()` from the transport);
   * nothing once the connection is lost.
   */
  restore(): void {
    const transport = this._transport;
    const proto = this._proto;
    if (proto !== null) transport.setProtocol(proto);
    if (this._shouldResumeReading) transport.resumeReading();
    const fut = this._writeReadyFut;
    this._writeReadyFut = null;
    if (fut !== null) {
      if (!fut.done()) fut.cancel();
      else if (!fut.cancelled()) fut._retrieved();
    }
    // After connectionLost the original protocol gets no more flow-control calls.
    if (proto === null || transport._isLost) return;
    const pausedNow = transport._protocolPaused;
    if (this._wasPaused === pausedNow) return;
    const method = pausedNow ? "pauseWriting" : "resumeWriting";
    try {
      proto[method]?.();
    } catch (error) {
      transport._loop.callExceptionHandler({ message: `protocol.${method}() failed`, exception: error, transport, protocol: proto });
    }
  }
}

/**
 * @internal `loop.sendfile(transport, file, offset, count, { fallback })` (see
 * `BaseTrioEventLoop.sendfile`): checks the transport, the arguments and the file, then
 * reads `file` from `offset` and writes it to the transport, at most `count` bytes;
 * resolves to the number of bytes sent. asyncio-flavored.
 */
export async function sendfile(loop: BaseTrioEventLoop, transport: BaseTransport, file: SendfileFile, offset: number = 0, count: number | null = null, options: SendfileOptions = {}): Promise<number> {
  const call = "loop.sendfile()";
  checkLoopCall(loop, call);
  checkOptions(options, ["fallback"], call);
  const fallback = options.fallback ?? true;
  if (typeof (transport as { isClosing?: unknown } | null)?.isClosing === "function" && transport.isClosing()) {
    throw new RuntimeError("Transport is closing");
  }
  if (!(transport instanceof SocketTransport)) {
    throw new RuntimeError(`sendfile is not supported for transport ${transport === null || typeof transport !== "object" ? describeValue(transport) : String(transport)}`);
  }
  if (transport._loop !== loop) throw new RuntimeError(`${call}: the transport ${String(transport)} belongs to another event loop`);
  checkOffsetCount(offset, count);
  checkFile(file);
  if (!fallback) {
    throw new SendfileNotAvailableError(
      `native sendfile is not available for transport ${String(transport)} (Node has no sendfile for its sockets) and the fallback is disabled: pass { fallback: true }`,
    );
  }
  return sendfileFallback(loop, transport, file, offset, count ?? null);
}

/** Python's `_sendfile_fallback`: read a block, write it, wait for the flow control; restore the protocol at the end. */
async function sendfileFallback(loop: BaseTrioEventLoop, transport: SocketTransport, file: SendfileFile, offset: number, count: number | null): Promise<number> {
  let blockSize = count === null ? BLOCK_SIZE : Math.min(count, BLOCK_SIZE);
  let totalSent = 0;
  const proto = new SendfileFallbackProtocol(transport);
  try {
    for (;;) {
      if (count !== null) {
        blockSize = Math.min(count - totalSent, blockSize);
        if (blockSize <= 0) return totalSent;
      }
      // A buffer per block: the transport sends from the buffer it is given (no copy).
      const buffer = Buffer.allocUnsafe(blockSize);
      const read = await readBlock(loop, file, buffer, blockSize, offset + totalSent);
      if (read === 0) return totalSent; // EOF
      transport.write(buffer.subarray(0, read));
      await proto.drain();
      totalSent += read;
    }
  } finally {
    proto.restore();
  }
}
