// Helpers shared by the asyncio tests.
import * as asyncio from "../../src/asyncio/index.js";
import { MockClock } from "../../src/loop/mock-clock.js";

/** `asyncio.run(fn)` on a loop with virtual time (MockClock, autojump). */
export function run<T>(fn: () => PromiseLike<T>): Promise<T> {
  return asyncio.run(fn, { loopFactory: () => new asyncio.SyncTrioEventLoop({ clock: new MockClock({ autojumpThreshold: 0 }) }) });
}

/** The running loop's time. */
export function now(): number {
  return asyncio.getRunningLoop().time();
}

/** An error as `Name(message)`, for event logs. */
export function name(error: unknown): string {
  return error instanceof Error ? `${error.name}${error.message ? `(${error.message})` : ""}` : String(error);
}
