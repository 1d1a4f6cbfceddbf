/**
 * `asyncio.StreamReader` (Python's `asyncio.streams.StreamReader`, 3.13 semantics):
 * a byte buffer fed by a protocol (`feedData`, `feedEof`) and read by one task at a time
 * (`read`, `readline`, `readexactly`, `readuntil`, async iteration by lines). The limit
 * bounds a line (`readline`, `readuntil`) and, doubled, the buffer: past it the
 * transport is paused until reads bring the buffer back to the limit.
 */
import { RuntimeError, ValueError } from "../../errors/builtins.js";
import { describeError } from "../../errors/describe.js";

/** Python's repr of an exception: `RuntimeError()`, `ValueError('message')`. */
function reprError(error: unknown): string {
  if (error instanceof Error) return `${error.name}(${error.message ? `'${error.message}'` : ""})`;
  return describeError(error);
}
import type { BaseTrioEventLoop } from "../base-loop.js";
import { currentAioFrame, defaultLoop } from "../current.js";
import { IncompleteReadError, LimitOverrunError } from "../errors.js";
import type { Frame } from "../../contextvars/frame.js";
import type { Future } from "../futures.js";
import { DEFAULT_LIMIT } from "./constants.js";
import type { ReadTransport } from "./transports.js";
import { bytesView } from "./util.js";

const EMPTY = Buffer.alloc(0);
const NEWLINE = Buffer.from("\n");
/** The separators of `readline` (compared by identity in `_readuntil`). */
const LINE = [NEWLINE];

/** @internal A StreamReader's `limit`, checked: a positive number of bytes. */
export function checkLimit(limit: unknown): number {
  if (typeof limit !== "number" || Number.isNaN(limit)) throw new TypeError("limit must be a number of bytes");
  if (limit <= 0) throw new ValueError("Limit cannot be <= 0");
  return limit;
}

/**
 * @internal A growable byte buffer: appends at the end, consumes from the start. Bytes
 * leave without a copy when that pins little memory: a read that takes all of a fresh
 * chunk from Node gets that chunk itself. A Buffer whose bytes were handed out, or that
 * was adopted, is "frozen": it is never written into again, so what went out stays put.
 */
export class ByteBuffer {
  private data: Buffer = EMPTY;
  private start = 0;
  private end = 0;
  private frozen = false;

  get length(): number {
    return this.end - this.start;
  }

  /** The buffered bytes (a view, valid until the next change). */
  view(): Buffer {
    return this.data.subarray(this.start, this.end);
  }

  /** Appends `bytes`: copied, or with `adopt` (bytes nobody else holds) kept as they are when the buffer is empty. */
  append(bytes: Uint8Array, adopt = false): void {
    const n = bytes.length;
    if (n === 0) return;
    if (adopt && this.start === this.end) {
      this.data = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, n);
      this.start = 0;
      this.end = n;
      this.frozen = true;
      return;
    }
    if (this.frozen || this.end + n > this.data.length) {
      const length = this.length;
      if (!this.frozen && length + n <= this.data.length >>> 1) {
        this.data.copy(this.data, 0, this.start, this.end);
      } else {
        const grown = Buffer.allocUnsafe(Math.max(length + n, this.frozen ? 0 : this.data.length * 2, 256));
        this.data.copy(grown, 0, this.start, this.end);
        this.data = grown;
        this.frozen = false;
      }
      this.start = 0;
      this.end = length;
    }
    this.data.set(bytes, this.end);
    this.end += n;
  }

  /** Removes and returns the first `n` bytes: a view when it fills at least half its memory, else a copy. */
  take(n: number): Buffer {
    const count = Math.min(n, this.length);
    const bytes = this.data.subarray(this.start, this.start + count);
    if (count * 2 < bytes.buffer.byteLength) {
      this.drop(count);
      return Buffer.from(bytes);
    }
    if (count === this.length) this.clear();
    else {
      this.start += count;
      this.frozen = true;
    }
    return bytes;
  }

  drop(n: number): void {
    this.start += Math.min(n, this.length);
    if (this.start === this.end) this.clear();
  }

  /** Empty, with no memory: the old Buffer may have been handed out. */
  clear(): void {
    this.data = EMPTY;
    this.start = this.end = 0;
    this.frozen = false;
  }

  indexOf(needle: Uint8Array, offset: number): number {
    return this.view().indexOf(needle, offset);
  }

  startsWith(needle: Uint8Array, at: number): boolean {
    if (at + needle.length > this.length) return false;
    return this.view().subarray(at, at + needle.length).equals(needle);
  }
}

/** Options of `new StreamReader()`. */
export interface StreamReaderOptions {
  /** The line length limit, and half the buffer limit (default 64 KiB). */
  limit?: number;
  /** The loop (default: the running loop, else `asyncio.getEventLoop()`). */
  loop?: BaseTrioEventLoop;
}

/** What a StreamReader needs of a transport: flow control of reading. */
type ReadingTransport = Pick<ReadTransport, "pauseReading" | "resumeReading" | "toString">;

/**
 * The reading end of a stream connection (`asyncio.StreamReader`). Bytes come back as
 * Buffers (Uint8Arrays). Only one task may wait for data at a time. Sync methods:
 * either flavor; the reading methods are asyncio-flavored.
 */
export class StreamReader {
  /** @internal */ readonly _loop: BaseTrioEventLoop;
  /** @internal */ readonly _limit: number;
  private readonly _buf = new ByteBuffer();
  /** @internal Whether `feedEof()` was called. */
  _eof = false;
  /** @internal The Future of the read waiting for data. */
  _waiter: Future<void> | null = null;
  private _exception: unknown = null;
  /** @internal */ _transport: ReadingTransport | null = null;
  /** @internal Whether the transport was paused by the buffer limit. */
  _paused = false;

  constructor(options: StreamReaderOptions = {}) {
    if (typeof options !== "object" || options === null) throw new TypeError("StreamReader() takes an options object: { limit, loop }");
    this._limit = checkLimit(options.limit ?? DEFAULT_LIMIT);
    this._loop = options.loop ?? defaultLoop.get();
  }

  /** @internal The buffered bytes (a view), as Python's `_buffer`. */
  get _buffer(): Buffer {
    return this._buf.view();
  }

  /** The error set with `setException`, or null. Sync, either flavor. */
  exception(): unknown {
    return this._exception;
  }

  /** Makes the reads fail with `exc` (and wakes a waiting read with it). Sync, either flavor. */
  setException(exc: unknown): void {
    this._exception = exc;
    const waiter = this._waiter;
    if (waiter !== null) {
      this._waiter = null;
      if (!waiter.cancelled()) waiter.setException(exc);
    }
  }

  private _wakeupWaiter(): void {
    const waiter = this._waiter;
    if (waiter !== null) {
      this._waiter = null;
      if (!waiter.cancelled()) waiter.setResult(undefined);
    }
  }

  /** Sets the transport the reader pauses and resumes. Sync, either flavor. */
  setTransport(transport: Pick<ReadTransport, "pauseReading" | "resumeReading" | "toString">): void {
    if (this._transport !== null) throw new RuntimeError("Transport already set");
    this._transport = transport;
  }

  private _maybeResumeTransport(): void {
    if (this._paused && this._buf.length <= this._limit) {
      this._paused = false;
      this._transport!.resumeReading();
    }
  }

  /** Marks the end of the stream: reads return what is left, then empty. Sync, either flavor. */
  feedEof(): void {
    this._eof = true;
    this._wakeupWaiter();
  }

  /** Whether the stream ended and the buffer is empty. Sync, either flavor. */
  atEof(): boolean {
    return this._eof && this._buf.length === 0;
  }

  /**
   * Adds bytes to the buffer (wakes a waiting read; pauses the transport past twice the
   * limit). Throws after `feedEof()`. Sync, either flavor.
   */
  feedData(data: ArrayBufferView | ArrayBuffer): void {
    this._feed(data, false);
  }

  /** @internal `feedData`; with `fresh`, `data` is a chunk nobody else holds, kept without a copy. */
  _feed(data: ArrayBufferView | ArrayBuffer, fresh: boolean): void {
    if (this._eof) throw new RuntimeError("feed_data after feed_eof");
    const bytes = bytesView(data, "data");
    if (bytes.length === 0) return;
    this._buf.append(bytes, fresh);
    this._wakeupWaiter();
    if (this._transport !== null && !this._paused && this._buf.length > 2 * this._limit) {
      try {
        this._transport.pauseReading();
        this._paused = true;
      } catch (error) {
        // A transport that cannot pause: buffer everything from now on (as Python).
        if (!(error instanceof Error && error.name === "NotImplementedError")) throw error;
        this._transport = null;
      }
    }
  }

  /**
   * Waits until `feedData` or `feedEof` is called (resuming a paused transport first),
   * then calls `next()`: for a reading task, `next` runs in the task's wake-up
   * (`Future._waitThen`), so the reads need no async function of their own. `frame`
   * is the reader's, looked up once per read and passed on by a `next` that waits
   * again. A waiter left
   * done (its read was cancelled) is stale, as Python's `finally: self._waiter = None`
   * would have cleared it.
   */
  private _waitForDataThen<R>(funcName: string, frame: Frame, next: () => R | Promise<R>, onError?: (error: unknown) => R): Promise<R> {
    if (this._waiter !== null && !this._waiter.done()) {
      throw new RuntimeError(`${funcName}() called while another coroutine is already waiting for incoming data`);
    }
    if (this._eof) throw new RuntimeError("_wait_for_data after EOF");
    if (this._paused) {
      this._paused = false;
      this._transport!.resumeReading();
    }
    const waiter = this._loop.createFuture<void>();
    this._waiter = waiter;
    return waiter._waitThen(next, frame, onError);
  }

  /**
   * Reads one line (up to and including `\n`). At EOF returns the partial line, or an
   * empty Buffer. A line longer than the limit throws ValueError (the line, or the
   * buffer, is dropped). asyncio-flavored.
   */
  readline(): Promise<Buffer> {
    // Not an async function (see _waitForDataThen); every error still rejects.
    try {
      const frame = currentAioFrame("StreamReader.readline()");
      if (this._exception !== null) return Promise.resolve(this._raiseStored(LINE));
      return Promise.resolve(this._readuntil(LINE, "readline", frame, 0));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Reads up to and including `separator` (bytes; or an array of separators: the
   * earliest-ending match wins, as in Python 3.13). At EOF without it, throws
   * IncompleteReadError (with the partial data; the buffer is emptied). Past the limit,
   * throws LimitOverrunError and leaves the data in the buffer. asyncio-flavored.
   */
  readuntil(separator: Uint8Array | readonly Uint8Array[] = NEWLINE): Promise<Buffer> {
    try {
      const frame = currentAioFrame("StreamReader.readuntil()");
      const separators = Array.isArray(separator)
        ? [...(separator as readonly Uint8Array[])].map((s) => bytesView(s, "separator")).sort((a, b) => a.length - b.length)
        : [bytesView(separator, "separator")];
      if (separators.length === 0) throw new ValueError("Separator should contain at least one element");
      if (separators[0].length === 0) throw new ValueError("Separator should be at least one-byte string");
      if (this._exception !== null) throw this._exception;
      return Promise.resolve(this._readuntil(separators, "readuntil", frame, 0));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The search of `readuntil` and `readline` (separators sorted by length), from a look
   * at the buffer: the bytes, or a promise of them. `offset`: the bytes at the start of
   * the buffer known to hold no separator. For `readline` (separators === LINE), the end
   * of the stream gives the partial line and a line over the limit a ValueError.
   */
  private _readuntil(separators: Uint8Array[], funcName: string, frame: Frame, offset: number): Buffer | Promise<Buffer> {
    const minSeplen = separators[0].length;
    const maxSeplen = separators[separators.length - 1].length;
    const buflen = this._buf.length;
    let matchStart = -1;
    let matchEnd = -1;
    if (buflen - offset >= minSeplen) {
      for (const sep of separators) {
        const isep = this._buf.indexOf(sep, offset);
        if (isep !== -1) {
          const end = isep + sep.length;
          if (matchEnd === -1 || end < matchEnd) {
            matchEnd = end;
            matchStart = isep;
          }
        }
      }
      if (matchEnd === -1) {
        offset = Math.max(0, buflen + 1 - maxSeplen);
        if (offset > this._limit) return this._overrun(separators, "Separator is not found, and chunk exceed the limit", offset);
      }
    }
    if (matchEnd === -1) {
      // A separator may arrive with the last chunk: look at the buffer before at EOF.
      if (this._eof) {
        const chunk = this._buf.take(this._buf.length);
        if (separators === LINE) return chunk;
        throw new IncompleteReadError(chunk, null);
      }
      const from = offset;
      return this._waitForDataThen(
        funcName,
        frame,
        () => {
          if (this._exception !== null) return this._raiseStored(separators);
          return this._readuntil(separators, funcName, frame, from);
        },
        separators === LINE ? this._lineError : undefined,
      );
    }
    if (matchStart > this._limit) return this._overrun(separators, "Separator is found, but chunk is longer than limit", matchStart);
    return this._take(matchEnd);
  }

  /** Throws the stored exception (for `readline`, through `_lineError`). */
  private _raiseStored(separators: Uint8Array[]): Buffer {
    if (separators === LINE) return this._lineError(this._exception);
    throw this._exception;
  }

  /**
   * What `readline` makes of an error of the search or the wait, as Python's readline
   * of what readuntil raised: an IncompleteReadError gives its partial line, a
   * LimitOverrunError becomes a ValueError; anything else (cancellation too) is thrown.
   */
  private readonly _lineError = (error: unknown): Buffer => {
    if (error instanceof IncompleteReadError) return error.partial as Buffer;
    if (error instanceof LimitOverrunError) return this._overrun(LINE, error.message, error.consumed);
    throw error;
  };

  /** Past the limit: LimitOverrunError, the data left in the buffer; `readline` drops the line (or the buffer) and throws ValueError. */
  private _overrun(separators: Uint8Array[], message: string, consumed: number): never {
    if (separators !== LINE) throw new LimitOverrunError(message, consumed);
    if (this._buf.startsWith(NEWLINE, consumed)) this._buf.drop(consumed + NEWLINE.length);
    else this._buf.clear();
    this._maybeResumeTransport();
    throw new ValueError(message);
  }

  /**
   * Reads up to `n` bytes (-1, the default: until EOF). Returns as soon as some bytes
   * are available; an empty Buffer at EOF (or for n = 0). asyncio-flavored.
   */
  read(n = -1): Promise<Buffer> {
    // Not an async function (see _waitForDataThen); every error still rejects.
    try {
      const frame = currentAioFrame("StreamReader.read()");
      if (typeof n !== "number" || !Number.isInteger(n)) throw new TypeError("n must be an integer");
      if (this._exception !== null) throw this._exception;
      if (n === 0) return Promise.resolve(Buffer.alloc(0));
      if (n < 0) return this._readToEof();
      if (this._buf.length === 0 && !this._eof) {
        return this._waitForDataThen("read", frame, () => {
          if (this._exception !== null && this._buf.length === 0) throw this._exception;
          return this._take(n);
        });
      }
      return Promise.resolve(this._take(n));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** `read(-1)`: blocks of the limit until EOF (one big wait would deadlock past the limit). */
  private async _readToEof(): Promise<Buffer> {
    const blocks: Buffer[] = [];
    for (;;) {
      const block = await this.read(this._limit);
      if (block.length === 0) break;
      blocks.push(block);
    }
    return Buffer.concat(blocks);
  }

  /**
   * Reads exactly `n` bytes; at EOF before that, throws IncompleteReadError with the
   * partial data (the buffer is emptied). asyncio-flavored.
   */
  readexactly(n: number): Promise<Buffer> {
    try {
      const frame = currentAioFrame("StreamReader.readexactly()");
      if (typeof n !== "number" || !Number.isInteger(n)) throw new TypeError("n must be an integer");
      if (n < 0) throw new ValueError("readexactly size can not be less than zero");
      if (this._exception !== null) throw this._exception;
      if (n === 0) return Promise.resolve(Buffer.alloc(0));
      return Promise.resolve(this._readexactly(n, frame));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The rest of `readexactly` from a look at the buffer: the bytes, or a promise of them. */
  private _readexactly(n: number, frame: Frame): Buffer | Promise<Buffer> {
    if (this._buf.length >= n) return this._take(n);
    if (this._eof) throw new IncompleteReadError(this._buf.take(this._buf.length), n);
    return this._waitForDataThen("readexactly", frame, () => {
      if (this._exception !== null) throw this._exception;
      return this._readexactly(n, frame);
    });
  }

  private _take(n: number): Buffer {
    const data = this._buf.take(n);
    this._maybeResumeTransport();
    return data;
  }

  /** `for await (const line of reader)`: the lines until EOF. Each step is asyncio-flavored. */
  [Symbol.asyncIterator](): AsyncIterableIterator<Buffer> {
    const iterator: AsyncIterableIterator<Buffer> = {
      next: async (): Promise<IteratorResult<Buffer>> => {
        const line = await this.readline();
        return line.length === 0 ? { done: true, value: undefined } : { done: false, value: line };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** `<StreamReader 4 bytes eof limit=... waiter=... exception=... transport=... paused>`. */
  toString(): string {
    const info = ["StreamReader"];
    if (this._buf.length > 0) info.push(`${this._buf.length} bytes`);
    if (this._eof) info.push("eof");
    if (this._limit !== DEFAULT_LIMIT) info.push(`limit=${this._limit}`);
    if (this._waiter !== null) info.push(`waiter=${String(this._waiter)}`);
    if (this._exception !== null) info.push(`exception=${reprError(this._exception)}`);
    if (this._transport !== null) info.push(`transport=${String(this._transport)}`);
    if (this._paused) info.push("paused");
    return `<${info.join(" ")}>`;
  }
}
