// Ported from CPython Lib/test/test_asyncio/test_tasks.py (3.13/3.14): the gather, wait,
// as_completed and shield cases (wait_for's moved to test_waitfor.py). Coroutines become
// functions, `self.new_test_loop(gen)` a sync loop on a MockClock (its time generator
// becomes autojump; `loop.advance_time(t)` is `clock.jump(t)`), and
// `test_utils.run_briefly(loop)` runs the loop until a no-op task is done.
import { describe, expect, it } from "vitest";
import * as asyncio from "../../../src/asyncio/index.js";
import { gather } from "../../../src/asyncio/gather.js";
import { shield } from "../../../src/asyncio/shield.js";
import { ALL_COMPLETED, asCompleted, FIRST_COMPLETED, FIRST_EXCEPTION, wait, type ReturnWhen } from "../../../src/asyncio/wait.js";
import { ContextVar } from "../../../src/contextvars/index.js";
import { RuntimeError, ValueError } from "../../../src/errors/builtins.js";
import { MockClock } from "../../../src/loop/mock-clock.js";
import * as trio from "../../../src/trio/index.js";

class ZeroDivisionError extends Error {}

/** A loop on a MockClock (CPython's TestLoop). */
class TestLoop extends asyncio.SyncTrioEventLoop {
  readonly mockClock: MockClock;

  constructor() {
    const clock = new MockClock({ autojumpThreshold: 0 });
    super({ clock });
    this.mockClock = clock;
  }

  /** `loop.advance_time(t)` of CPython's TestLoop. */
  advanceTime(seconds: number): void {
    this.mockClock.jump(seconds);
  }
}

/** A test on fresh loops, closed afterwards (unittest's setUp/tearDown). */
function withLoops(fn: (loop: TestLoop, other: TestLoop) => Promise<void>): () => Promise<void> {
  return async () => {
    const loop = new TestLoop();
    const other = new TestLoop();
    try {
      await fn(loop, other);
    } finally {
      loop.close();
      other.close();
    }
  };
}

/** `test_utils.run_briefly`: one short run of the loop. */
async function runBriefly(loop: TestLoop): Promise<void> {
  await loop.runUntilComplete(async () => {});
}

/** `GatherTestsBase._run_loop`: runs the loop while it has ready callbacks. */
async function runLoop(loop: TestLoop): Promise<void> {
  while (loop._ready.length > 0) await runBriefly(loop);
}

/** unittest's `assertRaises`: the expected error is returned, any other one propagates. */
async function assertRaises<E>(cls: abstract new (...args: never[]) => E, body: () => unknown): Promise<E> {
  try {
    await body();
  } catch (error) {
    if (error instanceof cls) return error;
    throw error;
  }
  throw new Error(`${cls.name} was not raised`);
}

function sameSet<T>(actual: Set<T>, expected: T[]): void {
  expect(actual.size).toBe(new Set(expected).size);
  for (const e of expected) expect(actual.has(e)).toBe(true);
}

/** `test_utils.MockCallback`. */
function mockCallback(): ((...args: unknown[]) => void) & { calls: unknown[][] } {
  const calls: unknown[][] = [];
  const cb = (...args: unknown[]): void => void calls.push(args);
  return Object.assign(cb, { calls });
}

function sleeper<T = undefined>(delay: number, result?: T): () => Promise<T> {
  return () => asyncio.sleep<T>(delay, result);
}

describe("test_tasks.py BaseTaskTests (wait)", () => {
  it(
    "test_wait",
    withLoops(async (loop) => {
      const a = loop.createTask(sleeper(0.1));
      const b = loop.createTask(sleeper(0.15));
      async function foo(): Promise<number> {
        const [done, pending] = await wait([b, a]);
        sameSet(done, [a, b]);
        expect(pending.size).toBe(0);
        return 42;
      }
      expect(await loop.runUntilComplete(loop.createTask(foo))).toBe(42);
      expect(loop.time()).toBeCloseTo(0.15, 9);
      // Doing it again should take no time and exercise a different path.
      expect(await loop.runUntilComplete(loop.createTask(foo))).toBe(42);
      expect(loop.time()).toBeCloseTo(0.15, 9);
    }),
  );

  it(
    "test_wait_duplicate_coroutines",
    withLoops(async (loop) => {
      const c = loop.createTask(async () => "test");
      const task = loop.createTask(() => wait([c, c, loop.createTask(async () => "spam")]));
      const [done, pending] = await loop.runUntilComplete(task);
      expect(pending.size).toBe(0);
      expect(new Set([...done].map((f) => f.result()))).toEqual(new Set(["test", "spam"]));
    }),
  );

  it(
    "test_wait_errors",
    withLoops(async (loop) => {
      await assertRaises(ValueError, () => loop.runUntilComplete(() => wait(new Set<asyncio.Future<unknown>>())));
      // -1 is an invalid return_when value
      const sleepTask = loop.createTask(sleeper(10.0));
      await assertRaises(ValueError, () => loop.runUntilComplete(() => wait([sleepTask], { returnWhen: -1 as unknown as ReturnWhen })));
      sleepTask.cancel();
    }),
  );

  it(
    "test_wait_first_completed",
    withLoops(async (loop) => {
      const a = loop.createTask(sleeper(10.0));
      const b = loop.createTask(sleeper(0.1));
      const task = loop.createTask(() => wait([b, a], { returnWhen: FIRST_COMPLETED }));
      const [done, pending] = await loop.runUntilComplete(task);
      sameSet(done, [b]);
      sameSet(pending, [a]);
      expect(a.done()).toBe(false);
      expect(b.done()).toBe(true);
      expect(b.result()).toBeUndefined();
      expect(loop.time()).toBeCloseTo(0.1, 9);
      // move forward to close generator
      loop.advanceTime(10);
      await loop.runUntilComplete(() => wait([a, b]));
    }),
  );

  it(
    "test_wait_really_done",
    withLoops(async (loop) => {
      // there is possibility that some tasks in the pending list became done but their
      // callbacks haven't all been called yet
      const a = loop.createTask(async () => {
        await asyncio.sleep(0);
      });
      const b = loop.createTask(async () => {
        await asyncio.sleep(0);
        await asyncio.sleep(0);
      });
      const task = loop.createTask(() => wait([b, a], { returnWhen: FIRST_COMPLETED }));
      const [done] = await loop.runUntilComplete(task);
      sameSet(done, [a, b]);
      expect(a.done()).toBe(true);
      expect(a.result()).toBeUndefined();
      expect(b.done()).toBe(true);
      expect(b.result()).toBeUndefined();
    }),
  );

  it(
    "test_wait_first_exception",
    withLoops(async (loop) => {
      // first_exception, task already has exception
      const a = loop.createTask(sleeper(10.0));
      const b = loop.createTask(async (): Promise<undefined> => {
        throw new ZeroDivisionError("err");
      });
      const task = loop.createTask(() => wait([b, a], { returnWhen: FIRST_EXCEPTION }));
      const [done, pending] = await loop.runUntilComplete(task);
      sameSet(done, [b]);
      sameSet(pending, [a]);
      expect(loop.time()).toBeCloseTo(0, 9);
      // move forward to close generator
      loop.advanceTime(10);
      await loop.runUntilComplete(() => wait([a, b]));
    }),
  );

  it(
    "test_wait_first_exception_in_wait",
    withLoops(async (loop) => {
      // first_exception, exception during waiting
      const a = loop.createTask(sleeper(10.0));
      const b = loop.createTask(async (): Promise<undefined> => {
        await asyncio.sleep(0.01);
        throw new ZeroDivisionError("err");
      });
      const [done, pending] = await loop.runUntilComplete(() => wait([b, a], { returnWhen: FIRST_EXCEPTION }));
      sameSet(done, [b]);
      sameSet(pending, [a]);
      expect(loop.time()).toBeCloseTo(0.01, 9);
      // move forward to close generator
      loop.advanceTime(10);
      await loop.runUntilComplete(() => wait([a, b]));
    }),
  );

  it(
    "test_wait_with_exception",
    withLoops(async (loop) => {
      const a = loop.createTask(sleeper(0.1));
      const b = loop.createTask(async (): Promise<undefined> => {
        await asyncio.sleep(0.15);
        throw new ZeroDivisionError("really");
      });
      async function foo(): Promise<void> {
        const [done, pending] = await wait<undefined>([b, a]);
        expect(done.size).toBe(2);
        expect(pending.size).toBe(0);
        const errors = [...done].filter((f) => f.exception() !== undefined);
        expect(errors.length).toBe(1);
      }
      await loop.runUntilComplete(loop.createTask(foo));
      expect(loop.time()).toBeCloseTo(0.15, 9);
      await loop.runUntilComplete(loop.createTask(foo));
      expect(loop.time()).toBeCloseTo(0.15, 9);
    }),
  );

  it(
    "test_wait_with_timeout",
    withLoops(async (loop) => {
      const a = loop.createTask(sleeper(0.1));
      const b = loop.createTask(sleeper(0.15));
      async function foo(): Promise<void> {
        const [done, pending] = await wait([b, a], { timeout: 0.11 });
        sameSet(done, [a]);
        sameSet(pending, [b]);
      }
      await loop.runUntilComplete(loop.createTask(foo));
      expect(loop.time()).toBeCloseTo(0.11, 9);
      // move forward to close generator
      loop.advanceTime(10);
      await loop.runUntilComplete(() => wait([a, b]));
    }),
  );

  it(
    "test_wait_concurrent_complete",
    withLoops(async (loop) => {
      const a = loop.createTask(sleeper(0.1));
      const b = loop.createTask(sleeper(0.15));
      const [done, pending] = await loop.runUntilComplete(() => wait([b, a], { timeout: 0.1 }));
      sameSet(done, [a]);
      sameSet(pending, [b]);
      expect(loop.time()).toBeCloseTo(0.1, 9);
      // move forward to close generator
      loop.advanceTime(10);
      await loop.runUntilComplete(() => wait([a, b]));
    }),
  );

  it(
    "test_wait_with_iterator_of_tasks",
    withLoops(async (loop) => {
      const a = loop.createTask(sleeper(0.1));
      const b = loop.createTask(sleeper(0.15));
      async function foo(): Promise<number> {
        const [done, pending] = await wait([b, a][Symbol.iterator]());
        sameSet(done, [a, b]);
        expect(pending.size).toBe(0);
        return 42;
      }
      expect(await loop.runUntilComplete(loop.createTask(foo))).toBe(42);
      expect(loop.time()).toBeCloseTo(0.15, 9);
    }),
  );

  it(
    "test_wait_generator",
    withLoops(async (loop) => {
      async function main(): Promise<void> {
        function* tasks(): Generator<asyncio.Task<number>> {
          for (let i = 0; i < 10; i++) yield loop.createTask(async () => i);
        }
        const [done, pending] = await wait(tasks(), { returnWhen: ALL_COMPLETED });
        expect(done.size).toBe(10);
        expect(pending.size).toBe(0);
      }
      await loop.runUntilComplete(main);
    }),
  );

  it(
    "test_wait_invalid_args",
    withLoops(async (loop) => {
      const fut = loop.createFuture();
      // wait() expects a list of futures, not a future instance
      await assertRaises(TypeError, () => loop.runUntilComplete(() => wait(fut as never)));
      const fn = async (): Promise<void> => {};
      await assertRaises(TypeError, () => loop.runUntilComplete(() => wait(fn as never)));
      // wait() expects at least a future
      await assertRaises(ValueError, () => loop.runUntilComplete(() => wait([])));
    }),
  );

  it(
    "test_yield_wait_does_not_shield_cancel",
    withLoops(async (loop) => {
      // Cancelling outer() makes wait() return early, leaves inner() running.
      let proof = 0;
      const waiter = loop.createFuture();
      async function inner(): Promise<void> {
        await waiter;
        proof += 1;
      }
      async function outer(): Promise<void> {
        await wait([asyncio.createTask(inner)]);
        proof += 100;
      }
      const f = asyncio.ensureFuture(outer, { loop });
      await runBriefly(loop);
      f.cancel();
      await assertRaises(asyncio.CancelledError, () => loop.runUntilComplete(f));
      waiter.setResult(undefined);
      await runBriefly(loop);
      expect(proof).toBe(1);
    }),
  );

  for (const [cancelArgs, expected] of [
    [[], ""],
    [[undefined], ""],
    [["my message"], "my message"],
  ] as [[string?], string][]) {
    it(
      `test_cancel_with_message_then_future_result (${JSON.stringify(cancelArgs)})`,
      withLoops(async (loop) => {
        // Python's non-string messages (5) are not ported: messages are strings here.
        async function coro(): Promise<void> {
          const task = loop.createTask(sleeper(10));
          await asyncio.sleep(0);
          task.cancel(...cancelArgs);
          await wait([task]);
          task.result();
        }
        const task = loop.createTask(coro);
        const exc = await assertRaises(asyncio.CancelledError, () => loop.runUntilComplete(task));
        expect(exc.message).toBe(expected);
      }),
    );

    it(
      `test_cancel_with_message_then_future_exception (${JSON.stringify(cancelArgs)})`,
      withLoops(async (loop) => {
        async function coro(): Promise<void> {
          const task = loop.createTask(sleeper(10));
          await asyncio.sleep(0);
          task.cancel(...cancelArgs);
          await wait([task]);
          task.exception();
        }
        const task = loop.createTask(coro);
        const exc = await assertRaises(asyncio.CancelledError, () => loop.runUntilComplete(task));
        expect(exc.message).toBe(expected);
      }),
    );
  }

  it(
    "test_cancel_with_message_before_starting_task",
    withLoops(async (loop) => {
      async function coro(): Promise<void> {
        const task = loop.createTask(sleeper(10));
        // We deliberately leave out the sleep here.
        task.cancel("my message");
        await wait([task]);
        task.exception();
      }
      const task = loop.createTask(coro);
      const exc = await assertRaises(asyncio.CancelledError, () => loop.runUntilComplete(task));
      expect(exc.message).toBe("my message");
    }),
  );
});

describe("test_tasks.py BaseTaskTests (as_completed)", () => {
  type Runner = (aws: Iterable<unknown>) => Promise<unknown[]>;

  async function tryIterator(awaitables: Iterable<unknown>): Promise<unknown[]> {
    const values: unknown[] = [];
    for (const f of asCompleted(awaitables as Iterable<() => Promise<unknown>>)) values.push(await f);
    return values;
  }

  async function tryAsyncIterator(awaitables: Iterable<unknown>): Promise<unknown[]> {
    const values: unknown[] = [];
    for await (const value of asCompleted(awaitables as Iterable<() => Promise<unknown>>)) values.push(value);
    return values;
  }

  for (const [method, foo] of [
    ["try_iterator", tryIterator],
    ["try_async_iterator", tryAsyncIterator],
  ] as [string, Runner][]) {
    it(
      `test_as_completed (${method})`,
      withLoops(async (loop) => {
        const completed = new Set<string>();
        let timeShifted = false;
        async function sleeperTask(dt: number, x: string): Promise<string> {
          await asyncio.sleep(dt);
          completed.add(x);
          if (!timeShifted && completed.has("a") && completed.has("b")) {
            timeShifted = true;
            loop.advanceTime(0.14);
          }
          return x;
        }
        const a = (): Promise<string> => sleeperTask(0.01, "a");
        const b = (): Promise<string> => sleeperTask(0.01, "b");
        const c = (): Promise<string> => sleeperTask(0.15, "c");
        const res = await loop.runUntilComplete(loop.createTask(() => foo([b, c, a])));
        expect(loop.time()).toBeCloseTo(0.15, 9);
        expect(res.slice(0, 2)).toContain("a");
        expect(res.slice(0, 2)).toContain("b");
        expect(res[2]).toBe("c");
      }),
    );
  }

  it(
    "test_as_completed_same_tasks_in_as_out",
    withLoops(async (loop) => {
      // Async iteration yields the awaitables passed in when they are Futures. Adapted:
      // `for await` yields results (TypeScript types its values as awaited), so the
      // Futures come from nextCompleted(), Python 3.13's `async for`.
      async function tryAsync(awaitables: unknown[]): Promise<Set<unknown>> {
        const out = new Set<unknown>();
        const iterator = asCompleted(awaitables as asyncio.Future<unknown>[]);
        for (let step = await iterator.nextCompleted(); step.done !== true; step = await iterator.nextCompleted()) out.add(step.value);
        return out;
      }
      const coro = (i: unknown) => async (): Promise<unknown> => i;
      // Functions are not yielded back (their Tasks are).
      let awaitablesIn: unknown[] = [coro(0), coro(1), coro(2), coro(3)];
      let awaitablesOut = await loop.runUntilComplete(() => tryAsync(awaitablesIn));
      for (const aw of awaitablesIn) expect(awaitablesOut.has(aw)).toBe(false);
      // Tasks should be yielded back.
      const taskB = loop.createTask(coro("b"));
      const taskD = loop.createTask(coro("d"));
      awaitablesIn = [coro("a"), taskB, coro("c"), taskD];
      awaitablesOut = await loop.runUntilComplete(() => tryAsync(awaitablesIn));
      expect(awaitablesIn.filter((aw) => awaitablesOut.has(aw))).toEqual([taskB, taskD]);
    }),
  );

  it(
    "test_as_completed_with_timeout (try_iterator)",
    withLoops(async (loop) => {
      const a = loop.createTask(sleeper(0.1, "a"));
      const b = loop.createTask(sleeper(0.15, "b"));
      async function tryIter(): Promise<[number, unknown][]> {
        const values: [number, unknown][] = [];
        for (const f of asCompleted([a, b], { timeout: 0.12 })) {
          if (values.length > 0) loop.advanceTime(0.02);
          try {
            values.push([1, await f]);
          } catch (exc) {
            if (!(exc instanceof asyncio.TimeoutError)) throw exc;
            values.push([2, exc]);
          }
        }
        return values;
      }
      const res = await loop.runUntilComplete(loop.createTask(tryIter));
      expect(res.length).toBe(2);
      expect(res[0]).toEqual([1, "a"]);
      expect(res[1][0]).toBe(2);
      expect(res[1][1]).toBeInstanceOf(asyncio.TimeoutError);
      expect(loop.time()).toBeCloseTo(0.12, 9);
      // move forward to close generator
      loop.advanceTime(10);
      await loop.runUntilComplete(() => wait([a, b]));
    }),
  );

  it(
    "test_as_completed_with_timeout (try_async_iterator)",
    withLoops(async (loop) => {
      const a = loop.createTask(sleeper(0.1, "a"));
      const b = loop.createTask(sleeper(0.15, "b"));
      async function tryAsync(): Promise<[number, unknown][]> {
        const values: [number, unknown][] = [];
        try {
          for await (const value of asCompleted([a, b], { timeout: 0.12 })) {
            values.push([1, value]);
            loop.advanceTime(0.02);
          }
        } catch (exc) {
          if (!(exc instanceof asyncio.TimeoutError)) throw exc;
          values.push([2, exc]);
        }
        return values;
      }
      const res = await loop.runUntilComplete(loop.createTask(tryAsync));
      expect(res.length).toBe(2);
      expect(res[0]).toEqual([1, "a"]);
      expect(res[1][0]).toBe(2);
      expect(res[1][1]).toBeInstanceOf(asyncio.TimeoutError);
      expect(loop.time()).toBeCloseTo(0.12, 9);
      loop.advanceTime(10);
      await loop.runUntilComplete(() => wait([a, b]));
    }),
  );

  for (const method of ["try_iterator", "try_async_iterator"]) {
    it(
      `test_as_completed_with_unused_timeout (${method})`,
      withLoops(async (loop) => {
        const a = sleeper(0.01, "a");
        await loop.runUntilComplete(
          loop.createTask(async () => {
            if (method === "try_iterator") {
              for (const f of asCompleted([a], { timeout: 1 })) expect(await f).toBe("a");
            } else {
              for await (const value of asCompleted([a], { timeout: 1 })) expect(value).toBe("a");
            }
          }),
        );
        // The unused timeout was cancelled: no timer is left.
        expect(loop._timerCount).toBe(0);
      }),
    );

    it(
      `test_as_completed_resume_iterator (${method})`,
      withLoops(async (loop) => {
        // The iterator can be resumed the next time iteration is performed.
        const coro = (i: number) => async (): Promise<number> => i;
        const results = await loop.runUntilComplete(async () => {
          let iterations = 0;
          const iterator = asCompleted([coro(0), coro(1), coro(2), coro(3)]);
          const collected: unknown[] = [];
          if (method === "try_iterator") {
            for (const f of iterator) {
              collected.push(await f);
              if (++iterations === 2) break;
            }
            expect(collected.length).toBe(2);
            // Resume same iterator:
            for (const f of iterator) collected.push(await f);
          } else {
            for await (const value of iterator) {
              collected.push(value);
              if (++iterations === 2) break;
            }
            expect(collected.length).toBe(2);
            for await (const value of iterator) collected.push(value);
          }
          return collected;
        });
        expect([...results].sort()).toEqual([0, 1, 2, 3]);
      }),
    );
  }

  it(
    "test_as_completed_reverse_wait",
    withLoops(async (loop) => {
      // The first awaitable awaited gives the first completed result, even if it was not
      // the first one the iterator made.
      const a = sleeper(0.05, "a");
      const b = sleeper(0.1, "b");
      await loop.runUntilComplete(async () => {
        const futs = [...asCompleted([a, b])];
        expect(futs.length).toBe(2);
        const x = await futs[1];
        expect(x).toBe("a");
        expect(loop.time()).toBeCloseTo(0.05, 9);
        loop.advanceTime(0.05);
        const y = await futs[0];
        expect(y).toBe("b");
        expect(loop.time()).toBeCloseTo(0.1, 9);
      });
    }),
  );

  for (const method of ["try_iterator", "try_async_iterator"]) {
    it(
      `test_as_completed_concurrent (${method})`,
      withLoops(async (loop) => {
        // More than one awaitable from asCompleted can be awaited concurrently.
        const a = sleeper(0.05, "a");
        const b = sleeper(0.05, "b");
        await loop.runUntilComplete(async () => {
          const futs: unknown[] = [];
          if (method === "try_iterator") {
            futs.push(...asCompleted([a, b]));
          } else {
            const iterator = asCompleted([a, b]);
            for (let step = await iterator.nextCompleted(); step.done !== true; step = await iterator.nextCompleted()) futs.push(step.value);
          }
          expect(futs.length).toBe(2);
          const [done] = await wait(futs.map((fut) => asyncio.ensureFuture(fut as PromiseLike<string>)));
          expect(new Set([...done].map((f) => f.result()))).toEqual(new Set(["a", "b"]));
        });
      }),
    );

    it(
      `test_as_completed_duplicate_coroutines (${method})`,
      withLoops(async (loop) => {
        const c = async (): Promise<string> => "ham";
        const result = await loop.runUntilComplete(
          loop.createTask(async () => {
            const out: unknown[] = [];
            const aws = [c, c, async (): Promise<string> => "spam"];
            if (method === "try_iterator") for (const f of asCompleted(aws)) out.push(await f);
            else for await (const value of asCompleted(aws)) out.push(value);
            return out;
          }),
        );
        expect(new Set(result)).toEqual(new Set(["ham", "spam"]));
        expect(result.length).toBe(2);
      }),
    );
  }

  it("test_as_completed_coroutine_without_loop", async () => {
    const a = async (): Promise<number> => 42;
    // Python says "no current event loop"; here a function needs a running loop.
    await assertRaises(RuntimeError, () => [...asCompleted([a])]);
  });

  it(
    "test_as_completed_coroutine_use_running_loop",
    withLoops(async (loop) => {
      await loop.runUntilComplete(async () => {
        const futs = [...asCompleted([async (): Promise<number> => 42])];
        expect(futs.length).toBe(1);
        expect(await futs[0]).toBe(42);
      });
    }),
  );

  it(
    "test_as_completed_invalid_args",
    withLoops(async (loop) => {
      // asCompleted() expects a list of futures, not a future instance.
      const fut = loop.createFuture();
      await assertRaises(TypeError, () => asCompleted(fut as never).next());
      const fn = async (): Promise<void> => {};
      await assertRaises(TypeError, () => asCompleted(fn as never).next());
      // Async iterator
      async function tryAsyncIterator(aw: unknown): Promise<void> {
        // eslint-disable-next-line @typescript-eslint/no-unused-vars
        for await (const value of asCompleted(aw as never)) break;
      }
      await assertRaises(TypeError, () => loop.runUntilComplete(() => tryAsyncIterator(fut)));
      await assertRaises(TypeError, () => loop.runUntilComplete(() => tryAsyncIterator(fn)));
    }),
  );
});

describe("test_tasks.py BaseTaskTests (shield)", () => {
  it(
    "test_shield_result",
    withLoops(async (loop) => {
      const inner = loop.createFuture<number>();
      const outer = shield(inner);
      inner.setResult(42);
      expect(await loop.runUntilComplete(outer)).toBe(42);
    }),
  );

  it(
    "test_shield_exception",
    withLoops(async (loop) => {
      const inner = loop.createFuture();
      const outer = shield(inner);
      await runBriefly(loop);
      const exc = new RuntimeError("expected");
      inner.setException(exc);
      await runBriefly(loop);
      expect(outer.exception()).toBe(exc);
    }),
  );

  it(
    "test_shield_cancel_inner",
    withLoops(async (loop) => {
      const inner = loop.createFuture();
      const outer = shield(inner);
      await runBriefly(loop);
      inner.cancel();
      await runBriefly(loop);
      expect(outer.cancelled()).toBe(true);
    }),
  );

  it(
    "test_shield_cancel_outer",
    withLoops(async (loop) => {
      const inner = loop.createFuture();
      const outer = shield(inner);
      await runBriefly(loop);
      outer.cancel();
      await runBriefly(loop);
      expect(outer.cancelled()).toBe(true);
      // Python also checks that outer holds no callbacks; inner lost its callback:
      expect(inner.removeDoneCallback(() => {})).toBe(0);
    }),
  );

  it(
    "test_shield_cancel_outer_result",
    withLoops(async (loop) => {
      const handlerCalls: unknown[] = [];
      loop.setExceptionHandler((_loop, context) => void handlerCalls.push(context));
      const inner = loop.createFuture<number>();
      const outer = shield(inner);
      await runBriefly(loop);
      outer.cancel();
      await runBriefly(loop);
      inner.setResult(1);
      await runBriefly(loop);
      expect(handlerCalls).toEqual([]);
    }),
  );

  it(
    "test_shield_shortcut",
    withLoops(async (loop) => {
      const fut = loop.createFuture<number>();
      fut.setResult(42);
      expect(await loop.runUntilComplete(shield(fut))).toBe(42);
    }),
  );

  it(
    "test_shield_effect",
    withLoops(async (loop) => {
      // Cancelling outer() does not affect inner().
      let proof = 0;
      const waiter = loop.createFuture();
      async function inner(): Promise<void> {
        await waiter;
        proof += 1;
      }
      async function outer(): Promise<void> {
        await shield(inner);
        proof += 100;
      }
      const f = asyncio.ensureFuture(outer, { loop });
      await runBriefly(loop);
      f.cancel();
      await assertRaises(asyncio.CancelledError, () => loop.runUntilComplete(f));
      waiter.setResult(undefined);
      await runBriefly(loop);
      expect(proof).toBe(1);
    }),
  );

  it(
    "test_shield_gather",
    withLoops(async (loop) => {
      const child1 = loop.createFuture<number>();
      const child2 = loop.createFuture<number>();
      const parent = gather(child1, child2);
      const outer = shield(parent);
      await runBriefly(loop);
      outer.cancel();
      await runBriefly(loop);
      expect(outer.cancelled()).toBe(true);
      child1.setResult(1);
      child2.setResult(2);
      await runBriefly(loop);
      expect(parent.result()).toEqual([1, 2]);
    }),
  );

  it(
    "test_gather_shield",
    withLoops(async (loop) => {
      const child1 = loop.createFuture<number>();
      const child2 = loop.createFuture<number>();
      const inner1 = shield(child1);
      const inner2 = shield(child2);
      const parent = gather(inner1, inner2);
      await runBriefly(loop);
      parent.cancel();
      // This should cancel inner1 and inner2 but not child1 and child2.
      await runBriefly(loop);
      // As in Python, parent.exception() is a CancelledError: parent is not cancelled.
      expect(() => parent.exception()).not.toThrow();
      expect(parent.exception()).toBeInstanceOf(asyncio.CancelledError);
      expect(inner1.cancelled()).toBe(true);
      expect(inner2.cancelled()).toBe(true);
      child1.setResult(1);
      child2.setResult(2);
      await runBriefly(loop);
    }),
  );

  it("test_shield_coroutine_without_loop", async () => {
    // Python says "no current event loop"; here a function needs a running loop.
    await assertRaises(RuntimeError, () => shield(async () => 42));
  });

  it(
    "test_shield_coroutine_use_running_loop",
    withLoops(async (loop) => {
      const outer = await loop.runUntilComplete(async () => ({ outer: shield(async () => 42) }));
      expect(outer.outer._loop).toBe(loop);
      expect(await loop.runUntilComplete(outer.outer)).toBe(42);
    }),
  );
});

describe("test_tasks.py BaseTaskTests (gather)", () => {
  it(
    "test_cancel_gather_1",
    withLoops(async (loop) => {
      // A gathering future refuses to be cancelled once all children are done.
      const fut = loop.createFuture<number>();
      const gatherTask = await loop.runUntilComplete(async () => {
        // The indirection fut->child_coro is needed since otherwise the gathering task
        // is done at the same time as the child future.
        const childCoro = async (): Promise<number> => await fut;
        const gatherFuture = gather(childCoro);
        return { future: asyncio.ensureFuture(gatherFuture) };
      });
      let cancelResult: boolean | null = null;
      fut.addDoneCallback(() => {
        cancelResult = gatherTask.future.cancel();
      });
      fut.setResult(42); // calls the cancelling callback after fut is done()
      // At this point the task should complete.
      await loop.runUntilComplete(gatherTask.future);
      // Python issue #26923: asyncio.gather drops cancellation
      expect(cancelResult).toBe(false);
      expect(gatherTask.future.cancelled()).toBe(false);
      expect(gatherTask.future.result()).toEqual([42]);
    }),
  );

  for (const [cancelArgs, expected] of [
    [[], ""],
    [[undefined], ""],
    [["my message"], "my message"],
  ] as [[string?], string][]) {
    it(
      `test_cancel_gather_2 (${JSON.stringify(cancelArgs)})`,
      withLoops(async (loop) => {
        async function test(): Promise<void> {
          let time = 0;
          for (;;) {
            time += 0.05;
            await gather(sleeper(0.05), { returnExceptions: true });
            if (time > 1) return;
          }
        }
        async function main(): Promise<void> {
          const qwe = loop.createTask(test);
          await asyncio.sleep(0.2);
          qwe.cancel(...cancelArgs);
          await qwe;
        }
        const exc = await assertRaises(asyncio.CancelledError, () => loop.runUntilComplete(main));
        expect(exc.message).toBe(expected);
      }),
    );
  }

  it(
    "test_context_3",
    withLoops(async (loop) => {
      // Run 100 Tasks in parallel, each modifying cvar (random sleeps on the virtual clock).
      const cvar = new ContextVar<number>("cvar", { default: -1 });
      let seed = 1;
      const random = (): number => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
      async function sub(num: number): Promise<void> {
        for (let i = 0; i < 10; i++) {
          cvar.set(num + i);
          await asyncio.sleep(0.001 + random() * 0.049);
          expect(cvar.get()).toBe(num + i);
        }
      }
      await loop.runUntilComplete(async () => {
        const tasks = [];
        for (let i = 0; i < 100; i++) {
          const num = Math.floor(random() * 11);
          tasks.push(loop.createTask(() => sub(num)));
        }
        await gather(...tasks);
      });
      expect(cvar.get()).toBe(-1);
    }),
  );
});

/** GatherTestsBase, for Futures (FutureGatherTests) and for functions (CoroutineGatherTests). */
for (const variant of ["FutureGatherTests", "CoroutineGatherTests"] as const) {
  type Wrapped = asyncio.Future<unknown> | (() => Promise<unknown>);
  const wrapFutures = (...futures: asyncio.Future<unknown>[]): Wrapped[] =>
    variant === "FutureGatherTests" ? futures : futures.map((fut) => async (): Promise<unknown> => await fut);
  // Boxed: an async function returning a Future would await it.
  const gatherOn = async (loop: TestLoop, args: Wrapped[], options: { returnExceptions?: boolean } = {}): Promise<{ fut: asyncio.Future<unknown[]> }> =>
    variant === "FutureGatherTests" ? { fut: gather(...args, options) } : await loop.runUntilComplete(async () => ({ fut: gather(...args, options) }));

  describe(`test_tasks.py ${variant}`, () => {
    async function checkSuccess(loop: TestLoop, options: { returnExceptions?: boolean } = {}): Promise<void> {
      const [a, b, c] = [loop.createFuture(), loop.createFuture(), loop.createFuture()];
      const { fut } = await gatherOn(loop, wrapFutures(a, b, c), options);
      const cb = mockCallback();
      fut.addDoneCallback(cb);
      b.setResult(1);
      a.setResult(2);
      await runLoop(loop);
      expect(cb.calls.length).toBe(0);
      expect(fut.done()).toBe(false);
      c.setResult(3);
      await runLoop(loop);
      expect(cb.calls).toEqual([[fut]]);
      expect(fut.result()).toEqual([2, 1, 3]);
    }

    it(
      "test_success",
      withLoops(async (loop) => {
        await checkSuccess(loop);
        await checkSuccess(loop, { returnExceptions: false });
      }),
    );

    it(
      "test_result_exception_success",
      withLoops(async (loop) => {
        await checkSuccess(loop, { returnExceptions: true });
      }),
    );

    it(
      "test_one_exception",
      withLoops(async (loop) => {
        const [a, b, c, d, e] = Array.from({ length: 5 }, () => loop.createFuture());
        const { fut } = await gatherOn(loop, wrapFutures(a, b, c, d, e));
        const cb = mockCallback();
        fut.addDoneCallback(cb);
        const exc = new ZeroDivisionError();
        a.setResult(1);
        b.setException(exc);
        await runLoop(loop);
        expect(fut.done()).toBe(true);
        expect(cb.calls).toEqual([[fut]]);
        expect(fut.exception()).toBe(exc);
        // Does nothing
        c.setResult(3);
        d.cancel();
        e.setException(new RuntimeError());
        e.exception();
      }),
    );

    it(
      "test_return_exceptions",
      withLoops(async (loop) => {
        const [a, b, c, d] = Array.from({ length: 4 }, () => loop.createFuture());
        const { fut } = await gatherOn(loop, wrapFutures(a, b, c, d), { returnExceptions: true });
        const cb = mockCallback();
        fut.addDoneCallback(cb);
        const exc = new ZeroDivisionError();
        const exc2 = new RuntimeError();
        b.setResult(1);
        c.setException(exc);
        a.setResult(3);
        await runLoop(loop);
        expect(fut.done()).toBe(false);
        d.setException(exc2);
        await runLoop(loop);
        expect(fut.done()).toBe(true);
        expect(cb.calls).toEqual([[fut]]);
        expect(fut.result()).toEqual([3, 1, exc, exc2]);
      }),
    );
  });
}

describe("test_tasks.py FutureGatherTests", () => {
  it("test_constructor_empty_sequence_without_loop", async () => {
    // Python says "no current event loop"; here gather() needs a running loop.
    await assertRaises(RuntimeError, () => gather());
  });

  it(
    "test_constructor_empty_sequence_use_running_loop",
    withLoops(async (loop) => {
      const { fut } = await loop.runUntilComplete(async () => ({ fut: gather() }));
      expect(fut).toBeInstanceOf(asyncio.Future);
      expect(fut._loop).toBe(loop);
      await runLoop(loop);
      expect(fut.done()).toBe(true);
      expect(fut.result()).toEqual([]);
    }),
  );

  it(
    "test_constructor_heterogenous_futures",
    withLoops(async (loop, other) => {
      const fut1 = loop.createFuture();
      const fut2 = other.createFuture();
      await assertRaises(ValueError, () => gather(fut1, fut2));
    }),
  );

  it(
    "test_constructor_homogenous_futures",
    withLoops(async (_loop, other) => {
      const children = [other.createFuture(), other.createFuture(), other.createFuture()];
      let fut = gather(...children);
      expect(fut._loop).toBe(other);
      await runLoop(other);
      expect(fut.done()).toBe(false);
      fut = gather(...children);
      expect(fut._loop).toBe(other);
      await runLoop(other);
      expect(fut.done()).toBe(false);
    }),
  );

  it(
    "test_one_cancellation",
    withLoops(async (loop) => {
      const [a, b, c, d, e] = Array.from({ length: 5 }, () => loop.createFuture());
      const fut = gather(a, b, c, d, e);
      const cb = mockCallback();
      fut.addDoneCallback(cb);
      a.setResult(1);
      b.cancel();
      await runLoop(loop);
      expect(fut.done()).toBe(true);
      expect(cb.calls).toEqual([[fut]]);
      expect(fut.cancelled()).toBe(false);
      expect(fut.exception()).toBeInstanceOf(asyncio.CancelledError);
      // Does nothing
      c.setResult(3);
      d.cancel();
      e.setException(new RuntimeError());
      e.exception();
    }),
  );

  it(
    "test_result_exception_one_cancellation",
    withLoops(async (loop) => {
      const [a, b, c, d, e, f] = Array.from({ length: 6 }, () => loop.createFuture());
      const fut = gather(a, b, c, d, e, f, { returnExceptions: true });
      const cb = mockCallback();
      fut.addDoneCallback(cb);
      a.setResult(1);
      const zde = new ZeroDivisionError();
      b.setException(zde);
      c.cancel();
      await runLoop(loop);
      expect(fut.done()).toBe(false);
      d.setResult(3);
      e.cancel();
      const rte = new RuntimeError();
      f.setException(rte);
      const res = await loop.runUntilComplete(fut);
      expect(res[2]).toBeInstanceOf(asyncio.CancelledError);
      expect(res[4]).toBeInstanceOf(asyncio.CancelledError);
      res[2] = res[4] = null;
      expect(res).toEqual([1, zde, null, 3, null, rte]);
      expect(cb.calls).toEqual([[fut]]);
    }),
  );
});

describe("test_tasks.py CoroutineGatherTests", () => {
  it("test_constructor_without_loop", async () => {
    const coro = async (): Promise<string> => "abc";
    // Python says "no current event loop"; here a function needs a running loop.
    await assertRaises(RuntimeError, () => gather(coro, async () => "abc"));
  });

  it("test_constructor_from_trio_code_without_loop", async () => {
    // Not in the original: Trio code has no asyncio loop outside openLoop.
    await trio.run(async () => {
      await assertRaises(RuntimeError, () => gather(async () => "abc"));
    });
  });

  it(
    "test_constructor_use_running_loop",
    withLoops(async (loop) => {
      const coro = async (): Promise<string> => "abc";
      const { fut } = await loop.runUntilComplete(async () => ({ fut: gather(coro, async () => "abc") }));
      expect(fut._loop).toBe(loop);
      await loop.runUntilComplete(fut);
    }),
  );

  it(
    "test_duplicate_coroutines",
    withLoops(async (loop) => {
      const c = async (): Promise<string> => "abc";
      const { fut } = await loop.runUntilComplete(async () => ({ fut: gather(c, c, async () => "def", c) }));
      await runLoop(loop);
      expect(fut.result()).toEqual(["abc", "abc", "def", "abc"]);
    }),
  );

  it(
    "test_cancellation_broadcast",
    withLoops(async (loop) => {
      // Cancelling outer() cancels all children.
      let proof = 0;
      const waiter = loop.createFuture();
      async function inner(): Promise<void> {
        await waiter;
        proof += 1;
      }
      const child1 = asyncio.ensureFuture(inner, { loop });
      const child2 = asyncio.ensureFuture(inner, { loop });
      let gatherer: asyncio.Future<unknown[]> | null = null;
      async function outer(): Promise<void> {
        gatherer = gather(child1, child2);
        await gatherer;
        proof += 100;
      }
      const f = asyncio.ensureFuture(outer, { loop });
      await runBriefly(loop);
      expect(f.cancel()).toBe(true);
      await assertRaises(asyncio.CancelledError, () => loop.runUntilComplete(f));
      expect(gatherer!.cancel()).toBe(false);
      expect(waiter.cancelled()).toBe(true);
      expect(child1.cancelled()).toBe(true);
      expect(child2.cancelled()).toBe(true);
      await runBriefly(loop);
      expect(proof).toBe(0);
    }),
  );

  it(
    "test_exception_marking",
    withLoops(async (loop) => {
      // The first line marked "Mark exception retrieved."
      async function inner(f: asyncio.Future<unknown>): Promise<void> {
        await f;
        throw new RuntimeError("should not be ignored");
      }
      const a = loop.createFuture();
      const b = loop.createFuture();
      async function outer(): Promise<void> {
        await gather(
          () => inner(a),
          () => inner(b),
        );
      }
      const f = asyncio.ensureFuture(outer, { loop });
      await runBriefly(loop);
      a.setResult(undefined);
      await runBriefly(loop);
      b.setResult(undefined);
      await runBriefly(loop);
      expect(f.exception()).toBeInstanceOf(RuntimeError);
    }),
  );

  it(
    "test_issue46672",
    withLoops(async (loop) => {
      // `{}` is gather's (empty) options object here: a number is the bad argument instead.
      const handlerCalls: unknown[] = [];
      loop.setExceptionHandler((_loop, context) => void handlerCalls.push(context));
      const c = async (): Promise<string> => "abc";
      await assertRaises(TypeError, () => loop.runUntilComplete(async () => void gather(c, 42 as never)));
      await runLoop(loop);
      expect(handlerCalls).toEqual([]);
    }),
  );
});
