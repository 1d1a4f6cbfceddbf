/**
 * Trio byte streams over Node streams: a `ReceiveStream` over a Readable and a
 * `SendStream` over a Writable (sockets, TLS sockets, process pipes). A receiver takes
 * only what has arrived (so a cancelled receive loses nothing) and pauses its Readable
 * when too much waits; a sender returns once Node's buffer is empty.
 */
import type { Readable, Writable } from "node:stream";
import { currentTrioTask } from "../loop/current.js";
import { needsCallbackPerWrite, writeReportingFlush } from "../loop/node-write.js";
import { BrokenResourceError, BusyResourceError, ClosedResourceError } from "../loop/errors.js";
import { Abort, type Task } from "../loop/task.js";
import { cancelPoint, cancelShieldedCheckpoint, checkpoint, checkpointIfCancelled, schedulePoint } from "../loop/traps.js";
import { checkMaxBytes, receiveChunks, type ReceiveStream, type SendStream } from "./stream-abc.js";

const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();

/** @internal One task parked until a Node event (or a close) wakes it. */
export class EventWaiter {
  private task: Task | null = null;
  private onAbort: (() => void) | null = null;

  /** Parks the current task until `wake`; a cancel runs `onAbort` and raises Cancelled. */
  wait(task: Task, what: string, onAbort: (() => void) | null = null): Promise<unknown> {
    this.task = task;
    this.onAbort = onAbort;
    return task.runner._park(task, this.abort, what);
  }

  private readonly abort = (): Abort => {
    this.task = null;
    const onAbort = this.onAbort;
    this.onAbort = null;
    onAbort?.();
    return Abort.SUCCEEDED;
  };

  /** Wakes the parked task, if any (with `error` thrown from its wait). Safe from Node callbacks. */
  wake(error?: unknown): void {
    const task = this.task;
    if (task === null) return;
    this.task = null;
    this.onAbort = null;
    if (task.runner._finished) return;
    if (error === undefined) task.runner._reschedule(task);
    else task.runner._rescheduleError(task, error);
  }
}

/** @internal Bytes from what `sendAll` accepts: a Uint8Array as is, a string as UTF-8. */
export function toBytes(data: Uint8Array | string, call: string): Uint8Array {
  if (typeof data === "string") return encoder.encode(data);
  if (data instanceof Uint8Array) return data;
  throw new TypeError(`${call} needs bytes (a Uint8Array or Buffer) or a string, got ${data === null ? "null" : typeof data}`);
}

/** Bytes a NodeReceiveStream queues before it pauses its Readable (Node then stops reading). */
const MAX_QUEUED = 256 * 1024;

/**
 * A Trio `ReceiveStream` over a Node Readable. The Readable flows: its chunks queue here
 * (up to MAX_QUEUED bytes, then it is paused, so the peer slows down) until
 * `receiveSome` takes them. Flowing rather than paused mode, because Node then keeps
 * reading without a start/stop round per read, and a chunk goes out as it came in, with
 * no copy. Trio-flavored methods; construct it from sync code.
 */
export class NodeReceiveStream implements ReceiveStream {
  private receiving = false;
  private closed = false;
  private ended = false;
  private error: unknown = null;
  private readonly waiter = new EventWaiter();
  private readonly chunks: Uint8Array[] = [];
  private queued = 0;
  private paused = false;

  constructor(
    /** The Node stream read from. */
    readonly readable: Readable,
  ) {
    readable.on("data", this.onData);
    readable.on("end", this.onEnd);
    readable.on("error", this.onError);
    readable.on("close", this.onClose);
    // A Readable paused before (by its maker, or by an earlier reader) flows only when told.
    readable.resume();
  }

  private readonly onData = (chunk: Uint8Array | string): void => {
    if (this.closed) return;
    const bytes = typeof chunk === "string" ? encoder.encode(chunk) : chunk;
    this.chunks.push(bytes);
    this.queued += bytes.length;
    if (this.queued > MAX_QUEUED && !this.paused) {
      this.paused = true;
      this.readable.pause();
    }
    this.waiter.wake();
  };
  private readonly onEnd = (): void => {
    this.ended = true;
    this.waiter.wake();
  };
  private readonly onError = (error: unknown): void => {
    this.error ??= error;
    this.waiter.wake();
  };
  private readonly onClose = (): void => {
    // Closed without an end (destroyed): nothing more will come after what is queued.
    if (!this.ended && this.error === null) this.ended = true;
    this.waiter.wake();
  };

  /** See `trio.abc.ReceiveStream.receiveSome`. Trio-flavored. */
  async receiveSome(maxBytes?: number): Promise<Uint8Array> {
    const max = checkMaxBytes(maxBytes);
    const task = currentTrioTask("receiveSome()");
    if (this.closed) throw new ClosedResourceError("this stream was closed");
    if (this.receiving) throw new BusyResourceError("another task is already receiving on this stream");
    this.receiving = true;
    try {
      // The checkpoints are awaited only when they wait: a hot path (see `schedulePoint`).
      const cancelled = cancelPoint(task);
      if (cancelled !== null) await cancelled;
      for (;;) {
        if (this.closed) throw new ClosedResourceError("this stream was closed while receiving");
        let chunk = this.take(max);
        if (chunk === null) {
          if (this.error !== null) throw new BrokenResourceError("the stream broke", { cause: this.error });
          if (!this.ended) {
            await this.waiter.wait(task, "receiveSome()");
            continue;
          }
          chunk = EMPTY;
        }
        const point = schedulePoint(task);
        if (point !== null) await point;
        return chunk;
      }
    } finally {
      this.receiving = false;
    }
  }

  /** Up to `maxBytes` of the queued bytes (null if none): one whole chunk without a copy when it fits. */
  private take(maxBytes: number): Uint8Array | null {
    const chunks = this.chunks;
    if (chunks.length === 0) return null;
    const first = chunks[0];
    let out: Uint8Array;
    if (first.length >= maxBytes || chunks.length === 1) {
      if (first.length > maxBytes) {
        out = first.subarray(0, maxBytes);
        chunks[0] = first.subarray(maxBytes);
      } else {
        out = first;
        chunks.shift();
      }
    } else {
      // Several chunks queued: as much as fits, in one piece.
      const size = Math.min(maxBytes, this.queued);
      out = Buffer.allocUnsafe(size);
      let filled = 0;
      while (filled < size) {
        const chunk = chunks[0];
        const n = Math.min(chunk.length, size - filled);
        out.set(n === chunk.length ? chunk : chunk.subarray(0, n), filled);
        filled += n;
        if (n === chunk.length) chunks.shift();
        else chunks[0] = chunk.subarray(n);
      }
    }
    this.queued -= out.length;
    if (this.paused && this.queued <= MAX_QUEUED >>> 1 && !this.closed) {
      this.paused = false;
      this.readable.resume();
    }
    return out;
  }

  /** Closes the stream: the Readable is destroyed; a task receiving gets ClosedResourceError. Trio-flavored. */
  async aclose(): Promise<void> {
    this._closeNow();
    await checkpoint();
  }

  /**
   * @internal Closes without a checkpoint (a composite stream closing its halves, which
   * then closes the Node stream itself: `destroy` false).
   */
  _closeNow(destroy = true): void {
    if (this.closed) return;
    this.closed = true;
    this.chunks.length = 0;
    this.queued = 0;
    if (destroy) this.readable.destroy();
    this.waiter.wake(new ClosedResourceError("this stream was closed while receiving"));
  }

  /** `await using`: closes the stream. Trio-flavored. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.aclose();
  }

  /** Iterates the chunks until the end of the stream. Each step is Trio-flavored. */
  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    return receiveChunks(this);
  }
}

/**
 * A Trio `SendStream` over a Node Writable. `sendAll` returns once Node has handed every
 * byte to the OS (Node's buffer is empty), as Trio's returns once the kernel has them:
 * the caller may then reuse its buffer. Trio-flavored methods; construct it from sync
 * code.
 */
export class NodeSendStream implements SendStream {
  private sending = false;
  private closed = false;
  private eofSent = false;
  private broken: unknown = null;
  private readonly waiter = new EventWaiter();

  /** Whether each write carries `onWritten` (see loop/node-write.ts): all but plain sockets. */
  private readonly callbackPerWrite: boolean;

  constructor(
    /** The Node stream written to. */
    readonly writable: Writable,
  ) {
    this.callbackPerWrite = needsCallbackPerWrite(writable);
    writable.on("error", this.onError);
    writable.on("close", this.onClose);
  }

  /** A write finished: once Node holds nothing more, the waiting send (or wait) is done. */
  private readonly onWritten = (error?: Error | null): void => {
    if (!error && this.writable.writableLength === 0) this.waiter.wake();
  };
  private readonly onError = (error: unknown): void => {
    this.broken ??= error;
    this.waiter.wake(new BrokenResourceError("the stream broke", { cause: error }));
  };
  private readonly onClose = (): void => {
    if (!this.closed && this.broken === null && !this.eofSent) this.broken = new Error("the stream was closed by its other side");
    this.waiter.wake(new BrokenResourceError("the stream was closed", { cause: this.broken }));
  };

  private enter(call: string): void {
    if (this.closed) throw new ClosedResourceError("this stream was closed");
    if (this.sending) throw new BusyResourceError(`another task is already sending on this stream (${call})`);
  }

  /** See `trio.abc.SendStream.sendAll`. Trio-flavored. */
  async sendAll(data: Uint8Array | string): Promise<void> {
    const bytes = toBytes(data, "sendAll()");
    const task = currentTrioTask("sendAll()");
    this.enter("sendAll()");
    this.sending = true;
    try {
      const cancelled = cancelPoint(task);
      if (cancelled !== null) await cancelled;
      this.checkWritable();
      if (bytes.length > 0) {
        writeReportingFlush(this.writable, bytes, this.onWritten, this.callbackPerWrite);
        // Trio returns once the OS has every byte, so the caller may reuse its buffer: wait
        // while Node still holds some. Node has all of the data already, so a cancel here
        // loses nothing: it is still sent, in order, and the stream stays usable (as Trio's
        // SocketStream after a cancelled send).
        if (this.writable.writableLength > 0) await this.waiter.wait(task, "sendAll() (waiting for the OS to take the data)");
      }
      this.checkWritable();
      const point = schedulePoint(task);
      if (point !== null) await point;
    } finally {
      this.sending = false;
    }
  }

  private checkWritable(): void {
    if (this.closed) throw new ClosedResourceError("this stream was closed while sending");
    if (this.eofSent) throw new ClosedResourceError("cannot send after sendEof()");
    if (this.broken !== null) throw new BrokenResourceError("the stream is broken", { cause: this.broken });
  }

  /** See `trio.abc.SendStream.waitSendAllMightNotBlock`. Trio-flavored. */
  async waitSendAllMightNotBlock(): Promise<void> {
    const task = currentTrioTask("waitSendAllMightNotBlock()");
    this.enter("waitSendAllMightNotBlock()");
    this.sending = true;
    try {
      await checkpointIfCancelled();
      this.checkWritable();
      // sendAll blocks while Node holds bytes the OS has not taken.
      if (this.writable.writableLength > 0) await this.waiter.wait(task, "waitSendAllMightNotBlock()");
      await cancelShieldedCheckpoint();
    } finally {
      this.sending = false;
    }
  }

  /**
   * Ends the Node stream (its buffered data is flushed first): the other side sees the
   * end of the stream. Later sends throw ClosedResourceError. Trio-flavored.
   */
  async sendEof(): Promise<void> {
    currentTrioTask("sendEof()");
    this.enter("sendEof()");
    await checkpointIfCancelled();
    if (!this.eofSent) {
      this.eofSent = true;
      this.writable.end();
    }
    await cancelShieldedCheckpoint();
  }

  /** Closes the stream: data already accepted is still flushed, then the Writable ends. Trio-flavored. */
  async aclose(): Promise<void> {
    this._closeNow();
    await checkpoint();
  }

  /** @internal Closes without a checkpoint (a composite stream closing its halves). */
  _closeNow(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.eofSent) this.writable.end();
    this.waiter.wake(new ClosedResourceError("this stream was closed while sending"));
  }

  /** `await using`: closes the stream. Trio-flavored. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.aclose();
  }
}
