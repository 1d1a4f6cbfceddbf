// Ported from python-trio/trio-asyncio tests/aiotest/test_coroutine.py (TestCoroutine),
// with tests/aiotest/__init__.py's TestConfig (here only `config.asyncio`, the asyncio
// module, which the port imports directly) and the `loop` fixture of tests/conftest.py
// (`async with open_loop() as loop`): each test runs in `trio.run` + `openLoop` on a
// MockClock with autojump. Coroutine objects become functions
// (`ensureFuture(() => helloWorld(...))`). Every test of the file is ported.
import { describe, expect, it } from "vitest";
import * as asyncio from "../../../src/asyncio/index.js";
import { aioAsTrio, openLoop, type TrioEventLoop } from "../../../src/decorators/index.js";
import * as trio from "../../../src/trio/index.js";

// A test that hangs (it waits on virtual time that never comes) fails in seconds, not 20.
const HANG = { timeout: 5000 };

/** The `loop` fixture: a Trio run (on virtual time) with an open loop around the test. */
function withLoop(body: (loop: TrioEventLoop) => Promise<void>): Promise<void> {
  return trio.run({ clock: new trio.testing.MockClock({ autojumpThreshold: 0 }) }, () => openLoop(body));
}

async function helloWorld(result: string[], delay: number): Promise<string> {
  result.push("Hello");
  await asyncio.sleep(delay);
  result.push("World");
  return ".";
}

describe("TestCoroutine", HANG, () => {
  it("test_hello_world", async () => {
    await withLoop(async (loop) => {
      const result: string[] = [];
      await loop.runAioCoroutine(asyncio.ensureFuture(() => helloWorld(result, 0.001)));
      expect(result).toEqual(["Hello", "World"]);
    });
  });

  it("test_waiter", async () => {
    await withLoop(async (loop) => {
      const waiter = async (hello: typeof helloWorld, result: string[]): Promise<void> => {
        const fut = new asyncio.Future<string>();
        loop.callSoon((value: string) => fut.setResult(value), "Future");

        let value = await fut;
        result.push(value);

        value = await hello(result, 0.001);
        result.push(value);
      };
      const result: string[] = [];
      await aioAsTrio(waiter)(helloWorld, result);
      expect(result).toEqual(["Future", "Hello", "World", "."]);
    });
  });
});
