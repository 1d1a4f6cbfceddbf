/**
 * Trio's `_highlevel_generic`: `StapledStream`, which joins two one-way streams into one
 * bidirectional stream, and `acloseForcefully`.
 */
import { CancelScope } from "../loop/cancel-scope.js";
import { currentTrioTask } from "../loop/current.js";
import { receiveChunks, type AsyncResource, type HalfCloseableStream, type ReceiveStream, type SendStream } from "./stream-abc.js";

/**
 * Closes `resource` at once, without waiting for a graceful shutdown: it calls
 * `resource.aclose()` inside an already-cancelled scope. Every `AsyncResource` promises
 * to close even when its `aclose()` is cancelled, so this is the way to drop a resource
 * whose peer may never answer (a broken TLS connection, a test's cleanup path). Still a
 * checkpoint, but it cannot block for long if the resource follows the contract. Errors
 * other than the cancellation pass through. Trio-flavored.
 */
export async function acloseForcefully(resource: AsyncResource): Promise<void> {
  currentTrioTask("trio.acloseForcefully()");
  await new CancelScope().run(async (scope) => {
    scope.cancel("cancelled during acloseForcefully");
    await resource.aclose();
  });
}

/** A SendStream that also has `sendEof` (duck-typed, as Trio checks for the method). */
function hasSendEof(stream: SendStream): stream is SendStream & Pick<HalfCloseableStream, "sendEof"> {
  return typeof (stream as Partial<HalfCloseableStream>).sendEof === "function";
}

/** Keeps a first error visible when a second one replaces it, as Python's `__context__` does. */
function chain(error: unknown, first: unknown): unknown {
  if (typeof error === "object" && error !== null && !("cause" in error) && Object.isExtensible(error)) {
    Object.defineProperty(error, "cause", { value: first, writable: true, configurable: true, enumerable: false });
  }
  return error;
}

/**
 * Two one-way streams stapled into one bidirectional stream (`trio.StapledStream`):
 * sending goes to `sendStream`, receiving comes from `receiveStream`. Useful wherever a
 * protocol wants one `Stream` but the transport comes in halves: a process's stdin and
 * stdout, two pipes, or the in-memory pairs of `trio.testing` (`memoryStreamPair` is two
 * `memoryStreamOneWayPair`s stapled crosswise).
 *
 * Both fields are public and may be replaced at any time, so a test can swap one half
 * (say, for a stream that trickles bytes). Every method forwards to the matching half;
 * the stapled stream keeps no state of its own, so its busy, closed and broken errors
 * are those of the halves. Construct anywhere; the methods that return Promises are
 * Trio-flavored, and check the flavor themselves because a user's half might not.
 */
export class StapledStream<S extends SendStream = SendStream, R extends ReceiveStream = ReceiveStream> implements HalfCloseableStream {
  /** The stream `sendAll`, `waitSendAllMightNotBlock` and `sendEof` go to. */
  sendStream: S;
  /** The stream `receiveSome` reads from. */
  receiveStream: R;

  /** Staples `sendStream` and `receiveStream` together. Sync, either flavor. */
  constructor(sendStream: S, receiveStream: R) {
    if (typeof (sendStream as Partial<SendStream> | null)?.sendAll !== "function") {
      throw new TypeError("StapledStream(sendStream, receiveStream): sendStream must be a SendStream (it has no sendAll method)");
    }
    if (typeof (receiveStream as Partial<ReceiveStream> | null)?.receiveSome !== "function") {
      throw new TypeError("StapledStream(sendStream, receiveStream): receiveStream must be a ReceiveStream (it has no receiveSome method)");
    }
    this.sendStream = sendStream;
    this.receiveStream = receiveStream;
  }

  /** `sendStream.sendAll(data)`. Trio-flavored. */
  async sendAll(data: Uint8Array | string): Promise<void> {
    currentTrioTask("StapledStream.sendAll()");
    await this.sendStream.sendAll(data);
  }

  /** `sendStream.waitSendAllMightNotBlock()`. Trio-flavored. */
  async waitSendAllMightNotBlock(): Promise<void> {
    currentTrioTask("StapledStream.waitSendAllMightNotBlock()");
    await this.sendStream.waitSendAllMightNotBlock();
  }

  /**
   * Ends the sending direction only: `sendStream.sendEof()` if the send half has that
   * method, else `sendStream.aclose()`. For a one-way stream, closing is how it says
   * "no more data", so the peer sees the end of the stream either way while this side
   * can still receive. The method is looked up at each call, as the half may change.
   * Trio-flavored.
   */
  async sendEof(): Promise<void> {
    currentTrioTask("StapledStream.sendEof()");
    const stream = this.sendStream;
    if (hasSendEof(stream)) await stream.sendEof();
    else await stream.aclose();
  }

  /** `receiveStream.receiveSome(maxBytes)`. Trio-flavored. */
  async receiveSome(maxBytes?: number): Promise<Uint8Array> {
    currentTrioTask("StapledStream.receiveSome()");
    return await this.receiveStream.receiveSome(maxBytes);
  }

  /**
   * Closes both halves, the send half first. The receive half is closed even if closing
   * the send half throws or is cancelled, since `aclose` must always release the
   * resource; if both throw, the second error is thrown with the first as its `cause`.
   * Trio-flavored.
   */
  async aclose(): Promise<void> {
    currentTrioTask("StapledStream.aclose()");
    await closeBoth(this.sendStream, this.receiveStream, (stream) => stream.aclose());
  }

  /**
   * Closes both halves at the end of an `await using` block, through their own
   * `[Symbol.asyncDispose]`, so each half keeps its rule about not throwing Cancelled
   * there. Trio-flavored.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    currentTrioTask("StapledStream[Symbol.asyncDispose]()");
    await closeBoth(this.sendStream, this.receiveStream, (stream) => stream[Symbol.asyncDispose]());
  }

  /** Entering `asyncWith(stream, body)`: gives the stream itself; not a checkpoint. Either flavor. */
  aenter(): Promise<this> {
    return Promise.resolve(this);
  }

  /** Leaving `asyncWith(stream, body)`: `aclose()`; never swallows the body's error. Trio-flavored. */
  async aexit(): Promise<boolean> {
    await this.aclose();
    return false;
  }

  /**
   * `for await (const chunk of stream)`: `receiveSome()` until the end of the stream (an
   * empty chunk, which is not yielded). Each step is Trio-flavored.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    return receiveChunks(this);
  }
}

async function closeBoth(first: AsyncResource, second: AsyncResource, close: (stream: AsyncResource) => Promise<void>): Promise<void> {
  try {
    await close(first);
  } catch (error) {
    try {
      await close(second);
    } catch (secondError) {
      throw chain(secondError, error);
    }
    throw error;
  }
  await close(second);
}
