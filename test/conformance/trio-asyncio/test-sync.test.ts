// Ported from trio-asyncio tests/test_sync.py (python-trio/trio-asyncio): the sync loop
// (SyncTrioEventLoop) that asyncio.newEventLoop() gives outside Trio can run again and
// again. JavaScript cannot block, so runUntilComplete returns a Promise; coroutine
// objects become functions (`runUntilComplete(() => foo())`).
import { describe, expect, it } from "vitest";
import * as asyncio from "../../../src/asyncio/index.js";

describe("TestSync", () => {
  it("test_explicit_mainloop", async () => {
    async function foo(): Promise<string> {
      return "bar";
    }

    async function bar(): Promise<string> {
      return "baz";
    }

    const loop = asyncio.newEventLoop();
    expect(loop).toBeInstanceOf(asyncio.SyncTrioEventLoop);
    let res = await loop.runUntilComplete(() => foo());
    expect(res).toBe("bar");
    res = await loop.runUntilComplete(() => bar());
    expect(res).toBe("baz");
    loop.close();
  });
});
