/**
 * Trio's async file objects (`trio.open_file`, `trio.wrap_file`, `AsyncIOWrapper`) on
 * `node:fs/promises`. Trio runs each file method in a worker thread; here each one is a
 * Node async call that the calling task waits for as a Trio wait, so every method is a
 * checkpoint and nothing blocks the engine.
 *
 * Cancellation (Trio's rule for threads, applied per operation):
 * - an operation that only reads (a positional read of a regular file, `stat`, opening
 *   for reading) is abandoned: the caller gets `trio.Cancelled` at once, the Node call
 *   (which cannot be aborted) finishes in the background and its result is dropped,
 *   so the file object is left exactly as before the call (a handle opened by an
 *   abandoned open is closed when it arrives);
 * - an operation that changes something (a write, truncate, close, opening in a mode
 *   that creates or truncates, a sequential read of a pipe or a stream, which consumes
 *   its data) is never abandoned: it runs to completion and returns its result, and the
 *   cancellation is delivered at the caller's next checkpoint, as with
 *   `trio.toThread.runSync` without `abandonOnCancel`. As in Trio, a read of a pipe
 *   (FIFO) that never gets data therefore cannot be cancelled (and here it also holds
 *   one of libuv's threads): read pipes through a Node stream given to `wrapFile`,
 *   whose reads only wait for data and are abandoned on cancel.
 * A cancellation that is already pending when a method is called raises before anything
 * is done.
 * @packageDocumentation
 */
import { fstatSync } from "node:fs";
import * as fsp from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { Readable, Writable } from "node:stream";
import { isatty } from "node:tty";
import { ValueError } from "../errors/builtins.js";
import { typeName } from "../errors/describe.js";
import { toOSError } from "../errors/os-errors.js";
import type { AsyncContextManager } from "../loop/async-context-manager.js";
import { currentTrioTask } from "../loop/current.js";
import type { Task } from "../loop/task.js";
import { cancelShieldedCheckpoint, checkpointIfCancelled } from "../loop/traps.js";
import {
  fspath,
  IsADirectoryError,
  parseMode,
  TextCodec,
  UnsupportedOperation,
  type OpenMode,
  type PathArg,
  type TextOptions,
} from "./file-modes.js";
import type { AsyncResource } from "./stream-abc.js";
import { StrictFIFOLock } from "./sync/lock.js";

export {
  FileExistsError,
  FileNotFoundError,
  IsADirectoryError,
  NotADirectoryError,
  OSError,
  PermissionError,
  UnicodeDecodeError,
  UnicodeEncodeError,
  UnsupportedOperation,
  type FsPathLike,
  type PathArg,
  type TextOptions,
} from "./file-modes.js";
import { CHUNK, EMPTY, fsCall, HandleBackend, isSeekable, LF, noop, StreamBackend, type Backend } from "./file-backends.js";

// ------------------------------------------------------------------ AsyncFile

const CREATE: unique symbol = Symbol("AsyncFile.create");

/** A mode string with "b": the file reads and writes bytes (`Uint8Array`). */
export type BinaryMode = `${string}b${string}`;
/** The usual text mode strings: the file reads and writes strings. */
export type TextMode = `${"r" | "w" | "a" | "x"}${"" | "+" | "t" | "t+" | "+t"}`;
/** What `write` accepts: a string for a text file; a Uint8Array, another ArrayBufferView or an ArrayBuffer for a binary file. */
export type FileData<T> = T extends string ? string : Uint8Array | ArrayBufferView | ArrayBuffer;

function checkInteger(value: unknown, what: string, optional: boolean): number | null {
  if (optional && value == null) return null;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new TypeError(`${what} must be an integer${optional ? " or null" : ""}, not ${typeName(value)}`);
  }
  return value;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function concatAll(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

type Need = "read" | "write" | "seek" | "truncate" | null;

/**
 * An async file object (Trio's `AsyncIOWrapper`, as returned by `trio.openFile`,
 * `trio.wrapFile` and `trio.Path.open`): Python's file methods, each an async
 * Trio-flavored checkpoint, over a Node `FileHandle` or stream. `T` is `string` for a
 * text file and `Uint8Array` for a binary one.
 *
 * Reads are buffered (read-ahead is kept for the next call); writes are not: `write`
 * returns when the data has been handed to the OS (or to the stream), so `flush` has
 * nothing to do but check. In text mode, sizes and counts are in characters (code
 * points, as in Python) and `tell()` returns a byte offset that `seek` accepts. The
 * methods of one file may be called from several tasks: they take turns (first come,
 * first served). Using a closed file raises ValueError ("I/O operation on closed
 * file."); an operation the mode does not allow raises `UnsupportedOperation`;
 * failures of the OS raise `OSError` subclasses (see `trio.OSError`).
 *
 * Close it with `aclose()` (or `await using`, or `asyncWith`); iterate its lines with
 * `for await`. Construct with `trio.openFile` / `trio.wrapFile`. Async methods are
 * Trio-flavored (they wait on the engine); the properties and the sync methods are
 * either flavor.
 */
export class AsyncFile<T extends string | Uint8Array = string | Uint8Array>
  implements AsyncResource, AsyncContextManager<AsyncFile<T>>, AsyncIterable<T>
{
  /** Python's `os.SEEK_SET`: `seek` from the start. */
  static readonly SEEK_SET = 0;
  /** Python's `os.SEEK_CUR`: `seek` from the current position. */
  static readonly SEEK_CUR = 1;
  /** Python's `os.SEEK_END`: `seek` from the end. */
  static readonly SEEK_END = 2;

  private readonly _backend: Backend;
  private readonly _mode: OpenMode;
  private readonly _text: TextCodec | null;
  private readonly _name: string | number;
  private readonly _lock = new StrictFIFOLock();
  private _closed = false;
  /** The position of the next byte the caller reads or writes; null: the end of the file, not yet known (append mode). */
  private _pos: number | null;
  /** Bytes read ahead from `_pos` on. */
  private _rbuf: Uint8Array = EMPTY;

  /** @internal Use `trio.openFile` or `trio.wrapFile`. */
  constructor(token: typeof CREATE, backend: Backend, mode: OpenMode, name: string | number) {
    if (token !== CREATE) throw new TypeError("AsyncFile cannot be constructed directly: use trio.openFile() or trio.wrapFile()");
    this._backend = backend;
    this._mode = mode;
    this._text = mode.text;
    this._name = name;
    this._pos = mode.append && backend.seekable ? null : 0;
  }

  /** The wrapped FileHandle or Node stream (Trio's `wrapped`). Sync, either flavor. */
  get wrapped(): FileHandle | Readable | Writable {
    return this._backend.target;
  }

  /** The path it was opened with, or the name given to / found by `wrapFile` (an fd for a bare FileHandle). Sync, either flavor. */
  get name(): string | number {
    return this._name;
  }

  /** The mode, as Python shows it: a text mode as given ("r", "w+"), a binary one normalized ("rb", "rb+"). Sync, either flavor. */
  get mode(): string {
    return this._mode.display;
  }

  /** The text encoding, or undefined for a binary file. Sync, either flavor. */
  get encoding(): string | undefined {
    return this._text?.encoding;
  }

  /** The text error handler ("strict" or "replace"), or undefined for a binary file. Sync, either flavor. */
  get errors(): string | undefined {
    return this._text?.errors;
  }

  /** Whether the file is closed (by `aclose`, or its FileHandle was closed directly). Sync, either flavor. */
  get closed(): boolean {
    return this._closed || this._backend.isClosed();
  }

  /** Whether it can be read. Throws ValueError if closed. Sync, either flavor. */
  readable(): boolean {
    this._checkOpen();
    return this._mode.readable && this._backend.canRead;
  }

  /** Whether it can be written. Throws ValueError if closed. Sync, either flavor. */
  writable(): boolean {
    this._checkOpen();
    return this._mode.writable && this._backend.canWrite;
  }

  /** Whether `seek`, `tell` and `truncate` work (a regular file; not a pipe, a terminal or a stream). Throws ValueError if closed. Sync, either flavor. */
  seekable(): boolean {
    this._checkOpen();
    return this._backend.seekable;
  }

  /** The OS file descriptor. Throws UnsupportedOperation for a stream without one, ValueError if closed. Sync, either flavor. */
  fileno(): number {
    this._checkOpen();
    const fd = this._backend.fd();
    if (fd === undefined) throw new UnsupportedOperation("fileno");
    return fd;
  }

  /** Whether it is a terminal. Throws ValueError if closed. Sync, either flavor. */
  isatty(): boolean {
    this._checkOpen();
    const fd = this._backend.fd();
    return fd !== undefined && isatty(fd);
  }

  /**
   * Reads and returns up to `size` characters (text) or bytes (binary), or everything up
   * to the end if `size` is omitted, null or negative. Fewer only at the end of the file;
   * "" or an empty Uint8Array at the end. Trio-flavored; a checkpoint.
   */
  async read(size?: number | null): Promise<T> {
    const what = "AsyncFile.read()";
    const task = currentTrioTask(what);
    const n = checkInteger(size, "read() size", true) ?? -1;
    return this._op("read", async () => {
      const text = this._text;
      if (n < 0) {
        await this._fillAll(task, what);
        return this._take(this._rbuf.length);
      }
      if (text === null) {
        while (this._rbuf.length < n) if ((await this._fill(task, what, n - this._rbuf.length)) === 0) break;
        return this._take(Math.min(n, this._rbuf.length));
      }
      for (let atEof = false; ; ) {
        const span = text.charSpan(this._rbuf, n, atEof);
        if (span >= 0) return this._take(span);
        if ((await this._fill(task, what, this._rbuf.length)) === 0) atEof = true;
      }
    });
  }

  /**
   * Reads one line, with its line ending (`"\n"` in text mode with universal newlines);
   * "" (or empty bytes) at the end of the file. `size` limits the characters or bytes
   * returned. Trio-flavored; a checkpoint.
   */
  async readline(size?: number | null): Promise<T> {
    const what = "AsyncFile.readline()";
    const task = currentTrioTask(what);
    const limit = checkInteger(size, "readline() size", true) ?? -1;
    return this._op("read", () => this._readline(task, what, limit));
  }

  /**
   * Reads the remaining lines into an array; with a positive `hint`, stops once the lines read
   * hold `hint` characters or bytes. Trio-flavored; a checkpoint.
   */
  async readlines(hint?: number | null): Promise<T[]> {
    const what = "AsyncFile.readlines()";
    const task = currentTrioTask(what);
    const max = checkInteger(hint, "readlines() hint", true) ?? -1;
    return this._op("read", async () => {
      const lines: T[] = [];
      for (let total = 0; max <= 0 || total < max; ) {
        const line = await this._readline(task, what, -1);
        if (line.length === 0) break;
        lines.push(line);
        total += line.length;
      }
      return lines;
    });
  }

  /**
   * Writes `data` (a string to a text file, bytes to a binary one) at the current
   * position (at the end in an append mode) and returns the number of characters or
   * bytes written, all of them. Never abandoned on cancel: see the module's notes.
   * Trio-flavored; a checkpoint.
   */
  async write(data: FileData<T>): Promise<number> {
    const what = "AsyncFile.write()";
    const task = currentTrioTask(what);
    const [bytes, count] = this._encode(data);
    return this._op("write", async () => {
      await this._write(task, what, bytes);
      return count;
    });
  }

  /** Writes each item of `lines` in turn, as one write (no separators are added). Trio-flavored; a checkpoint. */
  async writelines(lines: Iterable<FileData<T>>): Promise<void> {
    const what = "AsyncFile.writelines()";
    const task = currentTrioTask(what);
    if (typeof lines !== "object" || lines === null || typeof (lines as Partial<Iterable<unknown>>)[Symbol.iterator] !== "function") {
      throw new TypeError(`writelines() needs an iterable of ${this._text === null ? "bytes" : "strings"}, not ${typeName(lines)}`);
    }
    const parts: Uint8Array[] = [];
    for (const line of lines) parts.push(this._encode(line)[0]);
    const bytes = parts.length === 1 ? parts[0] : concatAll(parts);
    await this._op("write", () => this._write(task, what, bytes));
  }

  /**
   * Moves the position to `offset` from the start (`whence` 0), the current position
   * (1) or the end (2), and returns the new position. In text mode, as in Python, only
   * `seek(tell())`, `seek(0)`, `seek(0, 1)` and `seek(0, 2)` are meaningful.
   * UnsupportedOperation if not seekable. Trio-flavored; a checkpoint.
   */
  async seek(offset: number, whence: 0 | 1 | 2 = 0): Promise<number> {
    const what = "AsyncFile.seek()";
    const task = currentTrioTask(what);
    checkInteger(offset, "seek() offset", false);
    if (whence !== 0 && whence !== 1 && whence !== 2) throw new ValueError(`invalid whence (${String(whence)}, should be 0, 1 or 2)`);
    if (this._text !== null && whence !== 0 && offset !== 0) {
      throw new UnsupportedOperation(`can't do nonzero ${whence === 1 ? "cur" : "end"}-relative seeks`);
    }
    return this._op("seek", async () => {
      let base = 0;
      if (whence === 1) base = await this._position(task, what);
      else if (whence === 2) base = await this._backend.size(task, what);
      const target = base + offset;
      if (target < 0) throw new ValueError(`negative seek position ${target}`);
      const pos = this._pos;
      if (pos !== null && target >= pos && target <= pos + this._rbuf.length) this._rbuf = this._rbuf.subarray(target - pos);
      else this._rbuf = EMPTY;
      this._pos = target;
      return target;
    });
  }

  /** The current position (a byte offset, also in text mode). UnsupportedOperation if not seekable. Trio-flavored; a checkpoint. */
  async tell(): Promise<number> {
    const what = "AsyncFile.tell()";
    const task = currentTrioTask(what);
    return this._op("seek", () => this._position(task, what));
  }

  /**
   * Resizes the file to `size` bytes (default: the current position) and returns the new
   * size; the position does not move. Never abandoned on cancel. Trio-flavored; a checkpoint.
   */
  async truncate(size?: number | null): Promise<number> {
    const what = "AsyncFile.truncate()";
    const task = currentTrioTask(what);
    const wanted = checkInteger(size, "truncate() size", true);
    return this._op("truncate", async () => {
      const n = wanted ?? (await this._position(task, what));
      if (n < 0) throw new ValueError(`negative size value ${n}`);
      await this._backend.truncate(task, n, what);
      this._rbuf = EMPTY;
      return n;
    });
  }

  /** Python's `flush`: writes are not buffered here, so it only checks that the file is open. Trio-flavored; a checkpoint. */
  async flush(): Promise<void> {
    currentTrioTask("AsyncFile.flush()");
    await this._op(null, async () => undefined);
  }

  /**
   * Closes the file (and its FileHandle or stream). As in Trio, the close itself is
   * shielded from cancellation: the file is closed even if the caller is cancelled, and
   * the Cancelled is raised afterwards. A stream is ended gracefully (its buffered data
   * flushed) unless the caller is cancelled meanwhile, which destroys it at once.
   * Closing a closed file does nothing. Trio-flavored; a checkpoint.
   */
  async aclose(): Promise<void> {
    const what = "AsyncFile.aclose()";
    const task = currentTrioTask(what);
    if (this._closed) {
      await cancelShieldedCheckpoint();
    } else {
      this._closed = true;
      this._rbuf = EMPTY;
      try {
        await this._backend.close(task, what);
      } catch (error) {
        throw toOSError(error);
      }
    }
    await checkpointIfCancelled();
  }

  /** `await using file = await trio.openFile(...)`: closes it. Trio-flavored. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.aclose();
  }

  /** `asyncWith(file, ...)` entry: returns the file itself (no checkpoint). Trio-flavored. */
  async aenter(): Promise<AsyncFile<T>> {
    currentTrioTask("AsyncFile.aenter()");
    return this;
  }

  /** `asyncWith(file, ...)` exit: closes the file; never swallows the body's error. Trio-flavored. */
  async aexit(): Promise<boolean> {
    await this.aclose();
    return false;
  }

  /** `for await (const line of file)`: each step is a `readline()`, ending at the end of the file (which stays open). Trio-flavored. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: async (): Promise<IteratorResult<T>> => {
        const line = await this.readline();
        return line.length === 0 ? { done: true, value: undefined } : { done: false, value: line };
      },
    };
  }

  /** A short description for debugging. Sync, either flavor. */
  toString(): string {
    return `<trio.AsyncFile name=${JSON.stringify(this._name)} mode='${this.mode}'${this.closed ? " closed" : ""}>`;
  }

  // ---------------------------------------------------------------- internals

  private _checkOpen(): void {
    if (this.closed) throw new ValueError("I/O operation on closed file.");
  }

  /** Runs one operation: in turn with the file's other operations, after a checkpoint, with the mode's checks. */
  private async _op<R>(need: Need, body: () => Promise<R>): Promise<R> {
    await this._lock.acquire();
    try {
      this._checkOpen();
      const b = this._backend;
      if (need === "read" && !(this._mode.readable && b.canRead)) throw new UnsupportedOperation("not readable");
      if (need === "write" && !(this._mode.writable && b.canWrite)) throw new UnsupportedOperation("not writable");
      if (need === "truncate" && !this._mode.writable) throw new UnsupportedOperation("File not open for writing");
      if ((need === "seek" || need === "truncate") && !b.seekable) throw new UnsupportedOperation("File or stream is not seekable.");
      return await body();
    } catch (error) {
      throw toOSError(error);
    } finally {
      this._lock.release();
    }
  }

  private _encode(data: unknown): [Uint8Array, number] {
    const text = this._text;
    if (text !== null) {
      if (typeof data !== "string") throw new TypeError(`write() argument must be str, not ${typeName(data)}`);
      return [text.encode(data), TextCodec.length(data)];
    }
    if (typeof data === "string") throw new TypeError("a bytes-like object is required, not 'str' (this file is binary: open it in a text mode to write strings)");
    if (ArrayBuffer.isView(data)) return [new Uint8Array(data.buffer, data.byteOffset, data.byteLength), data.byteLength];
    if (data instanceof ArrayBuffer) return [new Uint8Array(data), data.byteLength];
    throw new TypeError(`a bytes-like object is required, not ${typeName(data)}`);
  }

  private async _position(task: Task, what: string): Promise<number> {
    if (this._pos === null) this._pos = await this._backend.size(task, what);
    return this._pos;
  }

  /** Reads more into the read-ahead buffer (asking for `want` bytes, at least CHUNK); returns how many arrived, 0 at the end. */
  private async _fill(task: Task, what: string, want: number): Promise<number> {
    const b = this._backend;
    const position = b.seekable ? (await this._position(task, what)) + this._rbuf.length : null;
    const chunk = await b.read(task, Math.max(want, CHUNK), position, what);
    if (this._closed) throw new ValueError("I/O operation on closed file.");
    this._rbuf = concat(this._rbuf, chunk);
    return chunk.length;
  }

  private async _fillAll(task: Task, what: string): Promise<void> {
    const b = this._backend;
    if (b.seekable) {
      const missing = (await b.size(task, what)) - (await this._position(task, what)) - this._rbuf.length;
      if (missing > 0) await this._fill(task, what, missing);
    }
    while ((await this._fill(task, what, CHUNK)) > 0);
  }

  /** Consumes `n` bytes of the read-ahead buffer as the result (decoded first, so that a decoding error consumes nothing). */
  private _take(n: number): T {
    const bytes = this._rbuf.subarray(0, n);
    const value = this._text === null ? bytes.slice() : this._text.decode(bytes);
    this._rbuf = this._rbuf.subarray(n);
    if (this._pos !== null) this._pos += n;
    return value as T;
  }

  private async _readline(task: Task, what: string, limit: number): Promise<T> {
    const text = this._text;
    for (let from = 0, atEof = false; ; ) {
      const buf = this._rbuf;
      let end = text === null ? (buf.indexOf(LF, from) + 1 || -1) : text.lineEnd(buf, from, atEof);
      if (limit >= 0) {
        const span = text === null ? (buf.length >= limit || atEof ? Math.min(limit, buf.length) : -1) : text.charSpan(buf, limit, atEof);
        if (span >= 0 && (end < 0 || span < end)) end = span;
      }
      if (end < 0 && atEof) end = buf.length;
      if (end >= 0) return this._take(end);
      from = Math.max(0, buf.length - 1); // rescans a final "\r" that may start a "\r\n"
      // Asking for as much as is buffered keeps a very long line linear to read.
      if ((await this._fill(task, what, buf.length)) === 0) atEof = true;
    }
  }

  private async _write(task: Task, what: string, bytes: Uint8Array): Promise<void> {
    const b = this._backend;
    if (!b.seekable) {
      // A pipe or a stream: reads and writes are separate channels.
      await b.write(task, bytes, null, what);
    } else if (this._mode.append) {
      await b.write(task, bytes, null, what);
      this._rbuf = EMPTY;
      this._pos = null;
    } else {
      const pos = await this._position(task, what);
      await b.write(task, bytes, pos, what);
      this._rbuf = EMPTY;
      this._pos = pos + bytes.length;
    }
  }
}

// ------------------------------------------------------------------ openFile, wrapFile

/**
 * Opens a file and returns an async file object (Trio's `trio.open_file`, Python's
 * `open()`): `await using f = await trio.openFile(path, "w")`. `file` is a path string,
 * a `file:` URL or a `trio.Path`. `mode` is Python's: "r" (default), "w" (create or
 * truncate), "a" (append), "x" (create, FileExistsError if it exists), each with "+" to
 * both read and write, and "b" for bytes (Uint8Array) instead of text (string). A bad
 * mode raises ValueError (TypeError if not a string), as Python's open() does; text
 * options (`encoding`, `errors`, `newline`) as Python's, see `TextOptions`; a directory
 * raises IsADirectoryError; a missing file FileNotFoundError (Node's `code` "ENOENT"
 * kept, see `trio.OSError`). Opening for reading ("r", "r+") is abandoned on cancel,
 * opening that creates or truncates is not. Trio-flavored; a checkpoint.
 */
export function openFile(file: PathArg, mode: BinaryMode, options?: TextOptions): Promise<AsyncFile<Uint8Array>>;
export function openFile(file: PathArg, mode?: TextMode, options?: TextOptions): Promise<AsyncFile<string>>;
export function openFile(file: PathArg, mode: string, options?: TextOptions): Promise<AsyncFile>;
export async function openFile(file: PathArg, mode: string = "r", options: TextOptions = {}): Promise<AsyncFile> {
  const what = "trio.openFile()";
  currentTrioTask(what);
  const path = fspath(file, what);
  const parsed = parseMode(mode, options, what);
  const opening = async (): Promise<{ fh: FileHandle; seekable: boolean }> => {
    const fh = await fsp.open(path, parsed.flags, 0o666);
    try {
      const stats = await fh.stat();
      if (stats.isDirectory()) {
        throw new IsADirectoryError(`EISDIR: illegal operation on a directory, open '${path}'`, { code: "EISDIR", syscall: "open", path });
      }
      return { fh, seekable: isSeekable(stats, fh.fd) };
    } catch (error) {
      await fh.close().catch(noop);
      throw error;
    }
  };
  const opened = await fsCall(what, !parsed.changesFiles, opening, { onDropped: ({ fh }) => void fh.close().catch(noop) });
  return new AsyncFile(CREATE, new HandleBackend(opened.fh, opened.seekable), parsed, path);
}

/** Options of `trio.wrapFile`. */
export interface WrapFileOptions extends TextOptions {
  /**
   * How the file is used, as a Python mode string: "b" or not for bytes or text, "r" /
   * "w" / "a" / "+" for the directions allowed ("a": writes go to the end). Nothing is
   * created or truncated: the target is already open. Default: "rb+" for a FileHandle or
   * a Duplex, "rb" for a Readable, "wb" for a Writable.
   */
  mode?: string;
  /** The `name` the file reports (default: a stream's `path`, else the fd, else `"<stream>"`). */
  name?: string | number;
}

function isFileHandle(value: object): value is FileHandle {
  const v = value as Record<string, unknown>;
  return typeof v.fd === "number" && ["read", "write", "stat", "truncate", "close"].every((m) => typeof v[m] === "function");
}

/**
 * Wraps something already open in an async file object (Trio's `trio.wrap_file`). It
 * accepts:
 * - a `fs.promises.FileHandle` (any object with a numeric `fd` and FileHandle's `read`,
 *   `write`, `stat`, `truncate` and `close`): the wrapper does positional I/O from
 *   offset 0 (from the end in an append mode), whatever the handle's own file position;
 *   one `fstat` tells whether it is seekable (a regular file) or sequential (a pipe);
 * - a Node stream: a `stream.Readable` (read side), `stream.Writable` (write side) or
 *   `stream.Duplex` (both), such as a socket or `process.stdin`; not seekable; the
 *   stream must be in byte mode (no `objectMode`, no `setEncoding`), and the wrapper
 *   must be its only reader.
 * Anything else raises TypeError; a closed handle or destroyed stream ValueError.
 * Closing the wrapper closes (ends, then destroys) what it wraps. Sync, either flavor
 * (the returned file's async methods are Trio-flavored).
 */
export function wrapFile(target: FileHandle | Readable | Writable, options?: WrapFileOptions & { mode?: BinaryMode }): AsyncFile<Uint8Array>;
export function wrapFile(target: FileHandle | Readable | Writable, options: WrapFileOptions & { mode: TextMode }): AsyncFile<string>;
export function wrapFile(target: FileHandle | Readable | Writable, options: WrapFileOptions): AsyncFile;
export function wrapFile(target: FileHandle | Readable | Writable, options: WrapFileOptions = {}): AsyncFile {
  const what = "trio.wrapFile()";
  if (typeof options !== "object" || options === null) throw new TypeError(`${what}: options must be an object such as { mode: "r" }`);
  const isStream = target instanceof Readable || target instanceof Writable;
  if (!isStream && (typeof target !== "object" || target === null || !isFileHandle(target))) {
    throw new TypeError(
      `${what} needs a fs.promises.FileHandle or a Node stream (stream.Readable, stream.Writable or stream.Duplex), not ${typeName(target)}`,
    );
  }
  let backend: Backend;
  let defaultMode: string;
  let defaultName: string | number;
  if (isStream) {
    const s = target as Readable & Writable;
    if (s.destroyed) throw new ValueError("I/O operation on closed file.");
    if (s.readableObjectMode === true || s.writableObjectMode === true) {
      throw new TypeError(`${what}: an objectMode stream carries values, not bytes`);
    }
    if (target instanceof Readable && s.readableEncoding !== null) {
      throw new TypeError(`${what}: the stream has an encoding set (setEncoding()): wrap it without one and give the encoding to wrapFile`);
    }
    const sb = new StreamBackend(target);
    backend = sb;
    defaultMode = sb.canRead && sb.canWrite ? "rb+" : sb.canRead ? "rb" : "wb";
    const path = (target as { path?: unknown }).path;
    defaultName = typeof path === "string" ? path : (sb.fd() ?? "<stream>");
  } else {
    const fh = target;
    if (fh.fd === -1) throw new ValueError("I/O operation on closed file.");
    let seekable: boolean;
    try {
      seekable = isSeekable(fstatSync(fh.fd), fh.fd);
    } catch (error) {
      throw toOSError(error);
    }
    backend = new HandleBackend(fh, seekable);
    defaultMode = "rb+";
    defaultName = fh.fd;
  }
  const { mode = defaultMode, name = defaultName, ...textOptions } = options;
  const parsed = parseMode(mode, textOptions, what);
  if (parsed.readable && !backend.canRead) throw new ValueError(`${what}: mode '${mode}' reads, but the stream is not readable`);
  if (parsed.writable && !backend.canWrite) throw new ValueError(`${what}: mode '${mode}' writes, but the stream is not writable`);
  if (typeof name !== "string" && typeof name !== "number") throw new TypeError(`${what}: name must be a string or a number`);
  return new AsyncFile(CREATE, backend, parsed, name);
}
