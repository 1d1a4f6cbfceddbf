// trio.toThread: ports of python-trio/trio src/trio/_tests/test_threads.py (the
// to_thread cases), plus what is specific to worker threads (jobs shipped by source or
// by module reference, structured cloning, the pool). Threads coordinate with the test
// through SharedArrayBuffers (Atomics.wait / notify), where Trio's tests use
// threading.Event and queue.Queue.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import * as trioModule from "../../src/trio/index.js";
import { FlavorError } from "../../src/flavor/flavor-error.js";
import { RuntimeError, ValueError } from "../../src/errors/builtins.js";
import { poolSettings, poolStatistics } from "../../src/trio/worker-pool.js";

// Local names: vitest rewrites references to imported bindings, including inside the
// source of the functions these tests ship to other threads.
const trio = trioModule;
const { fromThread } = trio;
const { runSync, currentDefaultThreadLimiter } = trio.toThread;
const { waitAllTasksBlocked, MockClock, assertNoCheckpoints } = trio.testing;

const FIXTURE = path.join(import.meta.dirname, "fixtures/thread-jobs.mjs");
const root = path.resolve(import.meta.dirname, "../..");

/** Shared slots: [0] a gate a job blocks on, the others free for the test. */
function newShared(slots = 4): Int32Array {
  return new Int32Array(new SharedArrayBuffer(slots * 4));
}

function openGate(shared: Int32Array, index = 0): void {
  Atomics.store(shared, index, 1);
  Atomics.notify(shared, index);
}

/** A job that reports "blocking" in slot 1, waits for the gate, then reports "finished". */
function blockingJob(shared: Int32Array): string {
  Atomics.store(shared, 1, 1);
  Atomics.wait(shared, 0, 0);
  Atomics.store(shared, 1, 2);
  return "finished";
}

/** Polls in short real sleeps (inside a run on the system clock) until `done()`. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; !done(); i++) {
    if (i > 2500) throw new Error("until(): gave up waiting");
    await trio.sleep(0.002);
  }
}

/** The same, outside any run. */
async function untilOutside(done: () => boolean): Promise<void> {
  for (let i = 0; !done(); i++) {
    if (i > 2500) throw new Error("untilOutside(): gave up waiting");
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

async function caught(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("trio.toThread.runSync: running jobs", () => {
  it("runs the job in a worker thread and returns its result (test_run_in_worker_thread)", async () => {
    await trio.run(async () => {
      const tid = await runSync({ module: FIXTURE, export: "threadId" });
      expect(tid).toBeGreaterThan(0);
      const value = await runSync(
        (x: { date: Date; map: Map<number, string>; bytes: Uint8Array }, n: number) => ({
          year: x.date.getUTCFullYear(),
          entries: [...x.map],
          sum: x.bytes.reduce((a, b) => a + b, 0) + n,
          back: new Set([n]),
        }),
        { date: new Date(0), map: new Map([[1, "a"]]), bytes: new Uint8Array([1, 2]) },
        3,
      );
      expect(value).toEqual({ year: 1970, entries: [[1, "a"]], sum: 6, back: new Set([3]) });
    });
  });

  it("awaits an async job in the worker", async () => {
    await trio.run(async () => {
      const value = await runSync(async (x: number) => {
        await new Promise((resolve) => setTimeout(resolve, 2));
        return x * 2;
      }, 21);
      expect(value).toBe(42);
      expect(await runSync({ module: FIXTURE, export: "later" }, "ok")).toBe("later ok");
    });
  });

  it("errors come back with their name, message, stack, cause and own data", async () => {
    await trio.run(async () => {
      const typeError = await caught(
        runSync(function failing() {
          throw new TypeError("bad thing");
        }),
      );
      expect(typeError).toBeInstanceOf(TypeError);
      expect(typeError.message).toBe("bad thing");
      expect(typeError.stack).toMatch(/^TypeError: bad thing\n/);
      expect(typeError.stack).toContain("failing");

      const custom = await caught(runSync({ module: FIXTURE, export: "throwCustom" }, "custom"));
      expect(custom).toBeInstanceOf(Error);
      expect([custom.name, custom.message, custom.code]).toEqual(["CustomError", "custom", "E_CUSTOM"]);
      expect(custom.stack).toMatch(/^CustomError: custom\n.*throwCustom/s);

      const chained = await caught(
        runSync(() => {
          throw new Error("outer", { cause: new RangeError("inner") });
        }),
      );
      expect(chained.message).toBe("outer");
      expect(chained.cause).toBeInstanceOf(RangeError);
      expect(chained.cause.message).toBe("inner");

      const aggregate = await caught(
        runSync(() => {
          throw new AggregateError([new URIError("u"), 7], "several");
        }),
      );
      expect(aggregate).toBeInstanceOf(AggregateError);
      expect(aggregate.errors[0]).toBeInstanceOf(URIError);
      expect(aggregate.errors[1]).toBe(7);

      // Thrown values that are not errors come back as values.
      expect(
        await caught(
          runSync(() => {
            throw { reason: "plain object" };
          }),
        ),
      ).toEqual({ reason: "plain object" });
      expect(
        await caught(
          runSync(() => {
            throw "a string";
          }),
        ),
      ).toBe("a string");
    });
  });

  it("a job that uses variables of its scope fails with a ReferenceError that says why", async () => {
    await trio.run(async () => {
      const secret = 41;
      const error = await caught(runSync(() => secret + 1));
      expect(error).toBeInstanceOf(ReferenceError);
      expect(error.message).toMatch(/^secret is not defined in the worker thread: trio\.toThread\.runSync\(\) ships an anonymous function by source/);
      expect(error.message).toContain("closures and imports do not cross threads");
      expect(error.message).toContain("pass values as arguments, or use { module, export }");
      expect(error.cause).toBeInstanceOf(ReferenceError);
      expect(error.stack).toMatch(/^ReferenceError: secret is not defined in the worker thread/);
      // The fix: pass the value.
      expect(await runSync((s: number) => s + 1, secret)).toBe(42);
      // A ReferenceError for a name the job's source does not mention is left alone.
      const other = await caught(
        runSync(() => {
          throw new ReferenceError(`${["not", "Mentioned"].join("")} is not defined`);
        }),
      );
      expect(other.message).toBe("notMentioned is not defined");
    });
  });

  it("rejects bad jobs and options at once, before any checkpoint", async () => {
    await trio.run(async () => {
      const limiter = currentDefaultThreadLimiter();
      const rejects = async (call: () => Promise<unknown>, pattern: RegExp): Promise<void> => {
        const error = await caught(assertNoCheckpoints(call));
        expect(error).toBeInstanceOf(TypeError);
        expect(error.message).toMatch(pattern);
      };
      const run = runSync as (...args: unknown[]) => Promise<unknown>;
      await rejects(() => run(Promise.resolve(1)), /got a Promise: pass the function itself/);
      await rejects(() => run(42), /needs a function, or a \{ module, export \} reference to an exported function; got number 42/);
      await rejects(() => run(null), /got null/);
      await rejects(() => run({}), /got undefined/);
      await rejects(() => run(Math.max), /function max is a native or bound function, whose source cannot be shipped/);
      await rejects(() => run(function f() {}.bind(null)), /native or bound function/);
      // eslint-disable-next-line @typescript-eslint/unbound-method -- methods are what this checks
      const shorthand = { method(x: number) { return x; } }.method;
      await rejects(() => run(shorthand), /the source of function method does not evaluate as a function expression.*shorthand form/);
      class K {
        m(): number {
          return 1;
        }
      }
      // eslint-disable-next-line @typescript-eslint/unbound-method -- methods are what this checks
      await rejects(() => run(K.prototype.m), /shorthand form/);
      // eslint-disable-next-line @typescript-eslint/unbound-method -- methods are what this checks
      const getter = Object.getOwnPropertyDescriptor({ get g() { return 1; } }, "g")!.get!;
      await rejects(() => run(getter), /does not evaluate as a function expression/);
      await rejects(() => run({ abandon_on_cancel: true }, () => 1), /unknown option "abandon_on_cancel"/);
      await rejects(() => run({ abandonOnCancel: "yes" }, () => 1), /abandonOnCancel must be a boolean, got the string "yes"/);
      await rejects(() => run({ limiter: {} }, () => 1), /limiter must be a trio\.CapacityLimiter/);
      await rejects(() => run({ module: 42 }), /module must be a file path or a file URL/);
      await rejects(() => run({ module: FIXTURE, export: 3 }), /export must be the name of an exported function/);
      expect(limiter.borrowedTokens).toBe(0);
    });
  });

  it("runs exported functions: absolute path, file URL, relative path (against process.cwd()), default export", async () => {
    await trio.run(async () => {
      expect(await runSync({ module: FIXTURE, export: "add" }, 2, 3)).toBe(5);
      expect(await runSync({ module: pathToFileURL(FIXTURE) }, 21)).toBe(42);
      expect(await runSync({ module: pathToFileURL(FIXTURE).href, export: "add" }, 1, 1)).toBe(2);
      expect(await runSync({ module: path.relative(process.cwd(), FIXTURE), export: "add" }, 3, 4)).toBe(7);
      const missing = await caught(runSync({ module: FIXTURE, export: "nope" }));
      expect(missing).toBeInstanceOf(TypeError);
      expect(missing.message).toMatch(/^export "nope" of file:.*thread-jobs\.mjs is missing; the module exports these functions: .*add/);
      const notFunction = await caught(runSync({ module: FIXTURE, export: "notAFunction" }));
      expect(notFunction.message).toMatch(/is not a function \(number 42\)/);
      const noModule = await caught(runSync({ module: path.join(root, "no/such/module.mjs") }));
      expect(noModule.code).toBe("ERR_MODULE_NOT_FOUND");
    });
  });

  it("arguments and results must be structured-cloneable; the token comes back either way", async () => {
    await trio.run(async () => {
      const limiter = currentDefaultThreadLimiter();
      const badArgs = await caught(runSync((f: unknown) => typeof f, () => 1));
      expect(badArgs).toBeInstanceOf(TypeError);
      expect(badArgs.message).toMatch(/^trio\.toThread\.runSync\(\): the arguments for an anonymous function could not be sent to the worker thread/);
      expect(limiter.borrowedTokens).toBe(0);
      const badResult = await caught(runSync(() => () => 1));
      expect(badResult).toBeInstanceOf(TypeError);
      expect(badResult.message).toMatch(/the job's result could not be sent back to the Trio thread \(it must be structured-cloneable\)/);
      expect(limiter.borrowedTokens).toBe(0);
    });
  });

  it("a worker that dies fails its job with a clear error, and is replaced", async () => {
    await trio.run(async () => {
      const exited = await caught(
        runSync(() => {
          process.exit(3);
        }),
      );
      expect(exited).toBeInstanceOf(RuntimeError);
      expect(exited.message).toMatch(/^trio\.toThread\.runSync\(\): the worker thread running an anonymous function exited \(exit code 3\) before the job finished/);
      const crashed = await caught(
        runSync(async () => {
          setTimeout(() => {
            throw new Error("boom");
          }, 0);
          return new Promise(() => {});
        }),
      );
      expect(crashed).toBeInstanceOf(RuntimeError);
      expect(crashed.message).toMatch(/crashed: an error escaped the job \(uncaught Error: boom;/);
      expect(crashed.cause.message).toBe("boom");
      expect(await runSync((x: number) => x + 1, 1)).toBe(2);
      expect(currentDefaultThreadLimiter().borrowedTokens).toBe(0);
    });
  });

  it("is Trio-flavored", async () => {
    await expect(runSync(() => 1)).rejects.toThrow(FlavorError);
    expect(() => currentDefaultThreadLimiter()).toThrow(RuntimeError);
  });
});

describe("trio.toThread.runSync: limiters", () => {
  it("takes one token of the run's default limiter (40 tokens) per job, until the job is done", async () => {
    let first: unknown;
    await trio.run(async () => {
      const limiter = currentDefaultThreadLimiter();
      first = limiter;
      expect(limiter).toBeInstanceOf(trio.CapacityLimiter);
      expect(limiter.totalTokens).toBe(40);
      expect(currentDefaultThreadLimiter()).toBe(limiter);
      // Seen from the Trio thread while the job runs.
      const seen = await runSync(() =>
        fromThread.runSync(() => {
          const stats = trio.toThread.currentDefaultThreadLimiter().statistics();
          return [stats.borrowedTokens, String(stats.borrowers[0])];
        }),
      );
      expect(seen[0]).toBe(1);
      expect(seen[1]).toMatch(/^<thread placeholder trio\.toThread\.runSync-\d+>$/);
      expect(limiter.statistics()).toEqual({ borrowedTokens: 0, totalTokens: 40, borrowers: [], tasksWaiting: 0 });
    });
    await trio.run(async () => {
      expect(currentDefaultThreadLimiter()).not.toBe(first);
    });
  });

  it("calls only acquireOnBehalfOf and releaseOnBehalfOf of a custom limiter (test_run_in_worker_thread_custom_limiter)", async () => {
    const record: string[] = [];
    let borrowed: unknown;
    const custom = {
      async acquireOnBehalfOf(borrower: unknown) {
        record.push("acquire");
        borrowed = borrower;
      },
      releaseOnBehalfOf(borrower: unknown) {
        record.push("release");
        expect(borrower).toBe(borrowed);
      },
    };
    await trio.run(async () => {
      await runSync({ limiter: custom }, () => null);
    });
    expect(record).toEqual(["acquire", "release"]);
  });

  it("an error from releaseOnBehalfOf replaces the outcome (test_run_in_worker_thread_limiter_error)", async () => {
    let record: string[] = [];
    const bad = {
      async acquireOnBehalfOf() {
        record.push("acquire");
      },
      releaseOnBehalfOf() {
        record.push("release");
        throw new ValueError("release on behalf");
      },
    };
    await trio.run(async () => {
      const error = await caught(runSync({ limiter: bad }, () => null));
      expect(error).toEqual(new ValueError("release on behalf"));
      expect(error.cause).toBeUndefined();
      expect(record).toEqual(["acquire", "release"]);
      record = [];
      // The job's own error is chained, as Python chains __context__.
      const chained = await caught(
        runSync({ limiter: bad }, () => {
          throw new RangeError("x");
        }),
      );
      expect(chained).toBeInstanceOf(ValueError);
      expect(chained.cause).toBeInstanceOf(RangeError);
      expect(record).toEqual(["acquire", "release"]);
    });
  });

  for (const cancel of [false, true]) {
    for (const useDefault of [false, true]) {
      it(`never runs more than MAX jobs at once (test_run_in_worker_thread_limiter, cancel=${cancel}, default limiter=${useDefault})`, async () => {
        const MAX = 3;
        const COUNT = 2 * MAX;
        // [0] gate, [1] ran, [2] running, [3] high water, [4] parked
        const state = newShared(5);
        const scopes: trioModule.CancelScope[] = [];
        (globalThis as any).__limiterTestScopes = scopes;
        function threadFn(shared: Int32Array, index: number): void {
          fromThread.runSync((i: number) => (globalThis as any).__limiterTestScopes[i].cancel(), index);
          Atomics.add(shared, 1, 1);
          const running = Atomics.add(shared, 2, 1) + 1;
          for (let high = Atomics.load(shared, 3); running > high; high = Atomics.load(shared, 3)) {
            if (Atomics.compareExchange(shared, 3, high, running) === high) break;
          }
          Atomics.add(shared, 4, 1);
          Atomics.wait(shared, 0, 0);
          Atomics.sub(shared, 4, 1);
          Atomics.sub(shared, 2, 1);
        }
        await trio.run(async () => {
          const c = useDefault ? currentDefaultThreadLimiter() : new trio.CapacityLimiter(MAX);
          if (useDefault) c.totalTokens = MAX;
          const events: trioModule.Event[] = [];
          await trio.openNursery(async (nursery) => {
            for (let i = 0; i < COUNT; i++) {
              const event = new trio.Event();
              const scope = new trio.CancelScope();
              events.push(event);
              scopes.push(scope);
              nursery.startSoon(async () => {
                await scope.run(() => runSync({ abandonOnCancel: cancel, limiter: useDefault ? undefined : c }, threadFn, state, i));
                event.set();
              });
              await waitAllTasksBlocked();
            }
            if (cancel) {
              // The cancelled tasks must not give their tokens back before their threads finish.
              await events[0].wait();
              await waitAllTasksBlocked();
            }
            await until(() => Atomics.load(state, 4) === MAX && c.statistics().tasksWaiting === MAX);
            openGate(state);
          });
          expect(Atomics.load(state, 3)).toBe(MAX);
          if (cancel) await until(() => c.borrowedTokens === 0);
          expect(Atomics.load(state, 1)).toBe(COUNT);
          expect(Atomics.load(state, 2)).toBe(0);
          expect(scopes.map((s) => s.cancelledCaught)).toEqual(Array(COUNT).fill(cancel));
        });
        delete (globalThis as any).__limiterTestScopes;
      });
    }
  }
});

describe("trio.toThread.runSync: cancellation", () => {
  async function child(events: string[], shared: Int32Array, abandonOnCancel: boolean): Promise<void> {
    events.push("start");
    try {
      events.push(`returned ${await runSync({ abandonOnCancel }, blockingJob, shared)}`);
      await trio.checkpoint();
      events.push("not reached: the next checkpoint raises");
    } catch (error) {
      events.push(error instanceof trio.Cancelled ? "cancelled" : `error ${String(error)}`);
      throw error;
    } finally {
      events.push("exit");
    }
  }

  it("abandonOnCancel: the caller gets Cancelled at once, the job runs on, its token is held until it ends", async () => {
    const events: string[] = [];
    const shared = newShared();
    await trio.run(async () => {
      const limiter = currentDefaultThreadLimiter();
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(child, events, shared, true);
        await waitAllTasksBlocked();
        expect(events).toEqual(["start"]);
        nursery.cancelScope.cancel();
      });
      // The task exited, but the thread did not.
      expect(events).toEqual(["start", "cancelled", "exit"]);
      await until(() => Atomics.load(shared, 1) === 1);
      expect(limiter.borrowedTokens).toBe(1);
      openGate(shared);
      await until(() => limiter.borrowedTokens === 0);
      expect(Atomics.load(shared, 1)).toBe(2);
    });
  });

  it("by default a cancel waits for the job: its result is returned and the next checkpoint raises", async () => {
    const events: string[] = [];
    const shared = newShared();
    await trio.run(async () => {
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(child, events, shared, false);
        await waitAllTasksBlocked();
        nursery.cancelScope.cancel();
        await new trio.CancelScope({ shield: true }).run(async () => {
          for (let i = 0; i < 10; i++) await trio.checkpoint();
        });
        // It is still running.
        expect(events).toEqual(["start"]);
        openGate(shared);
      });
    });
    expect(events).toEqual(["start", "returned finished", "cancelled", "exit"]);
  });

  it("a cancel before the call is a cancellation at entry: no job starts", async () => {
    const events: string[] = [];
    const shared = newShared();
    await trio.run(async () => {
      const scope = new trio.CancelScope();
      await scope.run(async () => {
        scope.cancel();
        await child(events, shared, false);
      });
      expect(scope.cancelledCaught).toBe(true);
      expect(currentDefaultThreadLimiter().borrowedTokens).toBe(0);
    });
    expect(events).toEqual(["start", "cancelled", "exit"]);
    expect(Atomics.load(shared, 1)).toBe(0);
  });

  it("with MockClock: a timeout abandons the job at once, in virtual time", async () => {
    const events: string[] = [];
    const shared = newShared();
    const clock = new MockClock({ autojumpThreshold: 0 });
    await trio.run({ clock }, async () => {
      await trio.moveOnAfter(5, async () => {
        await runSync({ abandonOnCancel: true }, blockingJob, shared);
        events.push("not reached");
      });
      events.push(`timed out at ${trio.currentTime()}`);
      openGate(shared);
    });
    expect(events).toEqual(["timed out at 5"]);
  });

  it("with MockClock: a timeout without abandonOnCancel waits for the job, then the next checkpoint raises", async () => {
    const events: string[] = [];
    const shared = newShared();
    const clock = new MockClock({ autojumpThreshold: 0 });
    await trio.run({ clock }, async () => {
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          await trio.sleep(2);
          events.push(`gate opened at ${trio.currentTime()}`);
          openGate(shared);
        });
        const scope = new trio.CancelScope({ relativeDeadline: 1 });
        await scope.run(async () => {
          events.push(`returned ${await runSync(blockingJob, shared)} at ${trio.currentTime()}`);
          await trio.checkpoint();
          events.push("not reached");
        });
        events.push(`cancelledCaught ${scope.cancelledCaught}`);
      });
    });
    expect(events).toEqual(["gate opened at 2", "returned finished at 2", "cancelledCaught true"]);
  });
});

describe("trio.toThread.runSync: the end of the run", () => {
  it("a job that is not abandoned holds the run open until it finishes", async () => {
    const events: string[] = [];
    const shared = newShared();
    const result = trio.run(async () => {
      trio.lowlevel.spawnSystemTask(async () => {
        try {
          events.push(`system task got ${await runSync(blockingJob, shared)}`);
        } catch (error) {
          events.push(`system task error ${String(error)}`);
          throw error;
        }
      });
      await waitAllTasksBlocked();
      events.push("main done");
    });
    let settled = false;
    void result.then(() => (settled = true));
    await untilOutside(() => events.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(settled).toBe(false);
    expect(events).toEqual(["main done"]);
    openGate(shared);
    await result;
    // Shutdown cancelled the system task, but the job's result arrived first; the
    // Cancelled would surface at its next checkpoint.
    expect(events).toEqual(["main done", "system task got finished"]);
  });

  it("an abandoned job does not keep the run alive; its late outcome is dropped quietly", async () => {
    const shared = newShared();
    const warnings: unknown[] = [];
    const onWarning = (w: unknown): number => warnings.push(w);
    process.on("warning", onWarning);
    try {
      let limiter: trioModule.CapacityLimiter | undefined;
      await trio.run(async () => {
        limiter = currentDefaultThreadLimiter();
        trio.lowlevel.spawnSystemTask(async () => {
          await runSync({ abandonOnCancel: true }, blockingJob, shared);
        });
        await waitAllTasksBlocked();
      });
      await untilOutside(() => Atomics.load(shared, 1) === 1);
      const idleBefore = poolStatistics().idle;
      openGate(shared);
      await untilOutside(() => poolStatistics().idle === idleBefore + 1);
      // As in Trio, the token of a thread that outlives its run is never given back.
      expect(limiter!.borrowedTokens).toBe(1);
      expect(warnings).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });
});

describe("the worker pool", () => {
  it("reuses workers: sequential jobs run on one thread, concurrent ones on at most as many as run at once", async () => {
    await trio.run(async () => {
      const sequential: number[] = [];
      for (let i = 0; i < 10; i++) sequential.push((await runSync({ module: FIXTURE, export: "threadId" })) as number);
      expect(new Set(sequential).size).toBe(1);
      const concurrent: number[] = [];
      const limiter = new trio.CapacityLimiter(3);
      await trio.openNursery(async (nursery) => {
        for (let i = 0; i < 12; i++) {
          nursery.startSoon(async () => {
            concurrent.push((await runSync({ limiter }, { module: FIXTURE, export: "threadId" })) as number);
          });
        }
      });
      expect(concurrent).toHaveLength(12);
      expect(new Set(concurrent).size).toBeLessThanOrEqual(3);
      // Worker state persists between jobs (a module cache, globals).
      await runSync(() => ((globalThis as any).__kept = "kept"));
      expect(await runSync(() => (globalThis as any).__kept)).toBe("kept");
    });
  });

  it("idle workers exit after the idle timeout", async () => {
    const saved = poolSettings.idleTimeoutMs;
    poolSettings.idleTimeoutMs = 5;
    try {
      const tid = (await trio.run(() => runSync({ module: FIXTURE, export: "threadId" }))) as number;
      expect(poolStatistics().threadIds).toContain(tid);
      await untilOutside(() => !poolStatistics().threadIds.includes(tid));
    } finally {
      poolSettings.idleTimeoutMs = saved;
    }
  });

  /** Runs `body` (an async function's body, with `trio` from the built package) in a new Node process. */
  async function nodeProcess(type: "module" | "commonjs", body: string): Promise<{ output: string; ms: number }> {
    const load = type === "module" ? 'const { trio } = await import("trio-asyncio");' : 'const { trio } = require("trio-asyncio");';
    const code = `(async () => { ${load} ${body} })();`;
    const started = Date.now();
    const output = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        [type === "module" ? "--input-type=module" : "--input-type=commonjs", "-e", code],
        { cwd: root, timeout: 8000, encoding: "utf8" },
        (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
      );
    });
    return { output: output.trim(), ms: Date.now() - started };
  }

  const built = existsSync(path.join(root, "dist/index.js"));
  for (const type of ["module", "commonjs"] as const) {
    it.runIf(built)(`idle workers do not keep the process alive (built package, ${type})`, async () => {
      const { output, ms } = await nodeProcess(
        type,
        'console.log("result", await trio.run(async () => trio.toThread.runSync((a, b) => a + b, 2, 3)));',
      );
      expect(output).toBe("result 5");
      // The idle timeout is 10 s: exiting well before it means the idle worker was unref'd.
      expect(ms).toBeLessThan(5000);
    });
  }

  it.runIf(built)("a worker running an abandoned job does not keep the process alive (built package)", async () => {
    const { output, ms } = await nodeProcess(
      "module",
      `await trio.run(async () => {
        await trio.moveOnAfter(0.02, () =>
          trio.toThread.runSync({ abandonOnCancel: true }, (gate) => Atomics.wait(gate, 0, 0), new Int32Array(new SharedArrayBuffer(4))),
        );
      });
      console.log("run over");`,
    );
    expect(output).toBe("run over");
    expect(ms).toBeLessThan(5000);
  });
});
