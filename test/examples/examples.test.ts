// Runs every program in examples/ against the built package (`npm test` builds it first).
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const examples = readdirSync(path.join(root, "examples")).filter((f) => f.endsWith(".mjs"));

function run(file: string): string {
  return execFileSync(process.execPath, [path.join(root, "examples", file)], { cwd: root, encoding: "utf8", timeout: 20_000 });
}

describe("examples", () => {
  it("there are examples", () => {
    expect(examples).toContain("demo.mjs");
  });

  it("demo.mjs: requests, timeouts, cancellation, abortable APIs, error groups, the asyncio flavor, the bridge", () => {
    const out = run("demo.mjs");
    expect(out).toMatch(/\[request A\] \[trio\] finished/);
    expect(out).toMatch(/\[request B\] \[trio\] timed out after 50 ms: cancelled/);
    expect(out).toMatch(/abortable timer under a 10 ms timeout: aborted/);
    expect(out).toMatch(/sibling cancelled by the failure/);
    expect(out).toMatch(/nursery raised ExceptionGroup with \[Error: boom\]/);
    expect(out).toMatch(/\[request -\] \[no async library\] back at the top level; the request id is -/);
    expect(out).toMatch(/\[curio\] inside withAsyncLibrary/);
    expect(out).toMatch(/\[request D\] \[asyncio\] asyncio.run started/);
    expect(out).toMatch(/\[request D\] \[asyncio\] a callback, in a copy of its scheduler's context/);
    expect(out).toMatch(/\[request E\] \[asyncio\] task E done/);
    expect(out).toMatch(/\[request D\] \[asyncio\] task done \(it inherited the request id\)/);
    expect(out).toMatch(/waitFor gave up after 10 ms: TimeoutError/);
    expect(out).toMatch(/\[request -\] \[no async library\] asyncio.run returned \["E","D"\]/);
    expect(out).toMatch(/\[request F\] \[asyncio\] bridge: asyncio client quoting ACME/);
    expect(out).toMatch(/\[request F\] \[trio\] bridge: Trio helper called from the asyncio client/);
    expect(out).toMatch(/\[request F\] \[trio\] bridge: asyncio client returned 600/);
    expect(out).toMatch(/bridge: slow asyncio call under a 20 ms Trio timeout: cancelled/);
    expect(out).toMatch(/bridge: executor job in a worker thread computed [0-9a-f]{12}/);
  });

  it("asyncio-quickstart.mjs: the README's asyncio quick start", () => {
    expect(run("asyncio-quickstart.mjs").split("\n").filter(Boolean)).toEqual([
      "[ 'a page', 'b page' ]",
      "home page",
      "TimeoutError",
      "sibling got CancelledError",
      "ExceptionGroup: Error: boom",
      "consumed 1",
      "consumed 2",
      "consumed 3",
      "set by a callback",
    ]);
  });

  it("bridge-quickstart.mjs: the README's bridge quick start", () => {
    expect(run("bridge-quickstart.mjs").split("\n").filter(Boolean)).toEqual(["40 undefined 80", "30"]);
  });

  it("trio-quickstart.mjs: the README's Trio quick start", () => {
    expect(run("trio-quickstart.mjs").split("\n").filter(Boolean)).toEqual([
      "a done",
      "b done",
      "undefined",
      "got 0",
      "got 1",
      "got 2",
      "fetched",
    ]);
  });

  // The manual of trio-asyncio, section by section (examples/manual/).
  const manual: Record<string, string[]> = {
    "01-startup.mjs": ["run() done", "the block's loop is asyncio.getEventLoop(): true", "openLoop() done"],
    "02-asyncio-main.mjs": ["asyncio main done", "services started", "services cleaned up"],
    "03-aio-from-trio.mjs": [
      "slept 0.01",
      "method slept 0.01",
      "a plain Promise",
      "FlavorError: pass the function, aioAsTrio(aioSleep)(0.01)",
      "future gave 42",
      "got 0",
      "got 1",
      "got 2",
      "within",
    ],
    "04-allow-asyncio.mjs": ["Well, that worked", "Hello true", "World"],
    "05-trio-from-aio.mjs": ["trio function gave 42", "decorated", "callback sees 42", "awaited 42"],
    "06-nursery-from-aio.mjs": ["asyncio body done", "Trio child of the nursery done"],
    "07-multiple-loops.mjs": [
      "first inner loop is distinct: true and current inside: true",
      "second inner loop is distinct: true and current inside: true",
    ],
  };

  it("every manual example has a test", () => {
    expect(readdirSync(path.join(root, "examples/manual")).filter((f) => f.endsWith(".mjs")).sort()).toEqual(Object.keys(manual).sort());
  });

  for (const [file, lines] of Object.entries(manual)) {
    it(`manual/${file}`, () => {
      expect(run(`manual/${file}`).split("\n").filter(Boolean)).toEqual(lines);
    });
  }
});
