/**
 * Trio's channel interfaces (`trio.abc.SendChannel`, `trio.abc.ReceiveChannel`,
 * `trio.abc.Channel`): the contract shared by every object channel, whatever carries
 * the objects (memory channels, or channels over a stream).
 */

/**
 * The sending end of a channel (`trio.abc.SendChannel`). It is also an async resource:
 * close it with `aclose()` or `await using`.
 */
export interface SendChannel<T> {
  /**
   * Sends `value`, waiting if the channel cannot take it yet. Throws
   * `BrokenResourceError` if the channel is broken (for example, its receivers are
   * closed), `ClosedResourceError` if this object was closed (before or during the
   * call), and may throw `BusyResourceError` on channels that allow one sender at a
   * time. Trio-flavored.
   */
  send(value: T): Promise<void>;

  /**
   * Closes this object. It always closes, even when it throws (an error means the close
   * was not graceful); closing a closed object does nothing. Later operations on it
   * throw `ClosedResourceError`. Trio-flavored.
   */
  aclose(): Promise<void>;

  /** Closes this object at the end of an `await using` block. Trio-flavored. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * The receiving end of a channel (`trio.abc.ReceiveChannel`).
 * `for await (const value of channel)` receives until `EndOfChannel`, which ends the
 * loop without an error.
 * It is also an async resource: close it with `aclose()` or `await using`.
 */
export interface ReceiveChannel<T> extends AsyncIterable<T> {
  /**
   * Receives the next value, waiting if none is ready. Throws `EndOfChannel` when the
   * senders have closed cleanly and nothing is left (not an error condition),
   * `ClosedResourceError` if this object was closed, `BrokenResourceError` if the
   * channel is broken, and may throw `BusyResourceError` on channels that allow one
   * receiver at a time.
   *
   * The result is a Promise, so a thenable value is adopted by it:
   * `await channel.receive()` gives the value the thenable settles to. Async iteration
   * hands values over unchanged. Trio-flavored.
   */
  receive(): Promise<T>;

  /**
   * Closes this object. It always closes, even when it throws; closing a closed object
   * does nothing. Later operations on it throw `ClosedResourceError`. Trio-flavored.
   */
  aclose(): Promise<void>;

  /** Closes this object at the end of an `await using` block. Trio-flavored. */
  [Symbol.asyncDispose](): Promise<void>;

  /**
   * An iterator whose `next()` calls `receive()` and reports `done` at `EndOfChannel`.
   * Leaving the loop early does not close the channel. Each `next()` is Trio-flavored.
   */
  [Symbol.asyncIterator](): AsyncIterator<T>;
}

/** A channel that both sends and receives (`trio.abc.Channel`). */
export interface Channel<T> extends SendChannel<T>, ReceiveChannel<T> {}
