/** asyncio's exceptions (Python's `asyncio.exceptions`). Sync, either flavor. */
import { RuntimeError, nameError } from "../errors/builtins.js";

/**
 * Raised in an asyncio task, or by a Future's `result()`, when it is cancelled
 * (`asyncio.CancelledError`). Tasks normally let it propagate: a task that ends with it
 * is cancelled. Sync, either flavor.
 */
export class CancelledError extends Error {
  constructor(message = "", cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
  }
}
nameError(CancelledError, "CancelledError");

/** Raised when an operation exceeds its deadline (`asyncio.TimeoutError`, Python's builtin `TimeoutError`). Sync, either flavor. */
export class TimeoutError extends Error {}
nameError(TimeoutError, "TimeoutError");

/** Raised when a Future or Task is in a state that does not allow the operation. Sync, either flavor. */
export class InvalidStateError extends Error {}
nameError(InvalidStateError, "InvalidStateError");

/** Raised by `StreamReader.readexactly` when the stream ended before `expected` bytes. Sync, either flavor. */
export class IncompleteReadError extends Error {
  constructor(
    /** The bytes read before the end of the stream. */
    readonly partial: Uint8Array,
    /** How many bytes were expected (`null` when unknown). */
    readonly expected: number | null,
  ) {
    super(`${partial.length} bytes read on a total of ${expected === null ? "undefined" : expected} expected bytes`);
  }
}
nameError(IncompleteReadError, "IncompleteReadError");

/** Raised by a StreamReader when a separator was not found within its buffer limit. Sync, either flavor. */
export class LimitOverrunError extends Error {
  constructor(
    message: string,
    /** How many bytes may be consumed. */
    readonly consumed: number,
  ) {
    super(message);
  }
}
nameError(LimitOverrunError, "LimitOverrunError");

/** Raised by `Barrier.wait` when the barrier is reset or broken. Sync, either flavor. */
export class BrokenBarrierError extends RuntimeError {}
nameError(BrokenBarrierError, "BrokenBarrierError");

/** Raised when `sendfile` is not available for the given socket or file. Sync, either flavor. */
export class SendfileNotAvailableError extends RuntimeError {}
nameError(SendfileNotAvailableError, "SendfileNotAvailableError");

/** Raised by `Queue.getNowait` on an empty queue. Sync, either flavor. */
export class QueueEmpty extends Error {}
nameError(QueueEmpty, "QueueEmpty");

/** Raised by `Queue.putNowait` on a full queue. Sync, either flavor. */
export class QueueFull extends Error {}
nameError(QueueFull, "QueueFull");

/** Raised by `put`/`get` on a queue that was shut down (Python 3.13). Sync, either flavor. */
export class QueueShutDown extends Error {}
nameError(QueueShutDown, "QueueShutDown");
