/**
 * Trio's byte-stream interfaces (`trio.abc.SendStream`, `ReceiveStream`, `Stream`,
 * `HalfCloseableStream`, `Listener`): the contract shared by sockets, TLS, pipes,
 * process streams and the in-memory test streams.
 */
import { ValueError } from "../errors/builtins.js";

/** An object that holds a resource and can be closed (`trio.abc.AsyncResource`). */
export interface AsyncResource {
  /**
   * Closes the resource. It always closes, even when it throws (an error means the close
   * was not graceful) or is cancelled; closing a closed resource does nothing. Other
   * tasks using it get `ClosedResourceError`. Trio-flavored.
   */
  aclose(): Promise<void>;

  /** Closes the resource at the end of an `await using` block. Trio-flavored. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** A stream you can send bytes on (`trio.abc.SendStream`). */
export interface SendStream extends AsyncResource {
  /**
   * Sends all of `data`, waiting while the other side is not reading. Throws
   * `BusyResourceError` if another task is sending on this stream,
   * `BrokenResourceError` if the stream broke (the peer went away, or an earlier send
   * was cancelled part-way), `ClosedResourceError` if this stream was closed. A cancelled
   * `sendAll` may have sent part of the data: the stream is broken afterwards.
   * Trio-flavored.
   */
  sendAll(data: Uint8Array | string): Promise<void>;

  /**
   * Waits until a `sendAll` would probably not block (the data already sent has been
   * flushed to the peer's side). Trio-flavored.
   */
  waitSendAllMightNotBlock(): Promise<void>;
}

/** A stream you can receive bytes from (`trio.abc.ReceiveStream`). */
export interface ReceiveStream extends AsyncResource, AsyncIterable<Uint8Array> {
  /**
   * Receives the next chunk: at least one byte and at most `maxBytes` (default: whatever
   * is available), or an empty array at the end of the stream. A cancelled call loses
   * no data: what arrives stays for the next call. Throws `BusyResourceError` if another
   * task is receiving, `ClosedResourceError` if this stream was closed,
   * `BrokenResourceError` if the stream broke. Trio-flavored.
   */
  receiveSome(maxBytes?: number): Promise<Uint8Array>;

  /** Iterates the chunks until the end of the stream. Each step is Trio-flavored. */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array>;
}

/** A bidirectional byte stream (`trio.abc.Stream`). */
export interface Stream extends SendStream, ReceiveStream {}

/** A stream whose sending side can be closed alone (`trio.abc.HalfCloseableStream`). */
export interface HalfCloseableStream extends Stream {
  /**
   * Tells the peer nothing more will be sent (its `receiveSome` then returns an empty
   * array) while this side keeps receiving. Trio-flavored.
   */
  sendEof(): Promise<void>;
}

/** Something that accepts incoming connections (`trio.abc.Listener`). */
export interface Listener<S extends AsyncResource = Stream> extends AsyncResource {
  /**
   * Waits for the next connection and returns it. Throws `ClosedResourceError` if this
   * listener was closed, `BusyResourceError` if another task is accepting. Trio-flavored.
   */
  accept(): Promise<S>;
}

const DONE: IteratorReturnResult<undefined> = { value: undefined, done: true };

/**
 * @internal The iterator of `for await (const chunk of stream)`: `receiveSome()` until
 * the end of the stream (an empty chunk, not yielded). As a generator's, it is finished
 * after the end, an error or `return()`. A plain object rather than an async generator:
 * each step costs one `then` instead of the generator's own awaits.
 */
export function receiveChunks(stream: Pick<ReceiveStream, "receiveSome">): AsyncIterableIterator<Uint8Array> {
  let finished = false;
  const step = (chunk: Uint8Array): IteratorResult<Uint8Array> => {
    if (chunk.length > 0) return { value: chunk, done: false };
    finished = true;
    return DONE;
  };
  const fail = (error: unknown): never => {
    finished = true;
    throw error;
  };
  const iterator: AsyncIterableIterator<Uint8Array> = {
    next: () => (finished ? Promise.resolve(DONE) : stream.receiveSome().then(step, fail)),
    return: () => {
      finished = true;
      return Promise.resolve(DONE);
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

/**
 * @internal Checks a `maxBytes` argument as Trio does (`operator.index`, then `>= 1`):
 * returns it, or Infinity for "whatever is available".
 */
export function checkMaxBytes(maxBytes: unknown): number {
  if (maxBytes === undefined) return Infinity;
  if (typeof maxBytes !== "number" || !Number.isInteger(maxBytes)) {
    throw new TypeError(`maxBytes must be an integer or undefined, got ${typeof maxBytes === "number" ? String(maxBytes) : typeof maxBytes}`);
  }
  if (maxBytes < 1) throw new ValueError("maxBytes must be >= 1");
  return maxBytes;
}
