/**
 * The read side shared by the socket and pipe transports: Node's read events of one stream
 * (data, end, error, close), queued in order until one loop callback hands them to the
 * protocol. Node runs these events outside the loop; the queue keeps their order, lets a
 * paused protocol hold them back, and bounds what Node reads ahead.
 */
import type { Readable } from "node:stream";
import { MAX_PENDING_READ } from "./constants.js";

/** @internal */ export const DATA = 0;
/** @internal */ export const EOF = 1;
/** @internal */ export const ERROR = 2;
/** @internal */ export const CLOSED = 3;

/** @internal One read event of the stream. */
export type InboxEntry = { kind: typeof DATA; data: Buffer } | { kind: typeof EOF } | { kind: typeof ERROR; error: Error } | { kind: typeof CLOSED };

/**
 * @internal The chunk a transport is handing to its protocol's `dataReceived` right now:
 * a Buffer Node made for one read that nobody else holds, so a StreamReader may keep it
 * without a copy (asyncio's bytes are immutable; a copy is what keeps a caller's buffer
 * from changing under the reader, and this one has no other owner).
 */
export const delivering: { chunk: Uint8Array | null } = { chunk: null };

/** @internal Whether `data` is the chunk being delivered (see `delivering`). */
export function isFreshChunk(data: unknown): boolean {
  return data === delivering.chunk && data !== null;
}

/** @internal */ export const EOF_ENTRY: InboxEntry = { kind: EOF };
/** @internal */ export const CLOSED_ENTRY: InboxEntry = { kind: CLOSED };

/**
 * @internal The queue of a stream's read events. `scheduleDrain` is called once per batch:
 * the transport's drain callback calls `drainStarted()`, takes entries with `shift()`,
 * then `drainFinished()`. Past MAX_PENDING_READ queued bytes the stream is paused in
 * Node, until the queue is down to half of that.
 */
export class ReadInbox {
  readonly entries: InboxEntry[] = [];
  /** The bytes of the queued DATA entries. */
  bytes = 0;
  /** The stream is paused in Node because the queue is full. */
  hostPaused = false;
  /** The protocol paused reading (`pauseReading()`): no data is handed to it. */
  paused = false;
  /** No event matters any more: new ones are dropped. */
  done = false;
  private drainScheduled = false;

  constructor(
    private readonly stream: Readable,
    private readonly scheduleDrain: () => void,
  ) {}

  /** Starts receiving the stream's events. */
  listen(): void {
    this.stream.on("data", this.onData);
    this.stream.on("end", this.onEnd);
    this.stream.on("error", this.onError);
    this.stream.on("close", this.onClose);
  }

  /** Stops receiving the stream's events. */
  unlisten(): void {
    this.stream.off("data", this.onData);
    this.stream.off("end", this.onEnd);
    this.stream.off("error", this.onError);
    this.stream.off("close", this.onClose);
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.done) return;
    this.entries.push({ kind: DATA, data: chunk });
    this.bytes += chunk.length;
    if (this.bytes > MAX_PENDING_READ && !this.hostPaused) {
      this.hostPaused = true;
      this.stream.pause();
    }
    this.requestDrain();
  };

  private readonly onEnd = (): void => this.push(EOF_ENTRY);
  private readonly onError = (error: Error): void => this.push({ kind: ERROR, error });
  private readonly onClose = (): void => this.push(CLOSED_ENTRY);

  /** Queues `entry` (unless done) and asks for a drain. */
  push(entry: InboxEntry): void {
    if (this.done) return;
    this.entries.push(entry);
    this.requestDrain();
  }

  /** Asks for a drain callback, unless one is already scheduled. */
  requestDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    this.scheduleDrain();
  }

  /** Called first by the drain callback: an event from now on asks for another. */
  drainStarted(): void {
    this.drainScheduled = false;
  }

  /** `pauseReading()`: Node stops reading too, so the peer slows down. */
  pause(): void {
    this.paused = true;
    this.stream.pause();
  }

  /** `resumeReading()`: Node reads again (unless the queue is full); what waits is drained. */
  resume(): void {
    this.paused = false;
    if (!this.hostPaused) this.stream.resume();
    if (this.entries.length > 0) this.requestDrain();
  }

  /** Removes and returns the first entry. */
  shift(): InboxEntry {
    const entry = this.entries.shift()!;
    if (entry.kind === DATA) this.bytes -= entry.data.length;
    return entry;
  }

  /** Puts bytes back at the front (the protocol paused in the middle of them). */
  unshiftData(data: Buffer): void {
    this.entries.unshift({ kind: DATA, data });
    this.bytes += data.length;
  }

  clear(): void {
    this.entries.length = 0;
    this.bytes = 0;
  }

  /**
   * After a drain: drops what is left once done, and lets Node read again once the
   * queue is down to half (the stream resumes unless the protocol paused reading, the
   * transport is `closing`, or it is done).
   */
  drainFinished(closing: boolean): void {
    if (this.done) this.clear();
    if (this.hostPaused && this.bytes <= MAX_PENDING_READ / 2) {
      this.hostPaused = false;
      if (!this.paused && !closing && !this.done) this.stream.resume();
    }
  }
}
