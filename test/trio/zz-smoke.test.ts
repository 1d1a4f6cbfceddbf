import { it, expect } from "vitest";
import * as trio from "../../src/trio/index.js";
declare const fromThread: typeof trio.fromThread;
it("smoke", async () => {
  const r = await trio.run(async () => {
    const a = await trio.toThread.runSync((x: number, y: number) => x + y, 2, 3);
    const b = await trio.toThread.runSync(async (x: number) => { await new Promise((r) => setTimeout(r, 5)); return x * 2; }, 21);
    const c = await trio.toThread.runSync(() => fromThread.runSync(() => 7 * 6));
    const d = await trio.toThread.runSync(() => fromThread.run(async () => { await Promise.resolve(); return "slept"; }));
    let e: unknown;
    try { await trio.toThread.runSync(() => { throw new TypeError("bad"); }); } catch (err) { e = err; }
    return [a, b, c, d, String(e)];
  });
  console.log(r);
});
