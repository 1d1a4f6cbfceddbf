/**
 * `trio.Path`: Python's `pathlib.Path`, whose file-system methods are async Trio waits
 * (Trio runs them in a thread; here each is a `node:fs/promises` call, see `./file.ts`
 * for the cancellation rules: methods that only look are abandoned on cancel, methods
 * that change something run to completion).
 * @packageDocumentation
 */
import type { Stats } from "node:fs";
import * as fsp from "node:fs/promises";
import { homedir, userInfo } from "node:os";
import * as nodePath from "node:path";
import { pathToFileURL } from "node:url";
import { inspect } from "node:util";
import { RuntimeError, ValueError } from "../errors/builtins.js";
import { typeName } from "../errors/describe.js";
import { AsyncFile, openFile, type BinaryMode, type TextMode } from "./file.js";
import { fsCall } from "./file-backends.js";
import { fspath, TextCodec, type FsPathLike, type TextOptions } from "./file-modes.js";

/** What a `trio.Path` is built from: strings, `file:` URLs, other paths (anything with `fspath()`). */
export type PathSegment = string | URL | FsPathLike;

const WINDOWS = process.platform === "win32";
const SEP = WINDOWS ? "\\" : "/";
/** The errors for which `exists()` and the `is...()` methods answer false instead of throwing (as Python's pathlib). */
const MEANS_NO = new Set(["ENOENT", "ENOTDIR", "EBADF", "ELOOP"]);

function errorCode(error: unknown): unknown {
  return typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
}

/** Splits a joined path string into its anchor (drive and root) and the rest. */
function splitRoot(path: string): [string, string] {
  if (WINDOWS) {
    const p = path.replace(/\//g, "\\");
    const root = nodePath.win32.parse(p).root;
    return [root, p.slice(root.length)];
  }
  if (!path.startsWith("/")) return ["", path];
  // POSIX gives exactly two leading slashes an implementation-defined meaning; Python keeps them.
  if (path.startsWith("//") && !path.startsWith("///")) return ["//", path.slice(2)];
  return ["/", path.replace(/^\/+/, "")];
}

function isAbsoluteString(path: string): boolean {
  return WINDOWS ? nodePath.win32.isAbsolute(path) || /^[a-zA-Z]:/.test(path) : path.startsWith("/");
}

function pyRepr(text: string): string {
  return `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

function toBytes(data: unknown, call: string): Uint8Array {
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw new TypeError(`${call}: a bytes-like object is required, not ${typeof data === "string" ? "'str'" : typeName(data)}`);
}

/** Options of `Path.mkdir` (Python's arguments). */
export interface MkdirOptions {
  /** Permission bits, before the umask (default 0o777). */
  mode?: number;
  /** Create missing parent directories too (default false). */
  parents?: boolean;
  /** Do not fail if the directory already exists (default false; a non-directory there still fails). */
  existOk?: boolean;
}

/** Options of `Path.touch` (Python's arguments). */
export interface TouchOptions {
  /** Permission bits for a new file, before the umask (default 0o666). */
  mode?: number;
  /** If false, fail with FileExistsError when the file exists (default true: update its times). */
  existOk?: boolean;
}

/**
 * A file-system path with Python's `pathlib` behaviour (Trio's `trio.Path`): the pure
 * path operations are sync and work anywhere; the methods that touch the file system are
 * async, Trio-flavored, and each one is a checkpoint.
 *
 * Built from segments: `new trio.Path("/tmp", "data", "x.txt")`; a segment that is
 * absolute replaces what comes before it; "." segments and repeated separators are
 * dropped, ".." is kept (as in Python). `join(...)` is Python's `/` operator. Paths are
 * immutable. On Windows the anchor (drive and root) is found by `node:path`'s win32
 * rules; the behaviour is tested on POSIX.
 *
 * Errors from the file system are `trio.OSError` subclasses (FileNotFoundError for
 * Node's "ENOENT", and so on: see `trio.OSError`), with Node's `code` kept.
 * Construct anywhere; sync members are either flavor.
 */
export class Path implements FsPathLike {
  /** The drive and root ("/" or "" on POSIX). */
  readonly anchor: string;
  private readonly _tail: readonly string[];
  private readonly _str: string;

  constructor(...segments: PathSegment[]) {
    let joined = "";
    for (const segment of segments) {
      const s = segment instanceof Path ? segment._str : fspath(segment, "trio.Path()");
      if (joined === "" || isAbsoluteString(s)) joined = s;
      else if (s !== "") joined = joined.endsWith(SEP) || joined.endsWith("/") ? joined + s : joined + SEP + s;
    }
    const [anchor, rest] = splitRoot(joined);
    this.anchor = anchor;
    this._tail = rest.split(WINDOWS ? /[\\/]/ : "/").filter((part) => part !== "" && part !== ".");
    this._str = anchor + this._tail.join(SEP) || ".";
  }

  /** A new path of the same class (Python's `with_segments`). */
  private _with(...segments: PathSegment[]): this {
    return new (this.constructor as new (...s: PathSegment[]) => this)(...segments);
  }

  // ---------------------------------------------------------------- pure path (sync, either flavor)

  /** The path as a string. Sync, either flavor. */
  toString(): string {
    return this._str;
  }

  /** The path as a string (Python's `os.fspath`); what `trio.openFile` and the other file functions use. Sync, either flavor. */
  fspath(): string {
    return this._str;
  }

  /** The path as a string, for JSON.stringify. Sync, either flavor. */
  toJSON(): string {
    return this._str;
  }

  /** `trio.Path('...')` in console.log and util.inspect (Python's repr). Sync, either flavor. */
  [inspect.custom](): string {
    return `trio.Path(${pyRepr(this._str)})`;
  }

  /** The drive ("C:" on Windows; always "" on POSIX). Sync, either flavor. */
  get drive(): string {
    const a = this.anchor;
    return a.endsWith("\\") ? a.slice(0, -1) : a.startsWith("/") ? "" : a;
  }

  /** The root ("/", "//", "\\" or ""). Sync, either flavor. */
  get root(): string {
    const a = this.anchor;
    return a.endsWith("\\") ? "\\" : a.startsWith("/") ? a : "";
  }

  /** The anchor followed by each name: `["/", "usr", "bin"]`. Sync, either flavor. */
  get parts(): readonly string[] {
    return this.anchor === "" ? [...this._tail] : [this.anchor, ...this._tail];
  }

  /** The final component ("" for a root or "."). Sync, either flavor. */
  get name(): string {
    return this._tail[this._tail.length - 1] ?? "";
  }

  /** The extension of the final component, dot included (".gz" for "a.tar.gz"; "" for ".bashrc"). Sync, either flavor. */
  get suffix(): string {
    const name = this.name;
    const i = name.lastIndexOf(".");
    return i > 0 && i < name.length - 1 ? name.slice(i) : "";
  }

  /** All the extensions of the final component ([".tar", ".gz"]). Sync, either flavor. */
  get suffixes(): string[] {
    const name = this.name;
    if (name.endsWith(".")) return [];
    return name
      .replace(/^\.+/, "")
      .split(".")
      .slice(1)
      .map((s) => `.${s}`);
  }

  /** The final component without its suffix. Sync, either flavor. */
  get stem(): string {
    const suffix = this.suffix;
    return suffix === "" ? this.name : this.name.slice(0, -suffix.length);
  }

  /** The logical parent (the path itself for a root or "."; no ".." resolution). Sync, either flavor. */
  get parent(): this {
    if (this._tail.length === 0) return this;
    return this._with(this.anchor + this._tail.slice(0, -1).join(SEP));
  }

  /** The logical ancestors, nearest first: for "/a/b/c", ["/a/b", "/a", "/"]. Sync, either flavor. */
  get parents(): this[] {
    const out: this[] = [];
    for (let p = this.parent, prev: this = this; p._str !== prev._str; prev = p, p = p.parent) out.push(p);
    return out;
  }

  /** This path joined with `segments` (Python's `joinpath`, and the `/` operator). Sync, either flavor. */
  joinpath(...segments: PathSegment[]): this {
    return this._with(this, ...segments);
  }

  /** Python's `path / other`: the same as `joinpath`. Sync, either flavor. */
  join(...segments: PathSegment[]): this {
    return this._with(this, ...segments);
  }

  /** Whether it has a root (and, on Windows, a drive). Sync, either flavor. */
  isAbsolute(): boolean {
    return WINDOWS ? this.drive !== "" && this.root !== "" : this.root !== "";
  }

  /** The same path with another final component; ValueError if it has none or `name` is not a single name. Sync, either flavor. */
  withName(name: string): this {
    if (this.name === "") throw new ValueError(`${pyRepr(this._str)} has an empty name`);
    if (typeof name !== "string") throw new TypeError(`withName() needs a string, not ${typeName(name)}`);
    const parsed = new Path(name);
    if (parsed.anchor !== "" || parsed._tail.length !== 1 || parsed._tail[0] !== name) throw new ValueError(`Invalid name ${pyRepr(name)}`);
    return this._with(this.anchor + [...this._tail.slice(0, -1), name].join(SEP));
  }

  /** The same path with another stem (the suffix kept). Sync, either flavor. */
  withStem(stem: string): this {
    return this.withName(stem + this.suffix);
  }

  /** The same path with another suffix ("" removes it); ValueError for a suffix without a leading dot. Sync, either flavor. */
  withSuffix(suffix: string): this {
    if (typeof suffix !== "string") throw new TypeError(`withSuffix() needs a string, not ${typeName(suffix)}`);
    if (suffix.includes("/") || suffix.includes(SEP) || (suffix !== "" && !suffix.startsWith(".")) || suffix === ".") {
      throw new ValueError(`Invalid suffix ${pyRepr(suffix)}`);
    }
    const name = this.name;
    if (name === "") throw new ValueError(`${pyRepr(this._str)} has an empty name`);
    const old = this.suffix;
    return this.withName((old === "" ? name : name.slice(0, -old.length)) + suffix);
  }

  /**
   * This path relative to `other`: ValueError if it is not inside `other` (with
   * `walkUp: true`, ".." components climb out instead, as Python 3.12). Sync, either flavor.
   */
  relativeTo(other: PathSegment, options: { walkUp?: boolean } = {}): this {
    const base = other instanceof Path ? other : new Path(other);
    const ancestors = [base, ...base.parents];
    for (let step = 0; step < ancestors.length; step++) {
      const p = ancestors[step];
      if (this.isRelativeTo(p)) {
        if (step > 0 && p._tail.includes("..")) throw new ValueError(`'..' segment in ${pyRepr(base._str)} cannot be walked`);
        return this._with(...Array<string>(step).fill(".."), ...this._tail.slice(p._tail.length));
      }
      if (options.walkUp !== true) break;
    }
    throw new ValueError(`${pyRepr(this._str)} is not in the subpath of ${pyRepr(base._str)}`);
  }

  /** Whether this path is `other` or inside it (lexically). Sync, either flavor. */
  isRelativeTo(other: PathSegment): boolean {
    const base = other instanceof Path ? other : new Path(other);
    if (!same(base.anchor, this.anchor) || base._tail.length > this._tail.length) return false;
    return base._tail.every((part, i) => same(part, this._tail[i]));
  }

  /** The `file://` URI of an absolute path; ValueError for a relative one. Sync, either flavor. */
  asUri(): string {
    if (!this.isAbsolute()) throw new ValueError("relative path can't be expressed as a file URI");
    return pathToFileURL(this._str).href;
  }

  /** Whether `other` is the same path, compared as strings (case-insensitively on Windows), as Python's `==`. Sync, either flavor. */
  equals(other: unknown): boolean {
    if (!(other instanceof Path)) return false;
    return same(this._str, other._str);
  }

  // ---------------------------------------------------------------- file system (async, Trio-flavored)

  /** The current working directory (Python's `Path.cwd()`). Trio-flavored; a checkpoint. */
  static async cwd(): Promise<Path> {
    const cls = typeof this === "function" ? this : Path;
    return fsCall("trio.Path.cwd()", true, async () => new cls(process.cwd()));
  }

  /** The user's home directory (Python's `Path.home()`). Trio-flavored; a checkpoint. */
  static async home(): Promise<Path> {
    const cls = typeof this === "function" ? this : Path;
    return fsCall("trio.Path.home()", true, async () => new cls(homedir()));
  }

  /** Information about the file (Node's `fs.Stats`: `size`, `mtimeMs`, `mode`, `isFile()`...; of the link itself with `followSymlinks: false`). Trio-flavored; a checkpoint. */
  async stat(options: { followSymlinks?: boolean } = {}): Promise<Stats> {
    const follow = options.followSymlinks ?? true;
    return fsCall("trio.Path.stat()", true, () => (follow ? fsp.stat(this._str) : fsp.lstat(this._str)));
  }

  /** `stat` of a symbolic link itself. Trio-flavored; a checkpoint. */
  async lstat(): Promise<Stats> {
    return fsCall("trio.Path.lstat()", true, () => fsp.lstat(this._str));
  }

  /** Changes the permission bits. Trio-flavored; a checkpoint. */
  async chmod(mode: number): Promise<void> {
    return fsCall("trio.Path.chmod()", false, () => fsp.chmod(this._str, mode));
  }

  private _test(what: string, follow: boolean, test: (s: Stats) => boolean): Promise<boolean> {
    return fsCall(what, true, () =>
      (follow ? fsp.stat(this._str) : fsp.lstat(this._str)).then(test, (error: unknown) => {
        if (MEANS_NO.has(errorCode(error) as string)) return false;
        throw error;
      }),
    );
  }

  /** Whether something exists there (a broken symlink does not, unless `followSymlinks: false`). Trio-flavored; a checkpoint. */
  async exists(options: { followSymlinks?: boolean } = {}): Promise<boolean> {
    return this._test("trio.Path.exists()", options.followSymlinks ?? true, () => true);
  }

  /** Whether it is a regular file (following symlinks); false if it does not exist. Trio-flavored; a checkpoint. */
  async isFile(): Promise<boolean> {
    return this._test("trio.Path.isFile()", true, (s) => s.isFile());
  }

  /** Whether it is a directory (following symlinks); false if it does not exist. Trio-flavored; a checkpoint. */
  async isDir(): Promise<boolean> {
    return this._test("trio.Path.isDir()", true, (s) => s.isDirectory());
  }

  /** Whether it is a symbolic link. Trio-flavored; a checkpoint. */
  async isSymlink(): Promise<boolean> {
    return this._test("trio.Path.isSymlink()", false, (s) => s.isSymbolicLink());
  }

  /** Whether it is a FIFO (named pipe). Trio-flavored; a checkpoint. */
  async isFifo(): Promise<boolean> {
    return this._test("trio.Path.isFifo()", true, (s) => s.isFIFO());
  }

  /** Whether it is a Unix socket. Trio-flavored; a checkpoint. */
  async isSocket(): Promise<boolean> {
    return this._test("trio.Path.isSocket()", true, (s) => s.isSocket());
  }

  /** Whether it is a block device. Trio-flavored; a checkpoint. */
  async isBlockDevice(): Promise<boolean> {
    return this._test("trio.Path.isBlockDevice()", true, (s) => s.isBlockDevice());
  }

  /** Whether it is a character device. Trio-flavored; a checkpoint. */
  async isCharDevice(): Promise<boolean> {
    return this._test("trio.Path.isCharDevice()", true, (s) => s.isCharacterDevice());
  }

  /** Whether `other` is the same file (same device and inode). Trio-flavored; a checkpoint. */
  async samefile(other: PathSegment): Promise<boolean> {
    const otherStr = other instanceof Path ? other._str : fspath(other, "trio.Path.samefile()");
    return fsCall("trio.Path.samefile()", true, async () => {
      const [a, b] = await Promise.all([fsp.stat(this._str), fsp.stat(otherStr)]);
      return a.dev === b.dev && a.ino === b.ino;
    });
  }

  /**
   * The entries of this directory, as paths joined onto this one, in the order the OS
   * lists them: `for await (const child of dir.iterdir())`. The listing is read at the
   * first step (a checkpoint; as in Trio, whole, then handed out), the other steps do not
   * wait. Trio-flavored.
   */
  async *iterdir(): AsyncGenerator<this, void, undefined> {
    const names = await fsCall("trio.Path.iterdir()", true, () => fsp.readdir(this._str));
    for (const name of names) yield this._with(this, name);
  }

  /** Creates the directory, as Python's `mkdir(mode, parents, exist_ok)` (see `MkdirOptions`). Trio-flavored; a checkpoint. */
  async mkdir(options: MkdirOptions = {}): Promise<void> {
    const { mode = 0o777, parents = false, existOk = false } = options;
    return fsCall("trio.Path.mkdir()", false, () => mkdirLikePython(this, mode, parents, existOk));
  }

  /** Removes the (empty) directory. Trio-flavored; a checkpoint. */
  async rmdir(): Promise<void> {
    return fsCall("trio.Path.rmdir()", false, () => fsp.rmdir(this._str));
  }

  /** Removes the file or symbolic link; with `missingOk`, a missing one is not an error. Trio-flavored; a checkpoint. */
  async unlink(options: { missingOk?: boolean } = {}): Promise<void> {
    const missingOk = options.missingOk ?? false;
    return fsCall("trio.Path.unlink()", false, () =>
      fsp.unlink(this._str).catch((error: unknown) => {
        if (!(missingOk && errorCode(error) === "ENOENT")) throw error;
      }),
    );
  }

  /**
   * Renames it to `target` (a relative target is relative to the working directory, not to
   * this path) and returns the new path. Node's rename replaces an existing target, like
   * Python's `replace`. Trio-flavored; a checkpoint.
   */
  async rename(target: PathSegment): Promise<this> {
    const to = this._with(target);
    await fsCall("trio.Path.rename()", false, () => fsp.rename(this._str, to._str));
    return to;
  }

  /** Python's `replace`: renames it to `target`, replacing an existing file. Trio-flavored; a checkpoint. */
  async replace(target: PathSegment): Promise<this> {
    const to = this._with(target);
    await fsCall("trio.Path.replace()", false, () => fsp.rename(this._str, to._str));
    return to;
  }

  /** Creates the file if missing, else updates its times (see `TouchOptions`). Trio-flavored; a checkpoint. */
  async touch(options: TouchOptions = {}): Promise<void> {
    const { mode = 0o666, existOk = true } = options;
    return fsCall("trio.Path.touch()", false, async () => {
      if (existOk) {
        const now = new Date();
        try {
          await fsp.utimes(this._str, now, now);
          return;
        } catch {
          // Missing (or not ours to touch): create it, and let that report the error.
        }
      }
      await (await fsp.open(this._str, existOk ? "a" : "wx", mode)).close();
    });
  }

  /** Makes this path a symbolic link to `target`. Trio-flavored; a checkpoint. */
  async symlinkTo(target: PathSegment, options: { targetIsDirectory?: boolean } = {}): Promise<void> {
    const to = target instanceof Path ? target._str : fspath(target, "trio.Path.symlinkTo()");
    return fsCall("trio.Path.symlinkTo()", false, () => fsp.symlink(to, this._str, options.targetIsDirectory === true ? "dir" : "file"));
  }

  /** Makes this path a hard link to `target`. Trio-flavored; a checkpoint. */
  async hardlinkTo(target: PathSegment): Promise<void> {
    const to = target instanceof Path ? target._str : fspath(target, "trio.Path.hardlinkTo()");
    return fsCall("trio.Path.hardlinkTo()", false, () => fsp.link(to, this._str));
  }

  /** The path a symbolic link points to. Trio-flavored; a checkpoint. */
  async readlink(): Promise<this> {
    const target = await fsCall("trio.Path.readlink()", true, () => fsp.readlink(this._str));
    return this._with(target);
  }

  /**
   * The absolute path with symbolic links resolved (and ".." removed). A missing part
   * is kept as it is, unless `strict` (then FileNotFoundError). Trio-flavored; a checkpoint.
   */
  async resolve(options: { strict?: boolean } = {}): Promise<this> {
    const strict = options.strict ?? false;
    const resolved = await fsCall("trio.Path.resolve()", true, () => (strict ? fsp.realpath(this._str) : realpathLoose(nodePath.resolve(this._str))));
    return this._with(resolved);
  }

  /** The path made absolute on the working directory, without resolving anything. Trio-flavored; a checkpoint. */
  async absolute(): Promise<this> {
    return fsCall("trio.Path.absolute()", true, async () => (this.isAbsolute() ? this : this._with(process.cwd(), this)));
  }

  /** "~" and "~/..." expanded to the home directory ("~user" only for the current user; RuntimeError otherwise). Trio-flavored; a checkpoint. */
  async expanduser(): Promise<this> {
    return fsCall("trio.Path.expanduser()", true, async () => {
      const first = this._tail[0];
      if (this.anchor !== "" || first === undefined || !first.startsWith("~")) return this;
      const user = first.slice(1);
      if (user !== "" && user !== userInfo().username) throw new RuntimeError(`Could not determine home directory for ${pyRepr(user)}.`);
      return this._with(homedir(), ...this._tail.slice(1));
    });
  }

  /** The whole file as text (see `TextOptions`; universal newlines by default). Trio-flavored; a checkpoint. */
  async readText(options: TextOptions = {}): Promise<string> {
    const codec = new TextCodec(options.encoding, options.errors, options.newline, "trio.Path.readText()");
    const bytes = await fsCall("trio.Path.readText()", true, () => fsp.readFile(this._str));
    return codec.decode(bytes);
  }

  /** Replaces the file's contents with `data` as text; returns the number of characters. Trio-flavored; a checkpoint. */
  async writeText(data: string, options: TextOptions = {}): Promise<number> {
    if (typeof data !== "string") throw new TypeError(`trio.Path.writeText(): data must be str, not ${typeName(data)}`);
    const bytes = new TextCodec(options.encoding, options.errors, options.newline, "trio.Path.writeText()").encode(data);
    await fsCall("trio.Path.writeText()", false, () => fsp.writeFile(this._str, bytes));
    return TextCodec.length(data);
  }

  /** The whole file as bytes. Trio-flavored; a checkpoint. */
  async readBytes(): Promise<Uint8Array> {
    const bytes = await fsCall("trio.Path.readBytes()", true, () => fsp.readFile(this._str));
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Replaces the file's contents with `data` (bytes); returns the number of bytes. Trio-flavored; a checkpoint. */
  async writeBytes(data: Uint8Array | ArrayBufferView | ArrayBuffer): Promise<number> {
    const bytes = toBytes(data, "trio.Path.writeBytes()");
    await fsCall("trio.Path.writeBytes()", false, () => fsp.writeFile(this._str, bytes));
    return bytes.byteLength;
  }

  /** Opens the file: `trio.openFile(this, mode, options)`. Trio-flavored; a checkpoint. */
  open(mode: BinaryMode, options?: TextOptions): Promise<AsyncFile<Uint8Array>>;
  open(mode?: TextMode, options?: TextOptions): Promise<AsyncFile<string>>;
  open(mode: string, options?: TextOptions): Promise<AsyncFile>;
  open(mode: string = "r", options: TextOptions = {}): Promise<AsyncFile> {
    return openFile(this, mode, options);
  }
}

function same(a: string, b: string): boolean {
  return WINDOWS ? a.toLowerCase() === b.toLowerCase() : a === b;
}

/** Python's `Path.mkdir` algorithm on Node calls. */
async function mkdirLikePython(path: Path, mode: number, parents: boolean, existOk: boolean): Promise<void> {
  const p = path.fspath();
  try {
    await fsp.mkdir(p, { mode });
  } catch (error) {
    const parent = path.parent;
    if (parents && errorCode(error) === "ENOENT" && parent.fspath() !== p) {
      await mkdirLikePython(parent, 0o777, true, true);
      return mkdirLikePython(path, mode, false, existOk);
    }
    if (!existOk || !(await fsp.stat(p).then((s) => s.isDirectory(), () => false))) throw error;
  }
}

/** `realpath` that keeps a missing tail as it is (Python's `resolve(strict=False)`). */
async function realpathLoose(path: string): Promise<string> {
  try {
    return await fsp.realpath(path);
  } catch (error) {
    if (!MEANS_NO.has(errorCode(error) as string)) throw error;
    const parent = nodePath.dirname(path);
    if (parent === path) return path;
    return nodePath.join(await realpathLoose(parent), nodePath.basename(path));
  }
}
