/**
 * Trio's in-memory byte streams (`trio.testing` `_memory_streams`): streams with no
 * operating system underneath, for testing protocol code deterministically. Two kinds:
 *
 * - `MemorySendStream` / `MemoryReceiveStream`: unbounded buffers with hooks, wired
 *   together by `memoryStreamPump` (`memoryStreamOneWayPair`, `memoryStreamPair`). Every
 *   piece is public so a test can stall, trickle or reorder the flow of bytes.
 * - The lockstep streams (`lockstepStreamOneWayPair`, `lockstepStreamPair`): no buffer at
 *   all, each `sendAll` waits until a `receiveSome` has taken every byte. They test flow
 *   control in the extreme, and serve as "clogged" streams for the generic checkers.
 */
import { currentTrioTask } from "../../loop/current.js";
import { BrokenResourceError, ClosedResourceError, WouldBlock } from "../../loop/errors.js";
import { ParkingLot } from "../../loop/parking-lot.js";
import type { Task } from "../../loop/task.js";
import { cancelShieldedCheckpoint, checkpoint } from "../../loop/traps.js";
import { ConflictDetector } from "../conflict-detector.js";
import { StapledStream } from "../stapled-stream.js";
import { checkMaxBytes, receiveChunks, type ReceiveStream, type SendStream } from "../stream-abc.js";

/**
 * A hook awaited by a stream operation (`sendAllHook`, `waitSendAllMightNotBlockHook`,
 * `receiveSomeHook`). It runs in the calling task, in the middle of the operation, so it
 * may block, sleep or move bytes around, and it is called Trio-flavored (it may use any
 * Trio primitive). It may also return nothing.
 */
export type AsyncHook = () => Promise<unknown> | void;

/** A hook called synchronously by `close()` (`closeHook`), which cannot wait. */
export type SyncHook = () => unknown;

/** The hooks of a MemorySendStream, all optional. */
export interface MemorySendStreamOptions {
  /** Awaited by `sendAll` after the data is in the buffer (so it can move it on). */
  sendAllHook?: AsyncHook | null;
  /** Awaited by `waitSendAllMightNotBlock` after its checks. */
  waitSendAllMightNotBlockHook?: AsyncHook | null;
  /** Called by `close()` and `aclose()` after the stream is closed. */
  closeHook?: SyncHook | null;
}

/** The hooks of a MemoryReceiveStream, all optional. */
export interface MemoryReceiveStreamOptions {
  /** Awaited by `receiveSome` before it takes data from the buffer (so it can put some there). */
  receiveSomeHook?: AsyncHook | null;
  /** Called by `close()` and `aclose()` after the stream is closed. */
  closeHook?: SyncHook | null;
}

/** Options of `memoryStreamPump`. */
export interface MemoryStreamPumpOptions {
  /** The most bytes to move in this call (a positive integer); default: all there are. */
  maxBytes?: number;
}

const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();

/**
 * @internal The bytes of `data` without copying: a string as UTF-8, any typed array or
 * DataView as its bytes (as Python takes bytes, bytearray and memoryview alike).
 */
export function bytesOf(data: unknown, call: string): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (typeof data === "string") return encoder.encode(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw new TypeError(`${call} needs bytes (a Uint8Array, or a string to send as UTF-8), got ${data === null ? "null" : typeof data}`);
}

function copyOf(data: Uint8Array): Uint8Array {
  const copy = new Uint8Array(data.length);
  copy.set(data);
  return copy;
}

/**
 * @internal
 * The unbounded buffer behind both memory streams (Trio's `_UnboundedByteQueue`). Its
 * `close()` is like closing a channel's send side: `put` then throws
 * ClosedResourceError, and the getters drain what is left and then return an empty
 * array (the end of the stream). Chunks are copied in, so a caller may reuse its buffer
 * as soon as `put` returns.
 */
export class UnboundedByteQueue {
  private chunks: Uint8Array[] = [];
  /** Bytes already taken from `chunks[0]`. */
  private offset = 0;
  private size = 0;
  private closed = false;
  private readonly lot = new ParkingLot();
  private readonly fetchLock = new ConflictDetector("another task is already fetching data");

  /** Marks the end of the data and wakes the getters. Idempotent. */
  close(): void {
    this.closed = true;
    this.lot._wakeAll();
  }

  /** `close()`, dropping the data not yet taken. */
  closeAndWipe(): void {
    this.chunks = [];
    this.offset = 0;
    this.size = 0;
    this.close();
  }

  /** Appends a copy of `data`; throws ClosedResourceError after `close()`. */
  put(data: Uint8Array): void {
    if (this.closed) throw new ClosedResourceError("virtual connection closed");
    if (data.length === 0) return; // nothing for a getter to take: leave it asleep
    this.chunks.push(copyOf(data));
    this.size += data.length;
    this.lot._wakeAll();
  }

  /** Takes up to `maxBytes` without blocking; WouldBlock if empty and not closed. */
  getNowait(maxBytes?: number): Uint8Array {
    this.fetchLock.enter();
    try {
      const max = checkMaxBytes(maxBytes);
      if (!this.closed && this.size === 0) throw new WouldBlock("no data in the buffer");
      return this.take(max);
    } finally {
      this.fetchLock.exit();
    }
  }

  /**
   * Takes up to `maxBytes`, waiting for at least one byte (or the close). Always a
   * checkpoint, and the bytes are taken only after it, so a cancelled get loses none.
   */
  async get(task: Task, maxBytes: number | undefined, what: string): Promise<Uint8Array> {
    this.fetchLock.enter();
    try {
      const max = checkMaxBytes(maxBytes);
      if (!this.closed && this.size === 0) {
        // An empty put() wakes nobody, but be safe against spurious wake-ups all the same.
        do {
          await this.lot._park(task, what);
        } while (!this.closed && this.size === 0);
      } else {
        await checkpoint();
      }
      return this.take(max);
    } finally {
      this.fetchLock.exit();
    }
  }

  private take(max: number): Uint8Array {
    const n = Math.min(max, this.size);
    if (n === 0) return new Uint8Array(0);
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[0];
      const count = Math.min(chunk.length - this.offset, n - filled);
      out.set(chunk.subarray(this.offset, this.offset + count), filled);
      filled += count;
      this.offset += count;
      if (this.offset === chunk.length) {
        this.chunks.shift();
        this.offset = 0;
      }
    }
    this.size -= n;
    return out;
  }
}

/**
 * An in-memory SendStream (`trio.testing.MemorySendStream`): `sendAll` appends to an
 * internal buffer that the test reads with `getData` / `getDataNowait`, and then awaits
 * `sendAllHook`. The hooks are public fields that may be replaced at any time; that is
 * how `memoryStreamOneWayPair` connects it to a MemoryReceiveStream, and how a test
 * simulates a stall (set `sendAllHook` to null) or a slow link.
 *
 * Sending never blocks unless a hook does. `sendAll` and `waitSendAllMightNotBlock` pass
 * two checkpoints before doing anything, so that two tasks calling them at once on one
 * stream (a bug) meet and get BusyResourceError. Construct anywhere; the methods that
 * return Promises are Trio-flavored, the others sync, either flavor.
 */
export class MemorySendStream implements SendStream {
  /** Awaited by `sendAll` after the data is in the buffer. */
  sendAllHook: AsyncHook | null;
  /** Awaited by `waitSendAllMightNotBlock` after its checks. */
  waitSendAllMightNotBlockHook: AsyncHook | null;
  /** Called by `close()` (and so `aclose()`) after the stream is closed. */
  closeHook: SyncHook | null;
  private readonly conflictDetector = new ConflictDetector("another task is using this stream");
  private readonly outgoing = new UnboundedByteQueue();

  /** A stream with the given hooks (none by default). Sync, either flavor. */
  constructor(options: MemorySendStreamOptions = {}) {
    this.sendAllHook = options.sendAllHook ?? null;
    this.waitSendAllMightNotBlockHook = options.waitSendAllMightNotBlockHook ?? null;
    this.closeHook = options.closeHook ?? null;
  }

  /**
   * Appends `data` (a string is sent as UTF-8) to the buffer, then awaits `sendAllHook`.
   * Throws ClosedResourceError once the stream is closed, BusyResourceError if another
   * task is in `sendAll` or `waitSendAllMightNotBlock`, and whatever the hook throws
   * (`memoryStreamPump` throws BrokenResourceError once the receiver is closed).
   * Trio-flavored.
   */
  async sendAll(data: Uint8Array | string): Promise<void> {
    const call = "MemorySendStream.sendAll()";
    currentTrioTask(call);
    const bytes = bytesOf(data, call);
    this.conflictDetector.enter();
    try {
      await checkpoint();
      await checkpoint();
      this.outgoing.put(bytes);
      if (this.sendAllHook !== null) await this.sendAllHook();
    } finally {
      this.conflictDetector.exit();
    }
  }

  /**
   * Awaits `waitSendAllMightNotBlockHook` and returns: with an unbounded buffer, sending
   * never blocks. Still a checkpoint, and still throws ClosedResourceError once the
   * stream is closed and BusyResourceError as `sendAll` does. Trio-flavored.
   */
  async waitSendAllMightNotBlock(): Promise<void> {
    currentTrioTask("MemorySendStream.waitSendAllMightNotBlock()");
    this.conflictDetector.enter();
    try {
      await checkpoint();
      await checkpoint();
      this.outgoing.put(EMPTY); // throws if closed
      if (this.waitSendAllMightNotBlockHook !== null) await this.waitSendAllMightNotBlockHook();
    } finally {
      this.conflictDetector.exit();
    }
  }

  /**
   * Closes the stream, then calls `closeHook`. Data already sent stays readable with
   * `getData`, followed by the end of the stream, as a graceful close would deliver it.
   * A pending `sendAllHook` is not interrupted. Sync, either flavor.
   */
  close(): void {
    this.outgoing.close();
    if (this.closeHook !== null) this.closeHook();
  }

  /** `close()`, then a checkpoint (the stream is closed even if that is cancelled). Trio-flavored. */
  async aclose(): Promise<void> {
    currentTrioTask("MemorySendStream.aclose()");
    this.close();
    await checkpoint();
  }

  /**
   * `close()` at the end of an `await using` block, then a schedule point that never
   * throws Cancelled: `await using` would wrap a Cancelled thrown here with the block's
   * own error in a SuppressedError. Trio-flavored.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    currentTrioTask("MemorySendStream[Symbol.asyncDispose]()");
    this.close();
    await cancelShieldedCheckpoint();
  }

  /** `close()` at the end of a `using` block. Sync, either flavor. */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Takes up to `maxBytes` (default: all) of the sent data, waiting until there is at
   * least one byte; an empty array once the stream is closed and drained. Always a
   * checkpoint; a cancelled call takes nothing. Throws BusyResourceError if another task
   * is getting data. Trio-flavored.
   */
  async getData(maxBytes?: number): Promise<Uint8Array> {
    const call = "MemorySendStream.getData()";
    return this.outgoing.get(currentTrioTask(call), maxBytes, call);
  }

  /**
   * `getData` without waiting: throws WouldBlock if no data was sent (and the stream is
   * not closed). Sync, either flavor.
   */
  getDataNowait(maxBytes?: number): Uint8Array {
    return this.outgoing.getNowait(maxBytes);
  }
}

/**
 * An in-memory ReceiveStream (`trio.testing.MemoryReceiveStream`): the test feeds it
 * with `putData` and `putEof`, and `receiveSome` awaits `receiveSomeHook` and then
 * takes from the buffer, waiting if it is empty. The hooks are public fields that may
 * be replaced at any time.
 *
 * Closing it drops the buffered data and wakes a blocked `receiveSome` with
 * ClosedResourceError; `putData` then throws ClosedResourceError, which
 * `memoryStreamPump` turns into BrokenResourceError for the sender. Construct anywhere;
 * the methods that return Promises are Trio-flavored, the others sync, either flavor.
 */
export class MemoryReceiveStream implements ReceiveStream {
  /** Awaited by `receiveSome` before it takes from the buffer. */
  receiveSomeHook: AsyncHook | null;
  /** Called by `close()` (and so `aclose()`) after the stream is closed. */
  closeHook: SyncHook | null;
  private readonly conflictDetector = new ConflictDetector("another task is using this stream");
  /** Its closed state is the end of the stream (`putEof`), not this stream's own closure. */
  private readonly incoming = new UnboundedByteQueue();
  private closed = false;

  /** A stream with the given hooks (none by default). Sync, either flavor. */
  constructor(options: MemoryReceiveStreamOptions = {}) {
    this.receiveSomeHook = options.receiveSomeHook ?? null;
    this.closeHook = options.closeHook ?? null;
  }

  /**
   * Awaits `receiveSomeHook`, then takes up to `maxBytes` (a positive integer; default:
   * all there is), waiting until there is at least one byte. Returns an empty array
   * after `putEof` once the buffer is drained. Always a checkpoint; a cancelled call
   * takes nothing. Throws ClosedResourceError if this stream is closed (also when it is
   * closed during the wait), BusyResourceError if another task is receiving.
   * Trio-flavored.
   */
  async receiveSome(maxBytes?: number): Promise<Uint8Array> {
    const call = "MemoryReceiveStream.receiveSome()";
    const task = currentTrioTask(call);
    // Trio checks this only once the hook has run; a refused call should have no effects.
    checkMaxBytes(maxBytes);
    this.conflictDetector.enter();
    try {
      await checkpoint();
      await checkpoint();
      if (this.closed) throw new ClosedResourceError("this MemoryReceiveStream was closed");
      if (this.receiveSomeHook !== null) await this.receiveSomeHook();
      const data = await this.incoming.get(task, maxBytes, call);
      // close() wakes the wait by ending the buffer: tell that apart from a real EOF.
      if (this.closed) throw new ClosedResourceError("this MemoryReceiveStream was closed while receiveSome() was waiting");
      return data;
    } finally {
      this.conflictDetector.exit();
    }
  }

  /** Closes the stream, drops the buffered data, then calls `closeHook`. Sync, either flavor. */
  close(): void {
    this.closed = true;
    this.incoming.closeAndWipe();
    if (this.closeHook !== null) this.closeHook();
  }

  /** `close()`, then a checkpoint (the stream is closed even if that is cancelled). Trio-flavored. */
  async aclose(): Promise<void> {
    currentTrioTask("MemoryReceiveStream.aclose()");
    this.close();
    await checkpoint();
  }

  /**
   * `close()` at the end of an `await using` block, then a schedule point that never
   * throws Cancelled (see `MemorySendStream[Symbol.asyncDispose]`). Trio-flavored.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    currentTrioTask("MemoryReceiveStream[Symbol.asyncDispose]()");
    this.close();
    await cancelShieldedCheckpoint();
  }

  /** `close()` at the end of a `using` block. Sync, either flavor. */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Appends a copy of `data` (a string as UTF-8) to the buffer, waking a blocked
   * `receiveSome`. Throws ClosedResourceError after `putEof` or `close`. Sync, either flavor.
   */
  putData(data: Uint8Array | string): void {
    this.incoming.put(bytesOf(data, "MemoryReceiveStream.putData()"));
  }

  /**
   * Marks the end of the stream: once the buffer is drained, `receiveSome` returns an
   * empty array. Idempotent. Sync, either flavor.
   */
  putEof(): void {
    this.incoming.close();
  }

  /**
   * `for await (const chunk of stream)`: `receiveSome()` until the end of the stream (an
   * empty chunk, which is not yielded). Each step is Trio-flavored.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    return receiveChunks(this);
  }
}

/**
 * Moves data from `sendStream`'s buffer into `receiveStream`'s buffer: at most
 * `maxBytes` (default: all), or the end of the stream if `sendStream` is closed and
 * drained. Returns whether it moved anything. Throws BrokenResourceError if
 * `receiveStream` is closed, which is how a sender learns that its peer went away.
 *
 * `memoryStreamOneWayPair` calls it from the send stream's hooks; call it yourself from
 * replacement hooks to control the flow (for example `maxBytes: 1` with a sleep between
 * calls to trickle the data, under a MockClock with autojump to keep the test fast).
 * Sync, either flavor.
 */
export function memoryStreamPump(
  sendStream: MemorySendStream,
  receiveStream: MemoryReceiveStream,
  options: MemoryStreamPumpOptions = {},
): boolean {
  let data: Uint8Array;
  try {
    data = sendStream.getDataNowait(options.maxBytes);
  } catch (error) {
    if (error instanceof WouldBlock) return false;
    throw error;
  }
  try {
    if (data.length === 0) receiveStream.putEof();
    else receiveStream.putData(data);
  } catch (error) {
    if (error instanceof ClosedResourceError) throw new BrokenResourceError("MemoryReceiveStream was closed");
    throw error;
  }
  return true;
}

/**
 * A connected one-way pair `[sendStream, receiveStream]` with an unbounded buffer (data
 * flows left to right, like a pipe with no operating system involved). The send
 * stream's `sendAllHook` and `closeHook` call `memoryStreamPump`, so what is sent (and
 * the close, as the end of the stream) arrives at once. Every part is public: replace
 * the hooks to stall or reshape the flow. Sync, either flavor.
 */
export function memoryStreamOneWayPair(): [MemorySendStream, MemoryReceiveStream] {
  const sendStream = new MemorySendStream();
  const receiveStream = new MemoryReceiveStream();
  const pump = (): void => {
    memoryStreamPump(sendStream, receiveStream);
  };
  sendStream.sendAllHook = pump;
  sendStream.closeHook = pump;
  return [sendStream, receiveStream];
}

/**
 * A connected bidirectional pair: two `memoryStreamOneWayPair`s stapled crosswise into
 * two StapledStreams (an in-memory `socketpair`). `sendEof` closes the send half, so the
 * peer sees the end of the stream while this side can still receive. To shape one
 * direction, reach in: `left.sendStream.sendAllHook = ...` pumping into
 * `right.receiveStream`. Sync, either flavor.
 */
export function memoryStreamPair(): [
  StapledStream<MemorySendStream, MemoryReceiveStream>,
  StapledStream<MemorySendStream, MemoryReceiveStream>,
] {
  return makeStapledPair(memoryStreamOneWayPair);
}

function makeStapledPair<S extends SendStream, R extends ReceiveStream>(oneWayPair: () => [S, R]): [StapledStream<S, R>, StapledStream<S, R>] {
  const [send1, receive1] = oneWayPair();
  const [send2, receive2] = oneWayPair();
  return [new StapledStream(send1, receive2), new StapledStream(send2, receive1)];
}

/**
 * The state of a lockstep stream (Trio's `_LockstepByteQueue`): the bytes of the one
 * `sendAll` in progress and both ends' closed flags. Every change wakes every waiter,
 * which then checks its own condition again: there are at most three waiters, so the
 * simplicity is worth more than precise wake-ups.
 */
class LockstepByteQueue {
  private data: Uint8Array = EMPTY;
  senderClosed = false;
  receiverClosed = false;
  private receiverWaiting = false;
  private readonly waiters = new ParkingLot();
  private readonly sendConflictDetector = new ConflictDetector("another task is already sending");
  private readonly receiveConflictDetector = new ConflictDetector("another task is already receiving");

  private somethingHappened(): void {
    this.waiters._wakeAll();
  }

  /** Waits until `ready()` or either end is closed (everyone reacts to a close), then checkpoints. */
  private async waitFor(task: Task, ready: () => boolean, what: string): Promise<void> {
    while (!ready() && !this.senderClosed && !this.receiverClosed) {
      await this.waiters._park(task, what);
    }
    await checkpoint();
  }

  closeSender(): void {
    this.senderClosed = true;
    this.somethingHappened();
  }

  closeReceiver(): void {
    this.receiverClosed = true;
    this.somethingHappened();
  }

  async sendAll(task: Task, data: Uint8Array, what: string): Promise<void> {
    this.sendConflictDetector.enter();
    try {
      if (this.senderClosed) throw new ClosedResourceError("this lockstep stream's send side was closed");
      if (this.receiverClosed) throw new BrokenResourceError("the receiving end of this lockstep stream was closed");
      if (this.data.length !== 0) {
        // Trio asserts here. It happens after a sendAll was cancelled before the receiver
        // took all its bytes: the stream is broken, as the SendStream contract says.
        throw new BrokenResourceError("an earlier sendAll() on this lockstep stream was cancelled before its data was received");
      }
      this.data = copyOf(data);
      this.somethingHappened();
      await this.waitFor(task, () => this.data.length === 0, what);
      if (this.senderClosed) throw new ClosedResourceError("this lockstep stream's send side was closed while sendAll() was waiting");
      if (this.data.length !== 0 && this.receiverClosed) {
        throw new BrokenResourceError("the receiving end of this lockstep stream was closed before it took the data");
      }
    } finally {
      this.sendConflictDetector.exit();
    }
  }

  async waitSendAllMightNotBlock(task: Task, what: string): Promise<void> {
    this.sendConflictDetector.enter();
    try {
      if (this.senderClosed) throw new ClosedResourceError("this lockstep stream's send side was closed");
      if (this.receiverClosed) {
        await checkpoint();
        return;
      }
      await this.waitFor(task, () => this.receiverWaiting, what);
      if (this.senderClosed) {
        throw new ClosedResourceError("this lockstep stream's send side was closed while waitSendAllMightNotBlock() was waiting");
      }
    } finally {
      this.sendConflictDetector.exit();
    }
  }

  async receiveSome(task: Task, maxBytes: number | undefined, what: string): Promise<Uint8Array> {
    this.receiveConflictDetector.enter();
    try {
      const max = checkMaxBytes(maxBytes);
      if (this.receiverClosed) throw new ClosedResourceError("this lockstep stream's receive side was closed");
      // Wakes waitSendAllMightNotBlock, then waits for data.
      this.receiverWaiting = true;
      this.somethingHappened();
      try {
        await this.waitFor(task, () => this.data.length !== 0, what);
      } finally {
        this.receiverWaiting = false;
      }
      if (this.receiverClosed) throw new ClosedResourceError("this lockstep stream's receive side was closed while receiveSome() was waiting");
      if (this.data.length === 0) return new Uint8Array(0); // the sender closed: end of stream
      const got = this.data.slice(0, max);
      this.data = this.data.length > max ? this.data.subarray(max) : EMPTY;
      this.somethingHappened(); // possibly wakes sendAll
      return got;
    } finally {
      this.receiveConflictDetector.exit();
    }
  }
}

/** The send end of a lockstep stream; its Promise-returning methods are Trio-flavored. */
class LockstepSendStream implements SendStream {
  constructor(private readonly queue: LockstepByteQueue) {}

  /** Closes the send side: a blocked `sendAll` gets ClosedResourceError, the receiver the end of the stream. Sync, either flavor. */
  close(): void {
    this.queue.closeSender();
  }

  /** `close()`, then a checkpoint. Trio-flavored. */
  async aclose(): Promise<void> {
    currentTrioTask("lockstep SendStream.aclose()");
    this.close();
    await checkpoint();
  }

  /** `close()`, then a schedule point that never throws Cancelled. Trio-flavored. */
  async [Symbol.asyncDispose](): Promise<void> {
    currentTrioTask("lockstep SendStream[Symbol.asyncDispose]()");
    this.close();
    await cancelShieldedCheckpoint();
  }

  /** Hands `data` over and waits until the receiver has taken all of it. Trio-flavored. */
  async sendAll(data: Uint8Array | string): Promise<void> {
    const call = "lockstep SendStream.sendAll()";
    const task = currentTrioTask(call);
    await this.queue.sendAll(task, bytesOf(data, call), call);
  }

  /** Waits until a `receiveSome` is waiting (or either side is closed). Trio-flavored. */
  async waitSendAllMightNotBlock(): Promise<void> {
    const call = "lockstep SendStream.waitSendAllMightNotBlock()";
    await this.queue.waitSendAllMightNotBlock(currentTrioTask(call), call);
  }
}

/** The receive end of a lockstep stream; its Promise-returning methods are Trio-flavored. */
class LockstepReceiveStream implements ReceiveStream {
  constructor(private readonly queue: LockstepByteQueue) {}

  /** Closes the receive side: a blocked `receiveSome` gets ClosedResourceError, the sender BrokenResourceError. Sync, either flavor. */
  close(): void {
    this.queue.closeReceiver();
  }

  /** `close()`, then a checkpoint. Trio-flavored. */
  async aclose(): Promise<void> {
    currentTrioTask("lockstep ReceiveStream.aclose()");
    this.close();
    await checkpoint();
  }

  /** `close()`, then a schedule point that never throws Cancelled. Trio-flavored. */
  async [Symbol.asyncDispose](): Promise<void> {
    currentTrioTask("lockstep ReceiveStream[Symbol.asyncDispose]()");
    this.close();
    await cancelShieldedCheckpoint();
  }

  /** Waits for a sender's bytes and takes up to `maxBytes` of them. Trio-flavored. */
  async receiveSome(maxBytes?: number): Promise<Uint8Array> {
    const call = "lockstep ReceiveStream.receiveSome()";
    return this.queue.receiveSome(currentTrioTask(call), maxBytes, call);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    return receiveChunks(this);
  }
}

/**
 * A connected one-way pair `[sendStream, receiveStream]` with no buffer at all: each
 * `sendAll` waits until `receiveSome` calls have taken all of its bytes, and
 * `waitSendAllMightNotBlock` waits until a `receiveSome` is waiting. Use it to test
 * flow control at its most extreme, or as the "clogged" stream maker of the generic
 * stream checkers. Besides the stream interfaces, both ends have a synchronous `close()`.
 * The ends' methods that return Promises are Trio-flavored; this function is sync,
 * either flavor.
 */
export function lockstepStreamOneWayPair(): [SendStream & { close(): void }, ReceiveStream & { close(): void }] {
  const queue = new LockstepByteQueue();
  return [new LockstepSendStream(queue), new LockstepReceiveStream(queue)];
}

/**
 * A connected bidirectional lockstep pair: two `lockstepStreamOneWayPair`s stapled
 * crosswise. `sendEof` closes the send half (lockstep ends have no `sendEof` of their
 * own). Sync, either flavor.
 */
export function lockstepStreamPair(): [
  StapledStream<SendStream & { close(): void }, ReceiveStream & { close(): void }>,
  StapledStream<SendStream & { close(): void }, ReceiveStream & { close(): void }>,
] {
  return makeStapledPair(lockstepStreamOneWayPair);
}
