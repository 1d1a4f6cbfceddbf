// From python-trio/trio-asyncio tests/aiotest/test_add_reader.py (TestAddReader). None of
// its tests applies in JavaScript: they watch raw sockets with add_reader/add_writer, and
// Node has no readiness API for raw file descriptors, so this library's loops throw
// NotImplementedError from those methods (Node streams and `net` sockets are the way to
// do I/O). The one test below checks that replacement behaviour; it is not a port of a
// Python test.
import { closeSync, openSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { openLoop, type TrioEventLoop } from "../../../src/decorators/index.js";
import { NotImplementedError } from "../../../src/errors/builtins.js";
import * as trio from "../../../src/trio/index.js";

interface FdLoop {
  addReader(fd: number, callback: () => void): unknown;
  addWriter(fd: number, callback: () => void): unknown;
}

function withLoop(body: (loop: TrioEventLoop) => Promise<void>): Promise<void> {
  return trio.run({ clock: new trio.testing.MockClock({ autojumpThreshold: 0 }) }, () => openLoop(body));
}

describe("TestAddReader", { timeout: 5000 }, () => {
  it("addReader and addWriter throw NotImplementedError (why test_add_reader cannot apply)", async () => {
    await withLoop(async (loop) => {
      const fd = openSync("/dev/null", "r");
      try {
        const fdLoop = loop as unknown as FdLoop;
        expect(() => fdLoop.addReader(fd, () => {})).toThrow(NotImplementedError);
        expect(() => fdLoop.addWriter(fd, () => {})).toThrow(NotImplementedError);
        expect(() => fdLoop.addReader(fd, () => {})).toThrow(/node:net/);
      } finally {
        closeSync(fd);
      }
    });
  });
});

// Not ported (also listed in test/conformance/README.md):
// - test_add_reader: add_reader/add_writer on a socket pair's raw file descriptors; Node
//   has no readiness API for raw fds (the loop throws NotImplementedError, checked above).
// - test_add_reader_replace, test_add_writer_replace: the same methods, plus the
//   selector's internal handle table (`loop._selector.get_key(...)`), which has no
//   counterpart here.
