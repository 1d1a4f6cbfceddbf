// trio.Path: ports of python-trio/trio src/trio/_tests/test_path.py (the cases that apply
// to a JavaScript class; see the list at the end of the report for the others), then
// tests of our own: pathlib's pure-path rules, the async file-system methods with
// Python's options and errors, checkpoints, flavor, and cancellation.
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import nodePath from "node:path";
import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RuntimeError, ValueError } from "../../src/errors/builtins.js";
import { FlavorError } from "../../src/flavor/flavor-error.js";
import type { Task } from "../../src/loop/task.js";
import * as trio from "../../src/trio/index.js";

const { Path, AsyncFile, openFile, openNursery, CancelScope } = trio;
const { assertCheckpoints } = trio.testing;

let dir = "";
beforeEach(() => {
  dir = mkdtempSync(nodePath.join(tmpdir(), "trio-path-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Trio's `path` fixture: a trio.Path named "test" in a fresh temporary directory. */
function path(): InstanceType<typeof Path> {
  return new Path(dir, "test");
}

function trioTest(fn: () => Promise<void>): () => Promise<void> {
  return () => trio.run(fn);
}

async function caught(fn: () => unknown): Promise<any> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof trio.Cancelled) trio.lowlevel.currentTask()._cancelledAt = null;
    return error;
  }
  throw new Error("expected an error");
}

async function untilWaitingIn(task: () => Task | undefined, what: string): Promise<void> {
  for (let i = 0; task()?._waitingOn !== what; i++) {
    if (i > 1000) throw new Error(`the task never waited in ${what}`);
    await trio.sleep(0);
  }
}

describe("test_path.py ports", () => {
  it("test_instantiate_posix: new Path() is '.'", () => {
    expect(String(new Path())).toBe(".");
  });

  it(
    "test_open_is_async_context_manager: path.open() gives an AsyncFile that asyncWith closes",
    trioTest(async () => {
      const f = await path().open("w");
      await trio.asyncWith(f, async (g) => {
        expect(g).toBeInstanceOf(AsyncFile);
      });
      expect(f.closed).toBe(true);
    }),
  );

  it("test_magic: the string of a path", () => {
    expect(String(new Path("test"))).toBe("test");
  });

  it("test_cmp_magic: equality (equals, as Python's ==)", () => {
    expect(new Path("").equals(new Path(""))).toBe(true);
    expect(new Path("a").equals(new Path("b"))).toBe(false);
    expect(new Path("a").equals(null)).toBe(false);
    expect(new Path("a").equals("a")).toBe(false);
  });

  it("test_div_magic: join (Python's /) with paths and strings gives a Path", () => {
    for (const [a, b] of [
      [new Path("a"), new Path("b")],
      [new Path("a"), "b"],
    ] as const) {
      const result = a.join(b);
      expect(result).toBeInstanceOf(Path);
      expect(String(result)).toBe(nodePath.join("a", "b"));
    }
  });

  it("test_forwarded_properties: name", () => {
    expect(path().name).toBe("test");
  });

  it("test_async_method_signature: methods keep their names", () => {
    expect(path().resolve.name).toBe("resolve");
    expect(Path.prototype.readText.name).toBe("readText");
  });

  it(
    "test_compare_async_stat_methods: isDir and isFile agree with the sync answers",
    trioTest(async () => {
      expect(await new Path(".").isDir()).toBe(statSync(".").isDirectory());
      expect(await new Path(".").isFile()).toBe(statSync(".").isFile());
    }),
  );

  it("test_invalid_name_not_wrapped: no made-up members", () => {
    expect((path() as any).invalid_fake_attr).toBeUndefined();
  });

  it(
    "test_async_methods_rewrap: absolute() and resolve() give Paths",
    trioTest(async () => {
      const absolute = await new Path(".").absolute();
      expect(absolute).toBeInstanceOf(Path);
      expect(String(absolute)).toBe(process.cwd());
      const resolved = await new Path(".").resolve();
      expect(resolved).toBeInstanceOf(Path);
      expect(String(resolved)).toBe(realpathSync("."));
    }),
  );

  it("test_forward_methods_rewrap: withName and withSuffix give Paths", () => {
    const withName = path().withName("foo");
    const withSuffix = path().withSuffix(".py");
    expect(withName).toBeInstanceOf(Path);
    expect(withName.equals(new Path(dir, "foo"))).toBe(true);
    expect(withSuffix).toBeInstanceOf(Path);
    expect(withSuffix.equals(new Path(dir, "test.py"))).toBe(true);
  });

  it("test_forward_properties_rewrap: parent is a Path", () => {
    expect(path().parent).toBeInstanceOf(Path);
  });

  it("test_forward_methods_without_rewrap: joinpath", () => {
    expect(String(path().joinpath("totally-unique-path"))).toContain("totally-unique-path");
  });

  it("test_repr: util.inspect shows trio.Path('.')", () => {
    expect(inspect(new Path("."))).toBe("trio.Path('.')");
    expect(inspect(new Path("it's"))).toBe("trio.Path('it\\'s')");
  });

  it(
    "test_path_wraps_path: a Path segment (absolute) replaces what comes before",
    trioTest(async () => {
      const wrapped = await path().absolute();
      expect(new Path(path(), wrapped).equals(wrapped)).toBe(true);
      expect(path().joinpath(wrapped).equals(wrapped)).toBe(true);
    }),
  );

  it("test_path_nonpath: a number is not a path", () => {
    expect(() => new Path(1 as any)).toThrow(TypeError);
    expect(() => new Path(Buffer.from("x") as any)).toThrow(TypeError);
  });

  it(
    "test_open_file_can_open_path: openFile takes a Path; name is its string",
    trioTest(async () => {
      const f = await openFile(path(), "w");
      expect(f.name).toBe(path().fspath());
      await f.aclose();
    }),
  );

  it(
    "test_as_uri",
    trioTest(async () => {
      const p = await path().parent.resolve();
      expect(p.asUri().startsWith("file:///")).toBe(true);
    }),
  );

  it(
    "test_iterdir: the entries, as Paths",
    trioTest(async () => {
      const p = path();
      await p.mkdir();
      await p.join("foo").mkdir();
      await p.join("bar.txt").writeBytes(new Uint8Array());
      const entries = new Set<string>();
      for await (const entry of p.iterdir()) {
        expect(entry).toBeInstanceOf(Path);
        expect(entry.parent.equals(p)).toBe(true);
        entries.add(entry.name);
      }
      expect(entries).toEqual(new Set(["bar.txt", "foo"]));
    }),
  );

  it(
    "test_classmethods: home() and cwd()",
    trioTest(async () => {
      expect(await Path.home()).toBeInstanceOf(Path);
      expect(String(await Path.home())).toBe(homedir());
      expect(String(await Path.cwd())).toBe(process.cwd());
    }),
  );
});

describe("pure paths (pathlib's rules)", () => {
  it("normalizes as Python does: '.' and repeated separators dropped, '..' kept", () => {
    const cases: [string[], string][] = [
      [["a//b/./c/"], "a/b/c"],
      [["./a"], "a"],
      [["a/../b"], "a/../b"],
      [[""], "."],
      [["a", ""], "a"],
      [["/a", "/b"], "/b"],
      [["/a/", "b", "c"], "/a/b/c"],
      [["//a"], "//a"],
      [["///a"], "/a"],
      [["/"], "/"],
    ];
    if (process.platform === "win32") return;
    for (const [segments, expected] of cases) expect(String(new Path(...segments))).toBe(expected);
    expect(String(new Path(new URL("file:///tmp/x%20y")))).toBe("/tmp/x y");
    expect(String(new Path({ fspath: () => "from/elsewhere" }))).toBe("from/elsewhere");
  });

  it("parts, anchor, root, drive", () => {
    if (process.platform === "win32") return;
    expect(new Path("/usr/bin/env").parts).toEqual(["/", "usr", "bin", "env"]);
    expect(new Path("a/b").parts).toEqual(["a", "b"]);
    expect(new Path(".").parts).toEqual([]);
    expect(new Path("/x").anchor).toBe("/");
    expect(new Path("/x").root).toBe("/");
    expect(new Path("/x").drive).toBe("");
    expect(new Path("x").anchor).toBe("");
    expect(new Path("/x").isAbsolute()).toBe(true);
    expect(new Path("x").isAbsolute()).toBe(false);
  });

  it("name, suffix, suffixes, stem", () => {
    const cases: [string, string, string, string[], string][] = [
      // path, name, suffix, suffixes, stem
      ["a/b.tar.gz", "b.tar.gz", ".gz", [".tar", ".gz"], "b.tar"],
      ["a/.bashrc", ".bashrc", "", [], ".bashrc"],
      ["a/b.", "b.", "", [], "b."],
      ["a/b", "b", "", [], "b"],
      ["/", "", "", [], ""],
      [".", "", "", [], ""],
      ["..", "..", "", [], ".."],
    ];
    for (const [p, name, suffix, suffixes, stem] of cases) {
      const path = new Path(p);
      expect([path.name, path.suffix, path.suffixes, path.stem]).toEqual([name, suffix, suffixes, stem]);
    }
  });

  it("parent and parents are logical", () => {
    if (process.platform === "win32") return;
    expect(String(new Path("/a/b/c").parent)).toBe("/a/b");
    expect(String(new Path("a").parent)).toBe(".");
    expect(String(new Path("/").parent)).toBe("/");
    expect(String(new Path(".").parent)).toBe(".");
    expect(String(new Path("a/..").parent)).toBe("a");
    expect(new Path("/a/b/c").parents.map(String)).toEqual(["/a/b", "/a", "/"]);
    expect(new Path("a/b").parents.map(String)).toEqual(["a", "."]);
  });

  it("withName, withStem, withSuffix and their errors", () => {
    if (process.platform === "win32") return;
    expect(String(new Path("a/b.txt").withName("c.md"))).toBe("a/c.md");
    expect(String(new Path("a/b.txt").withStem("c"))).toBe("a/c.txt");
    expect(String(new Path("a/b.txt").withSuffix(".md"))).toBe("a/b.md");
    expect(String(new Path("a/b.txt").withSuffix(""))).toBe("a/b");
    expect(String(new Path("a/b").withSuffix(".gz"))).toBe("a/b.gz");
    expect(() => new Path("/").withName("x")).toThrow("'/' has an empty name");
    for (const bad of ["", ".", "x/y", "/x"]) expect(() => new Path("a/b").withName(bad)).toThrow(ValueError);
    for (const bad of ["md", ".", "./x", "a/.b"]) expect(() => new Path("a/b").withSuffix(bad)).toThrow(`Invalid suffix '${bad}'`);
    expect(() => new Path(".").withSuffix(".x")).toThrow("has an empty name");
  });

  it("relativeTo, isRelativeTo, asUri", () => {
    if (process.platform === "win32") return;
    expect(String(new Path("/a/b/c").relativeTo("/a"))).toBe("b/c");
    expect(String(new Path("/a/b").relativeTo("/a/b"))).toBe(".");
    expect(() => new Path("/a/b").relativeTo("/c")).toThrow("'/a/b' is not in the subpath of '/c'");
    expect(String(new Path("/a/b").relativeTo("/a/c/d", { walkUp: true }))).toBe("../../b");
    expect(() => new Path("a").relativeTo("/a", { walkUp: true })).toThrow(ValueError);
    expect(new Path("/a/b").isRelativeTo("/a")).toBe(true);
    expect(new Path("/ab").isRelativeTo("/a")).toBe(false);
    expect(new Path("/x y").asUri()).toBe("file:///x%20y");
    expect(() => new Path("x").asUri()).toThrow("relative path can't be expressed as a file URI");
  });

  it("a Path is what openFile, JSON and template strings take as a string", () => {
    const p = new Path("a", "b");
    expect(p.fspath()).toBe(String(p));
    expect(JSON.stringify({ p })).toBe(JSON.stringify({ p: String(p) }));
  });
});

describe("file-system methods", () => {
  it(
    "readText, writeText, readBytes, writeBytes",
    trioTest(async () => {
      const p = path();
      expect(await p.writeText("é\nline\r\nend")).toBe(11);
      expect(await p.readText()).toBe("é\nline\nend");
      expect(await p.readText({ newline: "" })).toBe("é\nline\r\nend");
      expect(await p.writeText("é", { encoding: "latin-1" })).toBe(1);
      expect(await p.readBytes()).toEqual(new Uint8Array([0xe9]));
      expect(await caught(() => p.readText())).toBeInstanceOf(trio.UnicodeDecodeError);
      expect(await p.readText({ encoding: "latin-1" })).toBe("é");
      expect(await p.writeBytes(new Uint8Array([104, 105]))).toBe(2);
      expect(await p.readText()).toBe("hi");
      expect(await caught(() => p.writeBytes("hi" as any))).toBeInstanceOf(TypeError);
      expect(await caught(() => p.writeText(1 as any))).toBeInstanceOf(TypeError);
      const missing = await caught(() => new Path(dir, "missing").readText());
      expect(missing).toBeInstanceOf(trio.FileNotFoundError);
      expect(missing.code).toBe("ENOENT");
      expect(missing.path).toBe(nodePath.join(dir, "missing"));
      const bytes = await p.readBytes();
      expect(Object.getPrototypeOf(bytes)).toBe(Uint8Array.prototype);
    }),
  );

  it(
    "exists, isFile, isDir, isSymlink answer false instead of failing",
    trioTest(async () => {
      const p = path();
      for (const q of [p, p.join("below")]) {
        expect([await q.exists(), await q.isFile(), await q.isDir(), await q.isSymlink()]).toEqual([false, false, false, false]);
      }
      await p.writeText("x");
      // ENOTDIR: a path below a file.
      expect(await p.join("below").exists()).toBe(false);
      expect([await p.exists(), await p.isFile(), await p.isDir()]).toEqual([true, true, false]);
      expect([await p.isFifo(), await p.isSocket(), await p.isBlockDevice(), await p.isCharDevice()]).toEqual([false, false, false, false]);
      const link = new Path(dir, "link");
      await link.symlinkTo(new Path(dir, "nowhere"));
      expect([await link.exists(), await link.exists({ followSymlinks: false }), await link.isSymlink()]).toEqual([false, true, true]);
      expect(String(await link.readlink())).toBe(nodePath.join(dir, "nowhere"));
      expect((await link.lstat()).isSymbolicLink()).toBe(true);
      expect((await link.stat({ followSymlinks: false })).isSymbolicLink()).toBe(true);
      expect(await caught(() => link.stat())).toBeInstanceOf(trio.FileNotFoundError);
    }),
  );

  it(
    "mkdir with Python's parents and existOk",
    trioTest(async () => {
      const p = path();
      await p.mkdir();
      expect(await p.isDir()).toBe(true);
      const again = await caught(() => p.mkdir());
      expect(again).toBeInstanceOf(trio.FileExistsError);
      expect(again.code).toBe("EEXIST");
      await p.mkdir({ existOk: true });
      const deep = p.join("a", "b", "c");
      expect(await caught(() => deep.mkdir())).toBeInstanceOf(trio.FileNotFoundError);
      await deep.mkdir({ parents: true });
      expect(await deep.isDir()).toBe(true);
      expect(await caught(() => deep.mkdir({ parents: true }))).toBeInstanceOf(trio.FileExistsError);
      await deep.mkdir({ parents: true, existOk: true });
      const file = p.join("file");
      await file.touch();
      expect(await caught(() => file.mkdir({ existOk: true }))).toBeInstanceOf(trio.FileExistsError);
      expect(await caught(() => file.join("x").mkdir({ parents: true }))).toBeInstanceOf(trio.NotADirectoryError);
      const restricted = p.join("restricted");
      await restricted.mkdir({ mode: 0o700 });
      expect((await restricted.stat()).mode & 0o777).toBe(0o700);
    }),
  );

  it(
    "touch, stat, unlink, rmdir, rename, replace, samefile, hardlinkTo, chmod",
    trioTest(async () => {
      const p = path();
      await p.touch();
      expect((await p.stat()).size).toBe(0);
      expect(await caught(() => p.touch({ existOk: false }))).toBeInstanceOf(trio.FileExistsError);
      const old = new Date(2000, 0, 1);
      const { utimesSync } = await import("node:fs");
      utimesSync(p.fspath(), old, old);
      await p.touch();
      expect((await p.stat()).mtimeMs).toBeGreaterThan(old.getTime());
      await p.chmod(0o600);
      expect((await p.stat()).mode & 0o777).toBe(0o600);

      const moved = await p.rename(new Path(dir, "moved"));
      expect(moved).toBeInstanceOf(Path);
      expect(String(moved)).toBe(nodePath.join(dir, "moved"));
      expect([await p.exists(), await moved.exists()]).toEqual([false, true]);
      await p.writeText("new");
      const replaced = await p.replace(moved);
      expect(await replaced.readText()).toBe("new");

      const hard = new Path(dir, "hard");
      await hard.hardlinkTo(moved);
      expect(await hard.samefile(moved)).toBe(true);
      expect(await hard.samefile(dir)).toBe(false);

      await hard.unlink();
      expect(await caught(() => hard.unlink())).toBeInstanceOf(trio.FileNotFoundError);
      await hard.unlink({ missingOk: true });
      const sub = new Path(dir, "sub");
      await sub.mkdir();
      await sub.join("f").touch();
      const notEmpty = await caught(() => sub.rmdir());
      expect(notEmpty).toBeInstanceOf(trio.OSError);
      expect(notEmpty.code).toBe("ENOTEMPTY");
      await sub.join("f").unlink();
      await sub.rmdir();
      expect(existsSync(sub.fspath())).toBe(false);
    }),
  );

  it(
    "resolve: symlinks and '..' resolved, a missing tail kept unless strict",
    trioTest(async () => {
      const real = realpathSync(dir);
      mkdirSync(nodePath.join(dir, "target"));
      symlinkSync(nodePath.join(dir, "target"), nodePath.join(dir, "link"));
      expect(String(await new Path(dir, "link", "..", "link").resolve())).toBe(nodePath.join(real, "target"));
      expect(String(await new Path(dir, "link", "missing", "deeper").resolve())).toBe(nodePath.join(real, "target", "missing", "deeper"));
      expect(await caught(() => new Path(dir, "missing").resolve({ strict: true }))).toBeInstanceOf(trio.FileNotFoundError);
      expect(lstatSync(nodePath.join(dir, "link")).isSymbolicLink()).toBe(true);
    }),
  );

  it(
    "expanduser",
    trioTest(async () => {
      expect(String(await new Path("~", "x").expanduser())).toBe(nodePath.join(homedir(), "x"));
      expect(String(await new Path("a/~").expanduser())).toBe(nodePath.join("a", "~"));
      expect(await caught(() => new Path("~no-such-user-here/x").expanduser())).toBeInstanceOf(RuntimeError);
    }),
  );

  it(
    "open() takes Python's modes and text options",
    trioTest(async () => {
      const p = path();
      const w = await p.open("wb");
      await w.write(new Uint8Array([0x61, 0x0d, 0x0a]));
      await w.aclose();
      const r = await p.open("r", { newline: "" });
      expect(await r.read()).toBe("a\r\n");
      await r.aclose();
      expect(readFileSync(p.fspath(), "latin1")).toBe("a\r\n");
    }),
  );
});

describe("checkpoints, flavor, cancellation", () => {
  it(
    "every file-system method is a checkpoint; the first step of iterdir is one",
    trioTest(async () => {
      const p = path();
      await assertCheckpoints(() => p.mkdir());
      await assertCheckpoints(() => p.join("f").writeText("x"));
      await assertCheckpoints(() => p.join("f").readText());
      await assertCheckpoints(() => p.exists());
      await assertCheckpoints(() => p.resolve());
      await assertCheckpoints(() => p.absolute());
      await assertCheckpoints(() => Path.cwd());
      const it = p.iterdir();
      await assertCheckpoints(() => it.next());
      await assertCheckpoints(() => caught(() => p.join("missing").unlink()));
    }),
  );

  it("pure members work anywhere; file-system methods reject with FlavorError outside a Trio task", async () => {
    const p = path();
    expect(p.name).toBe("test");
    await expect(p.readText()).rejects.toThrow(FlavorError);
    await expect(p.writeText("x")).rejects.toThrow(FlavorError);
    await expect(Path.cwd()).rejects.toThrow(FlavorError);
    await expect(p.iterdir().next()).rejects.toThrow(FlavorError);
    expect(existsSync(p.fspath())).toBe(false);
  });

  it(
    "a pending cancellation raises before anything is done",
    trioTest(async () => {
      const p = path();
      await new CancelScope().run(async (scope) => {
        scope.cancel();
        expect(await caught(() => p.writeText("x"))).toBeInstanceOf(trio.Cancelled);
        expect(await caught(() => p.mkdir())).toBeInstanceOf(trio.Cancelled);
      });
      expect(existsSync(p.fspath())).toBe(false);
    }),
  );

  it(
    "a read is abandoned at once; a write completes and the next checkpoint raises",
    trioTest(async () => {
      const p = path();
      writeFileSync(p.fspath(), "old");
      const events: string[] = [];
      for (const op of ["readText", "writeText"] as const) {
        let worker: Task | undefined;
        const scope = new CancelScope();
        await openNursery(async (nursery) => {
          nursery.startSoon(async () => {
            await scope.run(async () => {
              worker = trio.lowlevel.currentTask();
              try {
                const result = op === "readText" ? await p.readText() : await p.writeText("new");
                events.push(`${op} returned ${result}`);
                await trio.sleep(0);
              } catch (error) {
                events.push(`${op} then ${(error as Error).name}`);
                throw error;
              }
            });
          });
          await untilWaitingIn(() => worker, `trio.Path.${op}()`);
          scope.cancel();
          events.push(`cancelled during ${op}`);
        });
      }
      expect(events).toEqual([
        "cancelled during readText",
        "readText then Cancelled",
        "cancelled during writeText",
        "writeText returned 3",
        "writeText then Cancelled",
      ]);
      expect(readFileSync(p.fspath(), "utf8")).toBe("new");
    }),
  );
});
