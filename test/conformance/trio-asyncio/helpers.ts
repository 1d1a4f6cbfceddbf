// Helpers for the ports of trio-asyncio's tests (python-trio/trio-asyncio), standing in
// for tests/conftest.py (the `loop` fixture, pytest-trio's `autojump_clock`) and
// tests/utils.py (the logger helpers), plus the pytest.RaisesGroup checks the tests use.
import { expect } from "vitest";
import * as asyncio from "../../../src/asyncio/index.js";
import { openLoop, type TrioEventLoop } from "../../../src/decorators/index.js";
import { ExceptionGroup } from "../../../src/errors/exception-group.js";
import * as trio from "../../../src/trio/index.js";

/** pytest-trio's `autojump_clock` fixture: virtual time that jumps when every task is blocked. */
export function autojumpClock(): trio.testing.MockClock {
  return new trio.testing.MockClock({ autojumpThreshold: 0 });
}

/**
 * A `@pytest.mark.trio` test that takes conftest's `loop` fixture: runs `body(loop)` in a
 * new Trio run inside `openLoop`. With `clock`, the run uses it.
 */
export function withLoop<R>(body: (loop: TrioEventLoop) => Promise<R>, options: { clock?: trio.Clock } = {}): Promise<R> {
  return trio.run({ clock: options.clock }, () => openLoop(body));
}

/**
 * pytest's `caplog` / utils.py's `disable_logger`: while `body` runs, what asyncio's
 * logger reports is recorded instead of printed. Returns the recorded messages.
 */
export async function captureAsyncioLog(body: () => Promise<void>): Promise<{ message: string; error: unknown }[]> {
  const records: { message: string; error: unknown }[] = [];
  // Restored with Object.assign: the methods are put back as they were, never called here.
  const saved = { ...asyncio.logger };
  asyncio.logger.error = (message: string, error?: unknown) => {
    records.push({ message, error });
  };
  asyncio.logger.warning = (message: string) => {
    records.push({ message, error: undefined });
  };
  try {
    await body();
  } finally {
    Object.assign(asyncio.logger, saved);
  }
  return records;
}

/** The leaves of an error: the error itself, or the members of nested ExceptionGroups. */
export function leafErrors(error: unknown): unknown[] {
  if (error instanceof ExceptionGroup) return (error.exceptions as unknown[]).flatMap(leafErrors);
  return [error];
}

/**
 * `pytest.RaisesGroup(..., flatten_subgroups=True)`: `error` is an ExceptionGroup whose
 * leaves are, in order, instances of `classes` (and match `message`, if given).
 */
export function expectGroupOf(error: unknown, classes: readonly (abstract new (...args: never[]) => unknown)[], message?: RegExp): void {
  expect(error).toBeInstanceOf(ExceptionGroup);
  const leaves = leafErrors(error);
  expect(leaves).toHaveLength(classes.length);
  leaves.forEach((leaf, i) => {
    expect(leaf).toBeInstanceOf(classes[i]);
    if (message !== undefined) expect((leaf as Error).message).toMatch(message);
  });
}

/** Runs `fn` and returns what it throws (failing if it does not throw). */
export async function caught(fn: () => PromiseLike<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error, but none was thrown");
}
