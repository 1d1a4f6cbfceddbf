// Ported from python-trio/trio-asyncio tests/interop/test_adapter.py (TestAdapt,
// TestAllow), with the `loop` fixture of tests/conftest.py (`async with open_loop() as
// loop`): each test runs in `trio.run` + `openLoop` on a MockClock with autojump, so the
// original's real sleeps (0.01 s) take no time. The `@trio_as_aio` / `@aio_as_trio`
// methods of `SomeThing` use standard (TC39) decorators here; the experimentalDecorators
// variant is tested elsewhere. `@asynccontextmanager` becomes the `asyncContextManager()`
// helper below, `async with` becomes `asyncWith(cm, body)`. JavaScript methods are not
// bound: where Python passes a bound method (`sth.dly_asyncio`), the port passes
// `sth.dlyAsyncio.bind(sth)`. Every test of the file is ported (two adapted, see the
// comments next to them).
import { describe, expect, it } from "vitest";
import * as asyncio from "../../../src/asyncio/index.js";
import { aioAsTrio, allowAsyncio, openLoop, trioAsAio, type TrioEventLoop } from "../../../src/decorators/index.js";
import { currentAsyncLibrary } from "../../../src/flavor/sniffio.js";
import { asyncWith, type AsyncContextManager } from "../../../src/loop/async-context-manager.js";
import * as trio from "../../../src/trio/index.js";

// A test that hangs (it waits on virtual time that never comes) fails in seconds, not 20.
const HANG = { timeout: 5000 };

/** The `loop` fixture: a Trio run (on virtual time) with an open loop around the test. */
function withLoop(body: (loop: TrioEventLoop) => Promise<void>): Promise<void> {
  return trio.run({ clock: new trio.testing.MockClock({ autojumpThreshold: 0 }) }, () => openLoop(body));
}

/**
 * Python's `contextlib.asynccontextmanager`: an async generator that yields once becomes
 * an async context manager. The generator's body runs in whoever calls `aenter`/`aexit`
 * (an async generator runs in the store of the code that calls `next()`).
 */
function asyncContextManager<T>(generator: AsyncGenerator<T, void, undefined>): AsyncContextManager<T> {
  return {
    async aenter(): Promise<T> {
      const step = await generator.next();
      if (step.done === true) throw new Error("generator didn't yield");
      return step.value;
    },
    async aexit(error: unknown, hasError: boolean): Promise<boolean> {
      if (!hasError) {
        const step = await generator.next();
        if (step.done !== true) throw new Error("generator didn't stop");
        return false;
      }
      try {
        const step = await generator.throw(error);
        if (step.done !== true) throw new Error("generator didn't stop after throw()");
      } catch (thrown) {
        if (thrown === error) return false;
        throw thrown;
      }
      return true;
    },
  };
}

class SomeThing {
  flag = 0;

  constructor(readonly loop: TrioEventLoop) {}

  async dlyTrio(): Promise<number> {
    expect(currentAsyncLibrary()).toBe("trio");
    await trio.sleep(0.01);
    this.flag |= 2;
    return 8;
  }

  @trioAsAio
  async dlyTrioAdapted(): Promise<number> {
    expect(currentAsyncLibrary()).toBe("trio");
    await trio.sleep(0.01);
    this.flag |= 2;
    return 8;
  }

  @aioAsTrio
  async dlyAsyncioAdapted(): Promise<number> {
    expect(currentAsyncLibrary()).toBe("asyncio");
    await asyncio.sleep(0.01);
    this.flag |= 1;
    return 4;
  }

  async dlyAsyncio(doTest = true): Promise<number> {
    if (doTest) expect(currentAsyncLibrary()).toBe("asyncio");
    await asyncio.sleep(0.01);
    this.flag |= 1;
    return 4;
  }

  async *iterAsyncio(doTest = true): AsyncGenerator<number, void, undefined> {
    if (doTest) expect(currentAsyncLibrary()).toBe("asyncio");
    await asyncio.sleep(0.01);
    yield 1;
    await asyncio.sleep(0.01);
    yield 2;
    await asyncio.sleep(0.01);
    this.flag |= 1;
  }

  async *iterTrio(): AsyncGenerator<number, void, undefined> {
    expect(currentAsyncLibrary()).toBe("trio");
    await trio.sleep(0.01);
    yield 1;
    await trio.sleep(0.01);
    yield 2;
    await trio.sleep(0.01);
    this.flag |= 1;
  }

  ctxAsyncio(): AsyncContextManager<this> {
    const self = this;
    return asyncContextManager(
      (async function* () {
        await asyncio.sleep(0.01);
        self.flag |= 1;
        yield self;
        await asyncio.sleep(0.01);
        self.flag |= 2;
      })(),
    );
  }

  ctxTrio(): AsyncContextManager<this> {
    const self = this;
    return asyncContextManager(
      (async function* () {
        await trio.sleep(0.01);
        self.flag |= 1;
        yield self;
        await trio.sleep(0.01);
        self.flag |= 2;
      })(),
    );
  }
}

describe("TestAdapt", HANG, () => {
  it("test_asyncio_trio_adapted", async () => {
    await withLoop(async (loop) => {
      const sth = new SomeThing(loop);
      const res = await aioAsTrio(sth.dlyTrioAdapted.bind(sth), { loop })();
      expect(res).toBe(8);
      expect(sth.flag).toBe(2);
    });
  });

  it("test_asyncio_trio_adapted_no_call", async () => {
    await withLoop(async (loop) => {
      const sth = new SomeThing(loop);
      // Adapted: Python awaits the wrapper itself (`await aio_as_trio(f)`, whose
      // `__await__` calls f with no arguments); a JavaScript function is not awaitable,
      // so the wrapper is called with no arguments. What stays: no `loop` argument (the
      // adapter finds the current loop).
      const res = await aioAsTrio(sth.dlyTrioAdapted.bind(sth))();
      expect(res).toBe(8);
      expect(sth.flag).toBe(2);
    });
  });

  it("test_trio_asyncio_adapted", async () => {
    await withLoop(async (loop) => {
      const sth = new SomeThing(loop);
      const res = await sth.dlyAsyncioAdapted();
      expect(res).toBe(4);
      expect(sth.flag).toBe(1);
    });
  });

  it("test_trio_asyncio", async () => {
    await withLoop(async (loop) => {
      const sth = new SomeThing(loop);
      const res = await aioAsTrio(sth.dlyAsyncio.bind(sth))();
      expect(res).toBe(4);
      expect(sth.flag).toBe(1);
    });
  });

  it("test_trio_asyncio_awaitable", async () => {
    await withLoop(async (loop) => {
      const sth = new SomeThing(loop);
      // Adapted: Python passes a coroutine object, which does not run until awaited. A
      // JavaScript async function runs as soon as it is called (here: in Trio code, where
      // asyncio.sleep refuses to run), so a lazy thenable stands in for the coroutine: it
      // starts the call when awaited, inside the asyncio task that awaits it.
      const coro: PromiseLike<number> = {
        then: (onFulfilled, onRejected) => sth.dlyAsyncio().then(onFulfilled, onRejected),
      };
      const res = await aioAsTrio(coro);
      expect(res).toBe(4);
      expect(sth.flag).toBe(1);
    });
  });

  it("test_trio_asyncio_future", async () => {
    await withLoop(async (loop) => {
      const sth = new SomeThing(loop);
      const f = asyncio.ensureFuture(() => sth.dlyAsyncio(false));
      const res = await aioAsTrio(f);
      expect(res).toBe(4);
      expect(sth.flag).toBe(1);
    });
  });

  it("test_trio_asyncio_iter", async () => {
    await withLoop(async (loop) => {
      const sth = new SomeThing(loop);
      let n = 0;
      expect(currentAsyncLibrary()).toBe("trio");
      for await (const x of aioAsTrio(sth.iterAsyncio())) {
        n += 1;
        expect(x).toBe(n);
      }
      expect(n).toBe(2);
      expect(sth.flag).toBe(1);
    });
  });

  async function runAsyncioTrioIter(loop: TrioEventLoop): Promise<void> {
    const sth = new SomeThing(loop);
    let n = 0;
    expect(currentAsyncLibrary()).toBe("asyncio");
    for await (const x of trioAsAio(sth.iterTrio())) {
      n += 1;
      expect(x).toBe(n);
    }
    expect(n).toBe(2);
    expect(sth.flag).toBe(1);
  }

  it("test_asyncio_trio_iter", async () => {
    await withLoop(async (loop) => {
      await aioAsTrio(runAsyncioTrioIter)(loop);
    });
  });

  it("test_trio_asyncio_ctx", async () => {
    await withLoop(async (loop) => {
      const sth = new SomeThing(loop);
      await asyncWith(aioAsTrio(sth.ctxAsyncio()), async () => {
        expect(sth.flag).toBe(1);
      });
      expect(sth.flag).toBe(3);
    });
  });

  async function runAsyncioTrioCtx(loop: TrioEventLoop): Promise<void> {
    const sth = new SomeThing(loop);
    await asyncWith(trioAsAio(sth.ctxTrio()), async () => {
      expect(sth.flag).toBe(1);
    });
    expect(sth.flag).toBe(3);
  }

  it("test_asyncio_trio_ctx", async () => {
    await withLoop(async (loop) => {
      await aioAsTrio(runAsyncioTrioCtx)(loop);
    });
  });
});

describe("TestAllow", HANG, () => {
  async function runAsyncioTrio(loop: TrioEventLoop): Promise<void> {
    const sth = new SomeThing(loop);
    const res = await trioAsAio(sth.dlyTrio.bind(sth), { loop })();
    expect(res).toBe(8);
    expect(sth.flag).toBe(2);
  }

  it("test_asyncio_trio", async () => {
    await withLoop(async (loop) => {
      await allowAsyncio(runAsyncioTrio, loop);
    });
  });

  async function runTrioAsyncio(loop: TrioEventLoop): Promise<void> {
    const sth = new SomeThing(loop);
    const res = await sth.dlyAsyncio(false);
    expect(res).toBe(4);
    expect(sth.flag).toBe(1);
  }

  it("test_trio_asyncio", async () => {
    await withLoop(async (loop) => {
      await allowAsyncio(runTrioAsyncio, loop);
    });
  });

  async function runTrioAsyncioFuture(loop: TrioEventLoop): Promise<void> {
    const sth = new SomeThing(loop);
    const f = asyncio.ensureFuture(() => sth.dlyAsyncio(false));
    const res = await f;
    expect(res).toBe(4);
    expect(sth.flag).toBe(1);
  }

  it("test_trio_asyncio_future", async () => {
    await withLoop(async (loop) => {
      await allowAsyncio(runTrioAsyncioFuture, loop);
    });
  });

  function getAsyncioFuture(loop: TrioEventLoop, sth: SomeThing): asyncio.Future<number> {
    const setResult = async (future: asyncio.Future<number>, s: SomeThing): Promise<void> => {
      await asyncio.sleep(0.01);
      s.flag |= 1;
      future.setResult(4);
    };
    const f = loop.createFuture<number>();
    loop.createTask(() => setResult(f, sth));
    return f;
  }

  // Python's allow_asyncio awaits what fn returns inside its shim, so a returned asyncio
  // Future is waited for as run_aio_future does (a Trio wait). At the time of writing,
  // allowAsyncio() returns the Future out of the allowed frame and it is awaited as a
  // foreign Promise: the Trio task never blocks, autojump never advances the clock to
  // the asyncio.sleep(0.01), and the test times out (reported as a suspected bug).
  it("test_trio_asyncio_future_getter", async () => {
    await withLoop(async (loop) => {
      const sth = new SomeThing(loop);
      const res = await allowAsyncio(getAsyncioFuture, loop, sth);
      expect(res).toBe(4);
      expect(sth.flag).toBe(1);
    });
  });

  async function runTrioAsyncioAdapted(loop: TrioEventLoop): Promise<void> {
    const sth = new SomeThing(loop);
    const res = await sth.dlyAsyncioAdapted();
    expect(res).toBe(4);
    expect(sth.flag).toBe(1);
  }

  it("test_trio_asyncio_adapted", async () => {
    await withLoop(async (loop) => {
      await allowAsyncio(runTrioAsyncioAdapted, loop);
    });
  });

  async function runTrioAsyncioIter(loop: TrioEventLoop): Promise<void> {
    const sth = new SomeThing(loop);
    let n = 0;
    for await (const x of sth.iterAsyncio(false)) {
      n += 1;
      expect(x).toBe(n);
    }
    expect(n).toBe(2);
    expect(sth.flag).toBe(1);
  }

  it("test_trio_asyncio_iter", async () => {
    await withLoop(async (loop) => {
      await allowAsyncio(runTrioAsyncioIter, loop);
    });
  });

  async function runTrioAsyncioCtx(loop: TrioEventLoop): Promise<void> {
    const sth = new SomeThing(loop);
    await asyncWith(sth.ctxAsyncio(), async () => {
      expect(sth.flag).toBe(1);
    });
    expect(sth.flag).toBe(3);
  }

  it("test_trio_asyncio_ctx", async () => {
    await withLoop(async (loop) => {
      await allowAsyncio(runTrioAsyncioCtx, loop);
    });
  });
});
