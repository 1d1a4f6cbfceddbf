/**
 * Trio's `ConflictDetector` (from `trio._util`): catches two tasks using one end of a
 * stream at the same time, which would interleave their bytes.
 */
import { BusyResourceError } from "../loop/errors.js";

/**
 * @internal
 * Marks an operation that must never run twice at once, such as two `sendAll` calls on
 * one stream. It is not a lock: a stream has no sensible order in which to serve two
 * concurrent senders (their bytes would interleave), so the second caller is a bug in
 * the calling code and gets `BusyResourceError` at once instead of waiting.
 *
 * Use `hold(fn)` around the whole operation, awaits included, or pair `enter()` with
 * `exit()` in a `finally`. Several operations may share one detector when they conflict
 * with each other (`sendAll`, `waitSendAllMightNotBlock` and `sendEof` of one stream).
 * It does not look at tasks, so it works from either flavor. Sync, either flavor
 * (`hold` returns whatever `fn` returns, awaited).
 */
export class ConflictDetector {
  private _held = false;

  /** `message` is the BusyResourceError's message, such as "another task is using this stream". */
  constructor(private readonly message: string) {}

  /** Whether an operation is in progress. Sync, either flavor. */
  get held(): boolean {
    return this._held;
  }

  /**
   * Starts an operation; throws `BusyResourceError` if one is already in progress (the
   * held state is then unchanged, so the first operation's `exit()` still ends it).
   * Sync, either flavor.
   */
  enter(): void {
    if (this._held) throw new BusyResourceError(this.message);
    this._held = true;
  }

  /** Ends the operation started by `enter()`. Sync, either flavor. */
  exit(): void {
    this._held = false;
  }

  /**
   * Runs `fn` as the one operation in progress, ending it however `fn` finishes. A
   * conflict rejects the returned promise without calling `fn`. Either flavor (the
   * flavor of `fn`).
   */
  async hold<R>(fn: () => R | Promise<R>): Promise<R> {
    this.enter();
    try {
      return await fn();
    } finally {
      this._held = false;
    }
  }
}
