/**
 * Trio byte streams over Node streams: a `ReceiveStream` over a Readable and a
 * `SendStream` over a Writable (sockets, TLS sockets, process pipes). Node's own
 * buffering gives the backpressure: a receiver reads only what Node has buffered (so a
 * cancelled receive loses nothing), a sender waits for 'drain' when Node's buffer is full.
 */
import type { Readable, Writable } from "node:stream";
import { currentTrioTask } from "../loop/current.js";
import { BrokenResourceError, BusyResourceError, ClosedResourceError } from "../loop/errors.js";
import { Abort, type Task } from "../loop/task.js";
import { cancelShieldedCheckpoint, checkpoint, checkpointIfCancelled } from "../loop/traps.js";
import { ValueError } from "../errors/builtins.js";
import type { ReceiveStream, SendStream } from "./stream-abc.js";

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

function checkMaxBytes(maxBytes: number | undefined): void {
  if (maxBytes === undefined) return;
  if (typeof maxBytes !== "number" || !Number.isInteger(maxBytes)) throw new TypeError("maxBytes must be an integer");
  if (maxBytes < 1) throw new ValueError("maxBytes must be >= 1");
}

/**
 * A Trio `ReceiveStream` over a Node Readable (in paused mode). Trio-flavored methods;
 * construct it from sync code.
 */
export class NodeReceiveStream implements ReceiveStream {
  private receiving = false;
  private closed = false;
  private ended = false;
  private error: unknown = null;
  private readonly waiter = new EventWaiter();

  constructor(
    /** The Node stream read from. */
    readonly readable: Readable,
  ) {
    readable.on("readable", this.onReadable);
    readable.on("end", this.onEnd);
    readable.on("error", this.onError);
    readable.on("close", this.onClose);
  }

  private readonly onReadable = (): void => this.waiter.wake();
  private readonly onEnd = (): void => {
    this.ended = true;
    this.waiter.wake();
  };
  private readonly onError = (error: unknown): void => {
    this.error ??= error;
    this.waiter.wake();
  };
  private readonly onClose = (): void => {
    // Closed without an end (destroyed): nothing more will come.
    if (!this.ended && this.error === null && this.readable.readableLength === 0) this.ended = true;
    this.waiter.wake();
  };

  /** See `trio.abc.ReceiveStream.receiveSome`. Trio-flavored. */
  async receiveSome(maxBytes?: number): Promise<Uint8Array> {
    checkMaxBytes(maxBytes);
    const task = currentTrioTask("receiveSome()");
    if (this.closed) throw new ClosedResourceError("this stream was closed");
    if (this.receiving) throw new BusyResourceError("another task is already receiving on this stream");
    this.receiving = true;
    try {
      await checkpointIfCancelled();
      for (;;) {
        if (this.closed) throw new ClosedResourceError("this stream was closed while receiving");
        const chunk = this.take(maxBytes);
        if (chunk !== null) {
          await cancelShieldedCheckpoint();
          return chunk;
        }
        if (this.error !== null) throw new BrokenResourceError("the stream broke", { cause: this.error });
        if (this.ended) {
          await cancelShieldedCheckpoint();
          return EMPTY;
        }
        await this.waiter.wait(task, "receiveSome()");
      }
    } finally {
      this.receiving = false;
    }
  }

  private take(maxBytes: number | undefined): Uint8Array | null {
    const readable = this.readable;
    const available = readable.readableLength;
    if (available === 0) {
      // Lets Node notice the end, or fetch more.
      readable.read(0);
      return null;
    }
    return readable.read(maxBytes === undefined ? undefined : Math.min(maxBytes, available)) as Uint8Array | null;
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
    if (destroy) this.readable.destroy();
    this.waiter.wake(new ClosedResourceError("this stream was closed while receiving"));
  }

  /** `await using`: closes the stream. Trio-flavored. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.aclose();
  }

  /** Iterates the chunks until the end of the stream. Each step is Trio-flavored. */
  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const chunk = await this.receiveSome();
      if (chunk.length === 0) return;
      yield chunk;
    }
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

  constructor(
    /** The Node stream written to. */
    readonly writable: Writable,
  ) {
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

  private enter(task: Task, call: string): void {
    void task;
    if (this.closed) throw new ClosedResourceError("this stream was closed");
    if (this.sending) throw new BusyResourceError(`another task is already sending on this stream (${call})`);
  }

  /** See `trio.abc.SendStream.sendAll`. Trio-flavored. */
  async sendAll(data: Uint8Array | string): Promise<void> {
    const bytes = toBytes(data, "sendAll()");
    const task = currentTrioTask("sendAll()");
    this.enter(task, "sendAll()");
    this.sending = true;
    try {
      await checkpointIfCancelled();
      this.checkWritable();
      if (bytes.length > 0) {
        this.writable.write(bytes, this.onWritten);
        // Trio returns once the OS has every byte, so the caller may reuse its buffer: wait
        // while Node still holds some. Node has all of the data already, so a cancel here
        // loses nothing: it is still sent, in order, and the stream stays usable (as Trio's
        // SocketStream after a cancelled send).
        if (this.writable.writableLength > 0) await this.waiter.wait(task, "sendAll() (waiting for the OS to take the data)");
      }
      this.checkWritable();
      await cancelShieldedCheckpoint();
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
    this.enter(task, "waitSendAllMightNotBlock()");
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
    const task = currentTrioTask("sendEof()");
    this.enter(task, "sendEof()");
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
