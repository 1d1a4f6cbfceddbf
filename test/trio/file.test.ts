// trio.openFile / trio.wrapFile / AsyncFile: ports of python-trio/trio
// src/trio/_tests/test_file_io.py (test_wrap_invalid, test_wrap_non_iobase,
// test_wrapped_property, test_open, test_open_context_manager, test_async_iter,
// test_aclose_cancelled), then tests of our own: Python's open() modes and text rules on
// node:fs/promises, wrapping FileHandles and Node streams, checkpoints, flavor, and what
// a cancellation does to each kind of operation.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as fsp from "node:fs/promises";
import { EOL, tmpdir } from "node:os";
import nodePath from "node:path";
import { PassThrough, Readable, Writable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LookupError, NotImplementedError, ValueError } from "../../src/errors/builtins.js";
import { FlavorError } from "../../src/flavor/flavor-error.js";
import type { Task } from "../../src/loop/task.js";
import * as trio from "../../src/trio/index.js";

const { AsyncFile, openFile, wrapFile, openNursery, CancelScope } = trio;
const { assertCheckpoints, waitAllTasksBlocked } = trio.testing;

let dir = "";
beforeEach(() => {
  dir = mkdtempSync(nodePath.join(tmpdir(), "trio-file-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function tmp(name = "test"): string {
  return nodePath.join(dir, name);
}

/** Trio's test functions are async and run under trio.run; this does the same. */
function trioTest(fn: () => Promise<void>): () => Promise<void> {
  return () => trio.run(fn);
}

/** The error `fn` throws (acknowledging a caught Cancelled, which the engine would report as swallowed). */
async function caught(fn: () => unknown): Promise<any> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof trio.Cancelled) trio.lowlevel.currentTask()._cancelledAt = null;
    return error;
  }
  throw new Error("expected an error");
}

/** Lets other tasks run until `task` is parked in `what` (no host turn happens meanwhile). */
async function untilWaitingIn(task: () => Task | undefined, what: string): Promise<void> {
  for (let i = 0; task()?._waitingOn !== what; i++) {
    if (i > 1000) throw new Error(`the task never waited in ${what}`);
    await trio.sleep(0);
  }
}

describe("test_file_io.py ports", () => {
  it("test_wrap_invalid: wrapFile rejects what is not a file", () => {
    expect(() => wrapFile("" as any)).toThrow(TypeError);
    expect(() => wrapFile({} as any)).toThrow(/needs a fs\.promises\.FileHandle or a Node stream/);
    expect(() => wrapFile(null as any)).toThrow(TypeError);
  });

  it(
    "test_wrap_non_iobase: a duck-typed FileHandle is accepted, one missing a method is not",
    trioTest(async () => {
      writeFileSync(tmp(), "abc");
      const real = await fsp.open(tmp(), "r");
      try {
        const duck = { fd: real.fd, read: real.read.bind(real), write: real.write.bind(real), stat: real.stat.bind(real), truncate: real.truncate.bind(real), close: real.close.bind(real) };
        const f = wrapFile(duck as any);
        expect(f).toBeInstanceOf(AsyncFile);
        expect(new TextDecoder().decode(await f.read())).toBe("abc");
        const { write: _write, ...noWrite } = duck;
        expect(() => wrapFile(noWrite as any)).toThrow(TypeError);
      } finally {
        await real.close();
      }
    }),
  );

  it(
    "test_wrapped_property: wrapped is the object wrapped",
    trioTest(async () => {
      writeFileSync(tmp(), "");
      const handle = await fsp.open(tmp(), "r+");
      const f = wrapFile(handle);
      expect(f.wrapped).toBe(handle);
      await f.aclose();
      expect(handle.fd).toBe(-1);
      const stream = new PassThrough();
      expect(wrapFile(stream).wrapped).toBe(stream);
      stream.destroy();
    }),
  );

  it(
    "test_open: openFile returns an AsyncFile",
    trioTest(async () => {
      const f = await openFile(tmp(), "w");
      expect(f).toBeInstanceOf(AsyncFile);
      await f.aclose();
    }),
  );

  it(
    "test_open_context_manager: asyncWith and await using close the file",
    trioTest(async () => {
      const f = await openFile(tmp(), "w");
      await trio.asyncWith(f, async (g) => {
        expect(g).toBe(f);
        expect(g.closed).toBe(false);
      });
      expect(f.closed).toBe(true);
      let outer: InstanceType<typeof AsyncFile> | undefined;
      {
        await using g = await openFile(tmp(), "w");
        outer = g;
        expect(g.closed).toBe(false);
      }
      expect(outer.closed).toBe(true);
    }),
  );

  it(
    "test_async_iter: for await gives the lines, as readline would",
    trioTest(async () => {
      writeFileSync(tmp(), "test\nfoo\nbar");
      const f = await openFile(tmp());
      const lines: string[] = [];
      for await (const line of f) lines.push(line);
      expect(lines).toEqual(["test\n", "foo\n", "bar"]);
      expect(f.closed).toBe(false);
      await f.aclose();
    }),
  );

  it(
    "test_aclose_cancelled: in a cancelled scope, write raises Cancelled and aclose closes, then raises",
    trioTest(async () => {
      let f: InstanceType<typeof AsyncFile<string>> | undefined;
      const events: string[] = [];
      await new CancelScope().run(async (scope) => {
        f = await openFile(tmp(), "w");
        scope.cancel();
        const e1 = await caught(() => f!.write("a"));
        events.push(`write: ${e1.name}`);
        try {
          await f.aclose();
        } catch (error) {
          events.push(`aclose: ${(error as Error).name}`);
          throw error;
        }
      });
      events.push(`closed: ${f!.closed}`);
      expect(events).toEqual(["write: Cancelled", "aclose: Cancelled", "closed: true"]);
      expect(readFileSync(tmp(), "utf8")).toBe("");
    }),
  );
});

describe("openFile: modes", () => {
  it(
    "rejects bad modes with Python's errors",
    trioTest(async () => {
      for (const mode of ["", "rr", "rw", "q", "rU", "r++", "wa"]) {
        const error = await caught(() => openFile(tmp(), mode));
        expect(error).toBeInstanceOf(ValueError);
      }
      expect((await caught(() => openFile(tmp(), "rr"))).message).toBe("invalid mode: 'rr'");
      expect((await caught(() => openFile(tmp(), "+"))).message).toBe("must have exactly one of create/read/write/append mode");
      expect((await caught(() => openFile(tmp(), "rbt"))).message).toBe("can't have text and binary mode at once");
      expect((await caught(() => openFile(tmp(), 1 as any))).constructor).toBe(TypeError);
      expect((await caught(() => openFile(tmp(), "rb", { encoding: "utf-8" }))).message).toBe("binary mode doesn't take an encoding argument");
      expect((await caught(() => openFile(tmp(), "wb", { errors: "strict" }))).message).toBe("binary mode doesn't take an errors argument");
      expect((await caught(() => openFile(tmp(), "ab", { newline: "" }))).message).toBe("binary mode doesn't take a newline argument");
      expect((await caught(() => openFile(tmp(), "w", { newline: "x" }))).message).toBe('illegal newline value: "x"');
      expect(await caught(() => openFile(tmp(), "w", { encoding: "klingon" }))).toBeInstanceOf(LookupError);
      expect(await caught(() => openFile(tmp(), "w", { encoding: "utf-16" }))).toBeInstanceOf(LookupError);
      expect(await caught(() => openFile(tmp(), "w", { errors: "nope" }))).toBeInstanceOf(LookupError);
      expect(await caught(() => openFile(tmp(), "w", { errors: "surrogateescape" }))).toBeInstanceOf(NotImplementedError);
      expect(await caught(() => openFile(42 as any))).toBeInstanceOf(TypeError);
      // Nothing was created by the rejected calls.
      expect(await new trio.Path(tmp()).exists()).toBe(false);
    }),
  );

  it(
    "reports the mode as Python does, and the name it was opened with",
    trioTest(async () => {
      const cases: [string, string][] = [
        ["w", "w"],
        ["r", "r"],
        ["rt", "rt"],
        ["r+", "r+"],
        ["wb", "wb"],
        ["r+b", "rb+"],
        ["br", "rb"],
        ["ab+", "ab+"],
      ];
      for (const [mode, shown] of cases) {
        const f = await openFile(tmp(), mode);
        expect(f.mode).toBe(shown);
        expect(f.name).toBe(tmp());
        await f.aclose();
      }
      const f = await openFile(new trio.Path(tmp()), "r");
      expect(f.name).toBe(tmp());
      expect(f.encoding).toBe("utf-8");
      expect(f.errors).toBe("strict");
      await f.aclose();
      const g = await openFile(new URL(`file://${tmp()}`), "rb");
      expect(g.name).toBe(tmp());
      expect(g.encoding).toBeUndefined();
      await g.aclose();
    }),
  );

  it(
    "maps the modes onto the file system: r needs the file, w truncates, a appends, x creates",
    trioTest(async () => {
      const missing = await caught(() => openFile(tmp("missing")));
      expect(missing).toBeInstanceOf(trio.FileNotFoundError);
      expect(missing).toBeInstanceOf(trio.OSError);
      expect(missing.code).toBe("ENOENT");
      expect(missing.syscall).toBe("open");
      expect(missing.filename).toBe(tmp("missing"));
      expect(missing.cause.code).toBe("ENOENT");
      expect(missing.name).toBe("FileNotFoundError");

      writeFileSync(tmp(), "old contents");
      await (await openFile(tmp(), "w")).aclose();
      expect(readFileSync(tmp(), "utf8")).toBe("");

      writeFileSync(tmp(), "abc");
      const a = await openFile(tmp(), "a");
      expect(await a.tell()).toBe(3);
      expect(await a.write("def")).toBe(3);
      expect(await a.tell()).toBe(6);
      await a.aclose();
      expect(readFileSync(tmp(), "utf8")).toBe("abcdef");

      const exists = await caught(() => openFile(tmp(), "x"));
      expect(exists).toBeInstanceOf(trio.FileExistsError);
      expect(exists.code).toBe("EEXIST");
      const x = await openFile(tmp("new"), "x");
      await x.write("x");
      await x.aclose();
      expect(readFileSync(tmp("new"), "utf8")).toBe("x");

      const isDir = await caught(() => openFile(dir));
      expect(isDir).toBeInstanceOf(trio.IsADirectoryError);
      expect(isDir.code).toBe("EISDIR");
      expect(await caught(() => openFile(dir, "w"))).toBeInstanceOf(trio.IsADirectoryError);
      expect(await caught(() => openFile(nodePath.join(tmp(), "below")))).toBeInstanceOf(trio.NotADirectoryError);
    }),
  );

  it(
    "refuses what the mode does not allow, and everything once closed",
    trioTest(async () => {
      writeFileSync(tmp(), "abc");
      const r = await openFile(tmp());
      expect(r.readable()).toBe(true);
      expect(r.writable()).toBe(false);
      expect(r.seekable()).toBe(true);
      const notWritable = await caught(() => r.write("x"));
      expect(notWritable).toBeInstanceOf(trio.UnsupportedOperation);
      expect(notWritable).toBeInstanceOf(ValueError);
      expect(notWritable.message).toBe("not writable");
      expect((await caught(() => r.truncate())).message).toBe("File not open for writing");
      await r.aclose();
      const w = await openFile(tmp(), "w");
      expect((await caught(() => w.read())).message).toBe("not readable");
      expect((await caught(() => w.readline())).message).toBe("not readable");
      await w.aclose();
      expect(w.closed).toBe(true);
      for (const op of [() => w.write("x"), () => w.read(), () => w.seek(0), () => w.tell(), () => w.flush(), () => w.truncate()]) {
        const error = await caught(op);
        expect(error).toBeInstanceOf(ValueError);
        expect(error.message).toBe("I/O operation on closed file.");
      }
      expect(() => w.fileno()).toThrow("I/O operation on closed file.");
      expect(() => w.readable()).toThrow(ValueError);
      await w.aclose(); // closing again does nothing
    }),
  );
});

describe("AsyncFile: text", () => {
  it(
    "reads with universal newlines by default, and as the newline option says",
    trioTest(async () => {
      writeFileSync(tmp(), "a\r\nb\rc\nd");
      const expected: [string | null, string[]][] = [
        [null, ["a\n", "b\n", "c\n", "d"]],
        ["", ["a\r\n", "b\r", "c\n", "d"]],
        ["\n", ["a\r\n", "b\rc\n", "d"]],
        ["\r", ["a\r", "\nb\r", "c\nd"]],
        ["\r\n", ["a\r\n", "b\rc\nd"]],
      ];
      for (const [newline, lines] of expected) {
        const f = await openFile(tmp(), "r", { newline });
        expect(await f.readlines()).toEqual(lines);
        await f.aclose();
      }
      const f = await openFile(tmp());
      expect(await f.read()).toBe("a\nb\nc\nd");
      await f.aclose();
    }),
  );

  it(
    "writes \"\\n\" as the platform's line separator by default, and as the newline option says",
    trioTest(async () => {
      const cases: [string | null, string][] = [
        [null, `a${EOL}b`],
        ["", "a\nb"],
        ["\n", "a\nb"],
        ["\r\n", "a\r\nb"],
        ["\r", "a\rb"],
      ];
      for (const [newline, onDisk] of cases) {
        const f = await openFile(tmp(), "w", { newline });
        expect(await f.write("a\nb")).toBe(3);
        await f.aclose();
        expect(readFileSync(tmp(), "latin1")).toBe(onDisk);
      }
    }),
  );

  it(
    "counts characters as Python does (code points), and never splits one",
    trioTest(async () => {
      const text = "héllo😀x\r\ny";
      writeFileSync(tmp(), text);
      const f = await openFile(tmp());
      expect(await f.read(2)).toBe("hé");
      expect(await f.read(4)).toBe("llo😀");
      expect(await f.read(2)).toBe("x\n");
      expect(await f.read(5)).toBe("y");
      expect(await f.read(5)).toBe("");
      expect(await f.read(0)).toBe("");
      await f.seek(0);
      expect(await f.readline(3)).toBe("hél");
      expect(await f.readline()).toBe("lo😀x\n");
      await f.aclose();
      const g = await openFile(tmp(), "w");
      expect(await g.write("😀é")).toBe(2);
      await g.aclose();
    }),
  );

  it(
    "handles a line ending or a character split across read-ahead chunks",
    trioTest(async () => {
      const chunk = 64 * 1024;
      // "\r" is the last byte of the first chunk and "\n" the first of the next.
      const crlf = "x".repeat(chunk - 1) + "\r\nsecond\n";
      writeFileSync(tmp(), crlf);
      const f = await openFile(tmp());
      expect((await f.readline()).length).toBe(chunk);
      expect(await f.readline()).toBe("second\n");
      await f.aclose();
      // A 3-byte character straddles the boundary.
      const split = "x".repeat(chunk - 1) + "€\nend";
      writeFileSync(tmp(), split);
      const g = await openFile(tmp());
      const first = await g.readline();
      expect(first.endsWith("x€\n")).toBe(true);
      expect(await g.readline()).toBe("end");
      await g.aclose();
    }),
  );

  it(
    "tell() gives a cookie that seek() goes back to; relative text seeks are refused",
    trioTest(async () => {
      writeFileSync(tmp(), "één\ntwee\ndrie\n");
      const f = await openFile(tmp());
      expect(await f.readline()).toBe("één\n");
      const mark = await f.tell();
      expect(mark).toBe(Buffer.byteLength("één\n"));
      expect(await f.readline()).toBe("twee\n");
      expect(await f.seek(mark)).toBe(mark);
      expect(await f.readline()).toBe("twee\n");
      expect(await caught(() => f.seek(1, 1))).toBeInstanceOf(trio.UnsupportedOperation);
      expect((await caught(() => f.seek(-1, 2))).message).toBe("can't do nonzero end-relative seeks");
      expect(await f.seek(0, 2)).toBe(Buffer.byteLength("één\ntwee\ndrie\n"));
      expect(await f.read()).toBe("");
      expect((await caught(() => f.seek(-1))).message).toBe("negative seek position -1");
      await f.aclose();
    }),
  );

  it(
    "encodings: utf-8 (BOM kept, strict or replace), latin-1 and ascii",
    trioTest(async () => {
      writeFileSync(tmp(), Buffer.from([0xef, 0xbb, 0xbf, 0x61, 0xff, 0x62]));
      const strict = await openFile(tmp());
      const error = await caught(() => strict.read());
      expect(error).toBeInstanceOf(trio.UnicodeDecodeError);
      expect(error).toBeInstanceOf(ValueError);
      expect(await strict.tell()).toBe(0); // nothing consumed
      await strict.aclose();
      const replace = await openFile(tmp(), "r", { errors: "replace" });
      expect(await replace.read()).toBe("\ufeffa\ufffdb");
      await replace.aclose();

      const latin = await openFile(tmp(), "w", { encoding: "Latin-1" });
      expect(latin.encoding).toBe("Latin-1");
      await latin.write("é");
      expect(await caught(() => latin.write("€"))).toBeInstanceOf(trio.UnicodeEncodeError);
      await latin.aclose();
      expect([...readFileSync(tmp())]).toEqual([0xe9]);
      const back = await openFile(tmp(), "r", { encoding: "iso-8859-1" });
      expect(await back.read()).toBe("é");
      await back.aclose();
      const ascii = await openFile(tmp(), "r", { encoding: "ascii" });
      expect((await caught(() => ascii.read())).message).toMatch(/can't decode byte 0xe9 in position 0/);
      await ascii.aclose();
      const asciiW = await openFile(tmp(), "w", { encoding: "ascii", errors: "replace" });
      await asciiW.write("a€😀b");
      await asciiW.aclose();
      expect(readFileSync(tmp(), "latin1")).toBe("a??b");
      const surrogate = await openFile(tmp(), "w");
      expect(await caught(() => surrogate.write("\ud800"))).toBeInstanceOf(trio.UnicodeEncodeError);
      await surrogate.aclose();
    }),
  );

  it(
    "rejects data of the wrong kind",
    trioTest(async () => {
      const t = await openFile(tmp(), "w");
      expect((await caught(() => t.write(new Uint8Array(1) as any))).message).toBe("write() argument must be str, not Uint8Array");
      expect(await caught(() => t.writelines(5 as any))).toBeInstanceOf(TypeError);
      await t.aclose();
      const b = await openFile(tmp(), "wb");
      expect((await caught(() => b.write("x" as any))).message).toMatch(/^a bytes-like object is required, not 'str'/);
      expect(await caught(() => b.read(1.5))).toBeInstanceOf(TypeError);
      await b.aclose();
    }),
  );
});

describe("AsyncFile: bytes, positions, updating", () => {
  it(
    "reads and writes bytes from any ArrayBufferView or ArrayBuffer",
    trioTest(async () => {
      const f = await openFile(tmp(), "wb+");
      expect(await f.write(new Uint8Array([1, 2, 3]))).toBe(3);
      expect(await f.write(new DataView(new Uint8Array([4, 5]).buffer))).toBe(2);
      expect(await f.write(new Uint16Array([0x0706]).buffer)).toBe(2);
      await f.writelines([new Uint8Array([10]), Buffer.from("\nz")]);
      expect(await f.seek(0)).toBe(0);
      const all = await f.read();
      expect(all).toEqual(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 10, 10, 122]));
      expect(Object.getPrototypeOf(all)).toBe(Uint8Array.prototype);
      expect(await f.seek(-3, 2)).toBe(7);
      expect(await f.readline()).toEqual(new Uint8Array([10]));
      expect(await f.readline()).toEqual(new Uint8Array([10]));
      expect(await f.readline()).toEqual(new Uint8Array([122]));
      expect(await f.readline()).toEqual(new Uint8Array([]));
      await f.seek(0);
      expect(await f.read(2)).toEqual(new Uint8Array([1, 2]));
      expect(await f.seek(2, 1)).toBe(4);
      expect(await f.readline(2)).toEqual(new Uint8Array([5, 6]));
      expect(await f.readlines(1)).toEqual([new Uint8Array([7, 10])]);
      expect(await f.tell()).toBe(8);
      await f.aclose();
    }),
  );

  it(
    "r+ writes at the reading position (the read-ahead is dropped), and truncate keeps the position",
    trioTest(async () => {
      writeFileSync(tmp(), "abcdef");
      const f = await openFile(tmp(), "r+");
      expect(await f.read(2)).toBe("ab");
      expect(await f.write("XY")).toBe(2);
      expect(await f.read()).toBe("ef");
      expect(await f.truncate(3)).toBe(3);
      expect(await f.tell()).toBe(6);
      await f.seek(1);
      expect(await f.truncate()).toBe(1);
      await f.flush();
      await f.aclose();
      expect(readFileSync(tmp(), "utf8")).toBe("a");
      expect(await caught(async () => (await openFile(tmp(), "r+")).truncate(-1))).toBeInstanceOf(ValueError);
    }),
  );

  it(
    "a+ writes at the end wherever the position was",
    trioTest(async () => {
      writeFileSync(tmp(), "abc");
      const f = await openFile(tmp(), "a+");
      await f.seek(0);
      expect(await f.read()).toBe("abc");
      await f.seek(1);
      await f.write("d");
      expect(await f.tell()).toBe(4);
      await f.seek(0);
      expect(await f.read()).toBe("abcd");
      await f.aclose();
    }),
  );

  it(
    "lets several tasks use one file in turn",
    trioTest(async () => {
      writeFileSync(tmp(), "1\n2\n3\n4\n");
      const f = await openFile(tmp());
      const got: string[] = [];
      await openNursery(async (nursery) => {
        for (let i = 0; i < 4; i++) nursery.startSoon(async () => void got.push(await f.readline()));
      });
      expect(got).toEqual(["1\n", "2\n", "3\n", "4\n"]);
      await f.aclose();
    }),
  );

  it(
    "fileno, isatty and toString",
    trioTest(async () => {
      const f = await openFile(tmp(), "w");
      expect(f.fileno()).toBe((f.wrapped as fsp.FileHandle).fd);
      expect(f.isatty()).toBe(false);
      expect(String(f)).toBe(`<trio.AsyncFile name=${JSON.stringify(tmp())} mode='w'>`);
      await f.aclose();
      expect(String(f)).toMatch(/ closed>$/);
    }),
  );
});

describe("wrapFile", () => {
  it(
    "wraps a FileHandle: binary by default, from offset 0, named by its fd",
    trioTest(async () => {
      writeFileSync(tmp(), "line 1\nline 2\n");
      const handle = await fsp.open(tmp(), "r+");
      const f = wrapFile(handle);
      expect(f.mode).toBe("rb+");
      expect(f.name).toBe(handle.fd);
      expect(await f.readline()).toEqual(new TextEncoder().encode("line 1\n"));
      await f.aclose();
      const again = await fsp.open(tmp(), "a+");
      const t = wrapFile(again, { mode: "a+", encoding: "utf-8", name: "log" });
      expect(t.name).toBe("log");
      expect(await t.tell()).toBe(14);
      await t.write("line 3\n");
      await t.seek(0);
      expect(await t.readlines()).toEqual(["line 1\n", "line 2\n", "line 3\n"]);
      await t.aclose();
      expect(() => wrapFile(handle)).toThrow("I/O operation on closed file.");
    }),
  );

  it.skipIf(process.platform === "win32")(
    "a pipe (FIFO) is read and written sequentially, and is not seekable",
    trioTest(async () => {
      execFileSync("mkfifo", [tmp("fifo")]);
      // "r+" does not wait for a peer on Linux: this one handle is both ends.
      const f = await openFile(tmp("fifo"), "r+");
      expect(f.seekable()).toBe(false);
      expect(await f.write("one\ntwo\n")).toBe(8);
      expect(await f.readline()).toBe("one\n");
      expect(await f.read(4)).toBe("two\n");
      expect(await caught(() => f.tell())).toBeInstanceOf(trio.UnsupportedOperation);
      await f.aclose();
      const handle = await fsp.open(tmp("fifo"), "r+");
      const g = wrapFile(handle, { mode: "r+" });
      expect(g.seekable()).toBe(false);
      await g.write("x\n");
      expect(await g.readline()).toBe("x\n");
      await g.aclose();
    }),
  );

  it(
    "wraps a Duplex stream: sequential, not seekable, closed by ending it",
    trioTest(async () => {
      const stream = new PassThrough();
      const f = wrapFile(stream, { mode: "r+" });
      expect(f.seekable()).toBe(false);
      expect(f.name).toBe("<stream>");
      expect(await f.write("one\ntwo\n")).toBe(8);
      stream.write("three");
      expect(await f.readline()).toBe("one\n");
      expect(await caught(() => f.tell())).toBeInstanceOf(trio.UnsupportedOperation);
      expect((await caught(() => f.seek(0))).message).toBe("File or stream is not seekable.");
      expect(() => f.fileno()).toThrow(trio.UnsupportedOperation);
      stream.end();
      expect(await f.readlines()).toEqual(["two\n", "three"]);
      expect(await f.read()).toBe("");
      expect(f.closed).toBe(false);
      await f.aclose();
      expect(stream.destroyed).toBe(true);
      expect(f.closed).toBe(true);
    }),
  );

  it(
    "wraps a Writable: aclose ends it gracefully after the data",
    trioTest(async () => {
      const chunks: string[] = [];
      let finished = false;
      const sink = new Writable({
        write(chunk: Buffer, _encoding, callback) {
          chunks.push(chunk.toString("utf8"));
          setImmediate(callback);
        },
        final(callback) {
          finished = true;
          callback();
        },
      });
      const f = wrapFile(sink, { mode: "w" });
      expect(f.mode).toBe("w");
      expect(f.readable()).toBe(false);
      await f.writelines(["a", "b\n"]);
      await f.write("c");
      expect((await caught(() => f.read())).message).toBe("not readable");
      await f.aclose();
      expect(chunks).toEqual(["ab\n", "c"]);
      expect(finished).toBe(true);
      expect(sink.destroyed).toBe(true);
    }),
  );

  it("checks what a stream can do", () => {
    const readable = new Readable({ read() {} });
    expect(wrapFile(readable).mode).toBe("rb");
    expect(() => wrapFile(readable, { mode: "w" })).toThrow(/mode 'w' writes, but the stream is not writable/);
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    expect(wrapFile(sink).mode).toBe("wb");
    expect(() => wrapFile(sink, { mode: "r" })).toThrow(ValueError);
    expect(() => wrapFile(new PassThrough({ objectMode: true }))).toThrow(/objectMode/);
    const decoded = new PassThrough();
    decoded.setEncoding("utf8");
    expect(() => wrapFile(decoded)).toThrow(/setEncoding/);
    const destroyed = new PassThrough();
    destroyed.destroy();
    expect(() => wrapFile(destroyed)).toThrow("I/O operation on closed file.");
    for (const s of [readable, sink, decoded]) s.destroy();
  });

  it(
    "a stream's error is raised by the next operation, as an OSError for a system error",
    trioTest(async () => {
      const stream = new PassThrough();
      const f = wrapFile(stream);
      const failure = Object.assign(new Error("ECONNRESET: reset"), { code: "ECONNRESET", syscall: "read", errno: -104 });
      stream.destroy(failure);
      await trio.sleep(0.001);
      expect(f.closed).toBe(false); // until aclose(): a stream also destroys itself after a normal end
      const error = await caught(() => f.read());
      expect(error).toBeInstanceOf(trio.OSError);
      expect(error.code).toBe("ECONNRESET");
      await f.aclose();
      const other = new PassThrough();
      const g = wrapFile(other);
      await openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          const e = await caught(() => g.read(10));
          expect(e).toBeInstanceOf(trio.OSError);
          expect(e.code).toBe("ECONNRESET");
          expect(e.cause).toBe(failure);
        });
        await waitAllTasksBlocked();
        other.emit("error", failure);
      });
      await g.aclose();
    }),
  );
});

describe("checkpoints and flavor", () => {
  it(
    "every async method is a checkpoint, even when served from the read-ahead",
    trioTest(async () => {
      writeFileSync(tmp(), "a\nb\nc\n");
      const f = await assertCheckpoints(() => openFile(tmp(), "r+"));
      expect(await assertCheckpoints(() => f.readline())).toBe("a\n");
      expect(await assertCheckpoints(() => f.readline())).toBe("b\n");
      expect(await assertCheckpoints(() => f.read(1))).toBe("c");
      await assertCheckpoints(() => f.tell());
      await assertCheckpoints(() => f.seek(0));
      await assertCheckpoints(() => f.write(""));
      await assertCheckpoints(() => f.flush());
      await assertCheckpoints(() => f.readlines());
      await assertCheckpoints(() => f.aclose());
      await assertCheckpoints(() => f.aclose());
    }),
  );

  it("Trio-flavored calls reject with FlavorError outside a Trio task", async () => {
    await expect(openFile(tmp(), "w")).rejects.toThrow(FlavorError);
    writeFileSync(tmp(), "x");
    let f: InstanceType<typeof AsyncFile<string>> | undefined;
    await trio.run(async () => {
      f = await openFile(tmp());
    });
    await expect(f!.read()).rejects.toThrow(FlavorError);
    await expect(f!.write("x")).rejects.toThrow(FlavorError);
    await expect(f!.aclose()).rejects.toThrow(FlavorError);
    await trio.run(() => f!.aclose());
  });
});

describe("cancellation", () => {
  it(
    "a positional read is abandoned: Cancelled at once, and the file is as before",
    trioTest(async () => {
      writeFileSync(tmp(), "hello\nworld\n");
      const f = await openFile(tmp());
      const events: string[] = [];
      let reader: Task | undefined;
      const scope = new CancelScope();
      await openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          await scope.run(async () => {
            reader = trio.lowlevel.currentTask();
            try {
              await f.readline();
              events.push("read completed");
            } catch (error) {
              events.push(`read raised ${(error as Error).name}`);
              throw error;
            }
          });
        });
        await untilWaitingIn(() => reader, "AsyncFile.readline()");
        scope.cancel();
      });
      expect(events).toEqual(["read raised Cancelled"]);
      expect(await f.tell()).toBe(0);
      expect(await f.readline()).toBe("hello\n");
      await f.aclose();
    }),
  );

  it(
    "a write is not abandoned: it completes and returns, and the next checkpoint raises",
    trioTest(async () => {
      const f = await openFile(tmp(), "w");
      const events: string[] = [];
      let writer: Task | undefined;
      const scope = new CancelScope();
      await openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          await scope.run(async () => {
            writer = trio.lowlevel.currentTask();
            events.push(`write returned ${await f.write("data")}`);
            try {
              await trio.sleep(0);
            } catch (error) {
              events.push(`next checkpoint raised ${(error as Error).name}`);
              throw error;
            }
          });
        });
        await untilWaitingIn(() => writer, "AsyncFile.write()");
        scope.cancel();
        events.push("cancelled while writing");
      });
      expect(events).toEqual(["cancelled while writing", "write returned 4", "next checkpoint raised Cancelled"]);
      await f.aclose();
      expect(readFileSync(tmp(), "utf8")).toBe("data");
    }),
  );

  it(
    "opening for reading is abandoned; opening that truncates completes",
    trioTest(async () => {
      writeFileSync(tmp(), "keep");
      const events: string[] = [];
      for (const mode of ["r", "w"]) {
        let opener: Task | undefined;
        const scope = new CancelScope();
        await openNursery(async (nursery) => {
          nursery.startSoon(async () => {
            await scope.run(async () => {
              opener = trio.lowlevel.currentTask();
              let f: InstanceType<typeof AsyncFile> | undefined;
              try {
                f = await openFile(tmp(), mode);
                events.push(`${mode}: opened`);
                await trio.sleep(0);
              } catch (error) {
                events.push(`${mode}: ${(error as Error).name}`);
                throw error;
              } finally {
                await f?.aclose().catch(() => undefined);
              }
            });
          });
          await untilWaitingIn(() => opener, "trio.openFile()");
          scope.cancel();
          events.push(`${mode}: cancelled while opening`);
        });
      }
      expect(events).toEqual(["r: cancelled while opening", "r: Cancelled", "w: cancelled while opening", "w: opened", "w: Cancelled"]);
      expect(readFileSync(tmp(), "utf8")).toBe("");
    }),
  );

  it(
    "a stream read waiting for data is abandoned without losing any",
    trioTest(async () => {
      const stream = new PassThrough();
      const f = wrapFile(stream, { mode: "r" });
      const events: string[] = [];
      await new CancelScope().run(async (scope) => {
        await openNursery(async (nursery) => {
          nursery.startSoon(async () => {
            try {
              await f.readline();
            } catch (error) {
              events.push(`readline raised ${(error as Error).name}`);
              throw error;
            }
          });
          await waitAllTasksBlocked();
          stream.write("partial ");
          await waitAllTasksBlocked();
          scope.cancel();
        });
      });
      expect(stream.listenerCount("readable")).toBe(0);
      stream.end("line\n");
      expect(await f.readline()).toBe("partial line\n");
      events.push("nothing lost");
      expect(events).toEqual(["readline raised Cancelled", "nothing lost"]);
      await f.aclose();
    }),
  );
});
