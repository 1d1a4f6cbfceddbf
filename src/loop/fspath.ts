/**
 * Paths as both flavors take them: a string, a `file:` URL, or a path-like object (with
 * Python's `os.PathLike` method, `fspath()`, such as a `trio.Path`).
 */
import { fileURLToPath } from "node:url";
import { typeName } from "../errors/describe.js";

/** Anything with Python's `os.PathLike` method, such as a `trio.Path`. */
export interface FsPathLike {
  /** The path as a string (Python's `__fspath__`). */
  fspath(): string;
}

/** What the file functions accept as a path: a string, a `file:` URL, or an `FsPathLike` (a `trio.Path`). */
export type PathArg = string | URL | FsPathLike;

/** @internal Python's `os.fspath`: the path string of `value`, or TypeError. */
export function fspath(value: unknown, call: string): string {
  if (typeof value === "string") return value;
  if (value instanceof URL) {
    if (value.protocol !== "file:") throw new TypeError(`${call}: only file: URLs name files, got ${value.protocol} URL`);
    return fileURLToPath(value);
  }
  if (typeof value === "object" && value !== null && typeof (value as Partial<FsPathLike>).fspath === "function") {
    const path = (value as FsPathLike).fspath();
    if (typeof path !== "string") throw new TypeError(`${call}: fspath() must return a string, got ${typeName(path)}`);
    return path;
  }
  throw new TypeError(`${call}: expected a string, a file: URL or a path-like object (such as trio.Path), not ${typeName(value)}`);
}
