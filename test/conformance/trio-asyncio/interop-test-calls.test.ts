// Ported from python-trio/trio-asyncio tests/interop/test_calls.py (TestCalls), with the
// `loop` fixture of tests/conftest.py (`async with open_loop() as loop`): each test runs
// in `trio.run` + `openLoop` on a MockClock with autojump, so the original's real sleeps
// (0.01 s) take no time. Python's coroutine objects become functions, `partial(...)`
// becomes an arrow function, `async with` becomes `asyncWith(cm, body)`, and
// `pytest.raises` becomes `raises()` below. Every test of the file is ported.
import { describe, expect, it } from "vitest";
import * as asyncio from "../../../src/asyncio/index.js";
import { aioAsTrio, openLoop, runAioGenerator, trioAsAio, type TrioEventLoop } from "../../../src/decorators/index.js";
import { RuntimeError } from "../../../src/errors/builtins.js";
import { ExceptionGroup } from "../../../src/errors/exception-group.js";
import { currentAsyncLibrary } from "../../../src/flavor/sniffio.js";
import { asyncWith, type AsyncContextManager } from "../../../src/loop/async-context-manager.js";
import * as trio from "../../../src/trio/index.js";

// A test that hangs (it waits on virtual time that never comes) fails in seconds, not 20.
const HANG = { timeout: 5000 };

/** The `loop` fixture: a Trio run (on virtual time) with an open loop around the test. */
function withLoop(body: (loop: TrioEventLoop) => Promise<void>): Promise<void> {
  return trio.run({ clock: new trio.testing.MockClock({ autojumpThreshold: 0 }) }, () => openLoop(body));
}

/** `pytest.raises(cls)`: runs `fn`, checks that it throws a `cls`, returns the error. */
async function raises<E>(cls: abstract new (...args: any[]) => E, fn: () => PromiseLike<unknown>): Promise<E> {
  let result: unknown;
  try {
    result = await fn();
  } catch (error) {
    expect(error).toBeInstanceOf(cls);
    return error as E;
  }
  throw new Error(`expected ${cls.name} to be thrown, got the value ${String(result)}`);
}

class Seen {
  flag = 0;
}

async function asyncGenToList<T>(generator: AsyncIterable<T>): Promise<T[]> {
  const result: T[] = [];
  for await (const item of generator) result.push(item);
  return result;
}

/** The test instance's `did_it` attribute, which the context managers step through. */
interface Parent {
  didIt: number;
}

class TrioContext implements AsyncContextManager<TrioContext> {
  constructor(readonly parent: Parent) {}

  async aenter(): Promise<TrioContext> {
    expect(this.parent.didIt).toBe(0);
    this.parent.didIt = 1;
    expect(currentAsyncLibrary()).toBe("trio");
    await trio.sleep(0.01);
    this.parent.didIt = 2;
    return this;
  }

  async aexit(): Promise<void> {
    expect(this.parent.didIt).toBe(3);
    this.parent.didIt = 4;
  }
}

class AioContext implements AsyncContextManager<AioContext> {
  constructor(
    readonly parent: Parent,
    readonly loop: TrioEventLoop,
  ) {}

  async aenter(): Promise<AioContext> {
    expect(this.parent.didIt).toBe(0);
    this.parent.didIt = 1;
    expect(currentAsyncLibrary()).toBe("asyncio");
    await asyncio.sleep(0.01);
    this.parent.didIt = 2;
    return this;
  }

  async aexit(): Promise<void> {
    expect(this.parent.didIt).toBe(3);
    this.parent.didIt = 4;
  }
}

type AnyAsync = (...args: any[]) => unknown;

/** Called from Trio: runs the asyncio-flavored `proc(...args)`. */
async function callTA(proc: AnyAsync, args: unknown[], loop?: TrioEventLoop): Promise<unknown> {
  return aioAsTrio(proc, { loop })(...args);
}

/** Called from asyncio: runs the Trio-flavored `proc(...args)`. */
async function callAT(proc: AnyAsync, args: unknown[], loop?: TrioEventLoop): Promise<unknown> {
  return trioAsAio(proc, { loop })(...args);
}

/** Called from asyncio: calls the sync `proc(...args)`. */
async function callATs(proc: AnyAsync, args: unknown[]): Promise<unknown> {
  return proc(...args);
}

describe("TestCalls", HANG, () => {
  it("test_call_at", async () => {
    await withLoop(async (loop) => {
      const delay = async (t: number): Promise<void> => {
        const done = new asyncio.Event();
        loop.callAt(t, () => done.set());
        await done.wait();
      };
      const t = loop.time() + 0.1;
      await aioAsTrio(delay, { loop })(t);
      expect(loop.time()).toBeGreaterThanOrEqual(t);
    });
  });

  it("test_asyncio_trio", async () => {
    await withLoop(async (loop) => {
      const dlyTrio = async (seen: Seen): Promise<number> => {
        await trio.sleep(0.01);
        seen.flag |= 2;
        return 8;
      };
      const seen = new Seen();
      const res = await aioAsTrio((proc: AnyAsync, s: Seen) => callAT(proc, [s], loop), { loop })(dlyTrio, seen);
      expect(res).toBe(8);
      expect(seen.flag).toBe(2);
    });
  });

  it("test_call_asyncio_ctx", async () => {
    await withLoop(async (loop) => {
      const self: Parent = { didIt: 0 };
      await asyncWith(aioAsTrio(new AioContext(self, loop), { loop }), async (ctx) => {
        expect(ctx.parent).toBe(self);
        expect(self.didIt).toBe(2);
        self.didIt = 3;
      });
      expect(self.didIt).toBe(4);
    });
  });

  it("test_call_trio_ctx", async () => {
    await withLoop(async (loop) => {
      const self: Parent = { didIt: 0 };
      const callTrioCtx = async (): Promise<void> => {
        self.didIt = 0;
        await asyncWith(trioAsAio(new TrioContext(self)), async (ctx) => {
          expect(ctx.parent).toBe(self);
          expect(self.didIt).toBe(2);
          self.didIt = 3;
        });
        expect(self.didIt).toBe(4);
      };
      await aioAsTrio(callTrioCtx, { loop })();
      expect(self.didIt).toBe(4);
    });
  });

  it("test_asyncio_trio_sync", async () => {
    await withLoop(async (loop) => {
      const dlyTrio = (seen: Seen): number => {
        seen.flag |= 2;
        return 8;
      };
      const seen = new Seen();
      const res = await aioAsTrio((proc: AnyAsync, s: Seen) => callATs(proc, [s]), { loop })(dlyTrio, seen);
      expect(res).toBe(8);
      expect(seen.flag).toBe(2);
    });
  });

  it("test_trio_asyncio", async () => {
    await withLoop(async (loop) => {
      const dlyAsyncio = async (seen: Seen): Promise<number> => {
        await asyncio.sleep(0.01);
        seen.flag |= 1;
        return 4;
      };
      const seen = new Seen();
      const res = await callTA(dlyAsyncio, [seen], loop);
      expect(res).toBe(4);
      expect(seen.flag).toBe(1);
    });
  });

  it("test_asyncio_trio_error", async () => {
    await withLoop(async (loop) => {
      const errTrio = async (): Promise<never> => {
        await trio.sleep(0.01);
        throw new RuntimeError("I has another owie");
      };
      const err = await raises(RuntimeError, () => aioAsTrio((proc: AnyAsync) => callAT(proc, [], loop), { loop })(errTrio));
      expect(err.message).toBe("I has another owie");
    });
  });

  it("test_asyncio_trio_sync_error", async () => {
    await withLoop(async (loop) => {
      const errTrioSync = (): never => {
        loop.time(); // verify that the loop is running
        throw new RuntimeError("I has more owie");
      };
      const err = await raises(RuntimeError, () => aioAsTrio((proc: AnyAsync) => callATs(proc, []), { loop })(errTrioSync));
      expect(err.message).toBe("I has more owie");
    });
  });

  it("test_trio_asyncio_error", async () => {
    await withLoop(async (loop) => {
      const errAsyncio = async (): Promise<never> => {
        await asyncio.sleep(0.01);
        throw new RuntimeError("I has an owie");
      };
      const err = await raises(RuntimeError, () => callTA(errAsyncio, [], loop));
      expect(err.message).toBe("I has an owie");
    });
  });

  it("test_asyncio_trio_cancel_out", async () => {
    await withLoop(async (loop) => {
      const cancelledTrio = async (seen: Seen): Promise<void> => {
        seen.flag |= 1;
        await trio.sleep(0.01);
        // The innermost scope of the Trio task: the one trioAsAio runs the call in.
        const scope = trio.lowlevel.currentTask()._cancelStatus!._scope;
        scope.cancel();
        seen.flag |= 2;
        await trio.sleep(0.01);
        seen.flag |= 4;
      };
      const seen = new Seen();
      await raises(asyncio.CancelledError, () =>
        aioAsTrio((proc: AnyAsync, s: Seen) => callAT(proc, [s], loop), { loop })(cancelledTrio, seen),
      );
      expect(seen.flag).toBe(3);
    });
  });

  it("test_trio_asyncio_cancel_out", async () => {
    await withLoop(async (loop) => {
      const cancelledAsyncio = async (seen: Seen): Promise<unknown> => {
        seen.flag |= 1;
        await asyncio.sleep(0.01);
        const f = new asyncio.Future();
        f.cancel();
        return f.result(); // raises error
      };
      const cancelledFuture = (seen: Seen): asyncio.Future => {
        seen.flag |= 1;
        const f = new asyncio.Future();
        f.cancel();
        return f; // contains error
      };
      const checkCancel = async (proc: AnyAsync, seen: Seen): Promise<void> => {
        const scope = new trio.CancelScope();
        await scope.run(async () => {
          await raises(asyncio.CancelledError, () => callTA(proc, [seen], loop));
        });
        expect(scope.cancelCalled).toBe(false);
        seen.flag |= 4;
      };

      let seen = new Seen();
      await checkCancel(cancelledFuture, seen);
      expect(seen.flag).toBe(1 | 4);

      seen = new Seen();
      await checkCancel(cancelledAsyncio, seen);
      expect(seen.flag).toBe(1 | 4);
    });
  });

  it("test_asyncio_trio_cancel_in", async () => {
    await withLoop(async (loop) => {
      const inTrio = async (started: asyncio.Event, seen: Seen): Promise<void> => {
        started.set();
        try {
          await trio.sleep(1);
          seen.flag |= 4;
        } catch (error) {
          if (error instanceof trio.Cancelled) seen.flag |= 1;
          throw error;
        } finally {
          seen.flag |= 2;
        }
      };
      const cancelAsyncio = async (seen: Seen): Promise<void> => {
        const started = new asyncio.Event();
        const f = asyncio.ensureFuture(() => callAT(inTrio, [started, seen], loop));
        await started.wait();
        f.cancel();
        await raises(asyncio.CancelledError, () => f);
        seen.flag |= 8;
      };
      const seen = new Seen();
      await aioAsTrio(cancelAsyncio, { loop })(seen);
      expect(seen.flag).toBe(1 | 2 | 8);
    });
  });

  it("test_trio_asyncio_cancel_in", async () => {
    await withLoop(async (loop) => {
      const inAsyncio = async (started: trio.Event, seen: Seen): Promise<void> => {
        started.set();
        try {
          await asyncio.sleep(9999);
          seen.flag |= 4;
        } catch (error) {
          if (error instanceof asyncio.CancelledError) seen.flag |= 1;
          else if (error instanceof trio.Cancelled) seen.flag |= 16;
          else throw error;
        } finally {
          seen.flag |= 2;
        }
      };
      const cancelTrio = async (seen: Seen): Promise<void> => {
        const started = new trio.Event();
        await trio.openNursery(async (nursery) => {
          nursery.startSoon((...args: unknown[]) => callTA(inAsyncio, args, loop), started, seen);
          await started.wait();
          nursery.cancelScope.cancel();
        });
        seen.flag |= 8;
      };
      const seen = new Seen();
      await cancelTrio(seen);
      expect(seen.flag).toBe(1 | 2 | 8);
    });
  });

  it("test_trio_asyncio_cancel_direct", async () => {
    await withLoop(async (loop) => {
      const inAsyncio = (_started: trio.Event, seen: Seen): never => {
        // This is intentionally not async
        seen.flag |= 1;
        throw new asyncio.CancelledError();
      };
      const cancelTrio = async (seen: Seen): Promise<void> => {
        const started = new trio.Event();
        try {
          await trio.openNursery(async (nursery) => {
            nursery.startSoon((...args: unknown[]) => callTA(inAsyncio, args, loop), started, seen);
            await started.wait();
            nursery.cancelScope.cancel();
          });
        } finally {
          seen.flag |= 8;
        }
      };
      const seen = new Seen();
      // pytest.RaisesGroup(asyncio.CancelledError): a group holding exactly one CancelledError.
      const group = await raises(ExceptionGroup, () => cancelTrio(seen));
      expect(group.exceptions).toHaveLength(1);
      expect(group.exceptions[0]).toBeInstanceOf(asyncio.CancelledError);
      expect(seen.flag).toBe(1 | 8);
    });
  });

  it("test_trio_asyncio_error_direct", async () => {
    await withLoop(async (loop) => {
      const errAsyncio = (): never => {
        // This is intentionally not async
        throw new RuntimeError("I has an owie");
      };
      const err = await raises(RuntimeError, () => callTA(errAsyncio, [], loop));
      expect(err.message).toBe("I has an owie");
    });
  });

  it("test_trio_asyncio_generator", async () => {
    await withLoop(async (loop) => {
      async function* dlyAsyncio(): AsyncGenerator<number> {
        yield 1;
        await asyncio.sleep(0.01);
        yield 2;
      }
      const res = await asyncGenToList(runAioGenerator(loop, dlyAsyncio()));
      expect(res).toEqual([1, 2]);
    });
  });

  it("test_trio_asyncio_generator_with_error", async () => {
    await withLoop(async (loop) => {
      async function* dlyAsyncio(): AsyncGenerator<number> {
        yield 1;
        throw new RuntimeError("I has an owie");
      }
      const err = await raises(RuntimeError, () => asyncGenToList(runAioGenerator(loop, dlyAsyncio())));
      expect(err.message).toBe("I has an owie");
    });
  });

  it("test_trio_asyncio_generator_with_cancellation", async () => {
    await withLoop(async (loop) => {
      async function* dlyAsyncio(hold: asyncio.Event, seen: Seen): AsyncGenerator<number> {
        yield 1;
        seen.flag |= 1;
        await hold.wait();
      }
      const hold = new asyncio.Event();
      const seen = new Seen();
      let cancelScope: trio.CancelScope | undefined;
      await trio.openNursery(async (nursery) => {
        cancelScope = nursery.cancelScope;
        nursery.startSoon(asyncGenToList, runAioGenerator(loop, dlyAsyncio(hold, seen)));
        await trio.testing.waitAllTasksBlocked();
        nursery.cancelScope.cancel();
      });
      expect(cancelScope!.cancelCalled).toBe(true);
      expect(seen.flag).toBe(1);
    });
  });

  it("test_trio_asyncio_iterator", async () => {
    await withLoop(async () => {
      async function* slowNums(): AsyncGenerator<number> {
        for (let n = 1; n < 6; n++) {
          await asyncio.sleep(0.01);
          yield n;
        }
      }
      let sum = 0;
      for await (const n of aioAsTrio(slowNums())) sum += n;
      expect(sum).toBe(15);
    });
  });

  it("test_trio_asyncio_iterator_depr", async () => {
    await withLoop(async (loop) => {
      async function* slowNums(): AsyncGenerator<number> {
        for (let n = 1; n < 6; n++) {
          await asyncio.sleep(0.01);
          yield n;
        }
      }
      let sum = 0;
      for await (const n of aioAsTrio(slowNums(), { loop })) sum += n;
      expect(sum).toBe(15);
    });
  });
});
