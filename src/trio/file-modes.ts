/**
 * What Python's `open()` decides before any I/O, for `trio.openFile` and `trio.Path`:
 * the mode string and its Node flags, the text codec (encoding, error handler, newline
 * translation), path arguments (`os.fspath`), and the Python-named errors that file
 * operations raise (`OSError` and its subclasses around Node's system errors,
 * `UnsupportedOperation`, `UnicodeDecodeError`, `UnicodeEncodeError`).
 */
import { EOL } from "node:os";
import { TextDecoder } from "node:util";
import { LookupError, NotImplementedError, ValueError, nameError } from "../errors/builtins.js";
import { typeName } from "../errors/describe.js";

// ------------------------------------------------------------------ errors

export {
  FileExistsError,
  FileNotFoundError,
  IsADirectoryError,
  NotADirectoryError,
  OSError,
  PermissionError,
} from "../errors/os-errors.js";

/**
 * An operation the file does not support, such as writing a file opened for reading or
 * seeking a pipe (Python's `io.UnsupportedOperation`, which is both an OSError and a
 * ValueError there; a ValueError here). Sync, either flavor.
 */
export class UnsupportedOperation extends ValueError {}
nameError(UnsupportedOperation, "UnsupportedOperation");

/** Bytes that are not valid in the file's encoding (Python's `UnicodeDecodeError`). Sync, either flavor. */
export class UnicodeDecodeError extends ValueError {}
nameError(UnicodeDecodeError, "UnicodeDecodeError");

/** Text that the file's encoding cannot represent (Python's `UnicodeEncodeError`). Sync, either flavor. */
export class UnicodeEncodeError extends ValueError {}
nameError(UnicodeEncodeError, "UnicodeEncodeError");

// ------------------------------------------------------------------ paths

export { fspath, type FsPathLike, type PathArg } from "../loop/fspath.js";

// ------------------------------------------------------------------ modes

/** Options of `trio.openFile` and `trio.Path.open` for text files (Python's `open()` arguments). */
export interface TextOptions {
  /** The text encoding (default "utf-8"): "utf-8", "latin-1" or "ascii", under any of Python's names for them. */
  encoding?: string | null;
  /** What a bad byte or character does: "strict" (default: UnicodeDecodeError / UnicodeEncodeError) or "replace". */
  errors?: string | null;
  /**
   * Python's newline handling. `null`/undefined (default): universal newlines (`"\n"`,
   * `"\r\n"` and `"\r"` end a line and read as `"\n"`; `"\n"` is written as the
   * platform's line separator). `""`: universal line ends, nothing translated. `"\n"`,
   * `"\r"` or `"\r\n"`: only that ends a line; a written `"\n"` becomes it.
   */
  newline?: string | null;
}

/** @internal A parsed mode. */
export interface OpenMode {
  /** The mode as `file.mode` shows it (Python: the text mode as given, binary normalized). */
  readonly display: string;
  /** Node's open flags. */
  readonly flags: string;
  readonly readable: boolean;
  readonly writable: boolean;
  readonly append: boolean;
  /** Whether opening changes the file system (creates or truncates). */
  readonly changesFiles: boolean;
  /** The text codec, or null in binary mode. */
  readonly text: TextCodec | null;
}

/** @internal Parses a Python mode string and text options as Python's `open()` does, with its errors. */
export function parseMode(mode: unknown, options: TextOptions, call: string): OpenMode {
  if (typeof mode !== "string") throw new TypeError(`${call}: argument 'mode' must be str, not ${typeName(mode)}`);
  if (typeof options !== "object" || options === null) throw new TypeError(`${call}: options must be an object such as { encoding: "utf-8" }`);
  const seen = new Set<string>();
  for (const c of mode) {
    if (!"rwxabt+".includes(c) || seen.has(c)) throw new ValueError(`invalid mode: '${mode}'`);
    seen.add(c);
  }
  const kinds = ["r", "w", "a", "x"].filter((c) => seen.has(c));
  if (kinds.length !== 1) throw new ValueError("must have exactly one of create/read/write/append mode");
  const binary = seen.has("b");
  if (binary && seen.has("t")) throw new ValueError("can't have text and binary mode at once");
  const plus = seen.has("+");
  const kind = kinds[0];
  const { encoding, errors, newline } = options;
  if (binary) {
    if (encoding != null) throw new ValueError("binary mode doesn't take an encoding argument");
    if (errors != null) throw new ValueError("binary mode doesn't take an errors argument");
    if (newline != null) throw new ValueError("binary mode doesn't take a newline argument");
  }
  const flags = { r: "r", w: "w", a: "a", x: "wx" }[kind]! + (plus ? "+" : "");
  return {
    display: binary ? (kind === "r" ? "rb" : `${kind}b`) + (plus ? "+" : "") : mode,
    flags,
    readable: kind === "r" || plus,
    writable: kind !== "r" || plus,
    append: kind === "a",
    changesFiles: kind !== "r",
    text: binary ? null : new TextCodec(encoding, errors, newline, call),
  };
}

// ------------------------------------------------------------------ text

type NodeEncoding = "utf8" | "latin1" | "ascii";

/** Python's names (normalized: lower case, runs of other characters as "_") for the encodings supported. */
const ENCODINGS: Readonly<Record<string, NodeEncoding>> = {
  utf_8: "utf8",
  utf8: "utf8",
  u8: "utf8",
  utf: "utf8",
  cp65001: "utf8",
  latin_1: "latin1",
  latin1: "latin1",
  latin: "latin1",
  l1: "latin1",
  iso_8859_1: "latin1",
  iso8859_1: "latin1",
  "8859": "latin1",
  cp819: "latin1",
  ascii: "ascii",
  us_ascii: "ascii",
  us: "ascii",
  "646": "ascii",
  iso646_us: "ascii",
  cp367: "ascii",
};
const CODEC_NAMES: Readonly<Record<NodeEncoding, string>> = { utf8: "utf-8", latin1: "latin-1", ascii: "ascii" };
const PYTHON_HANDLERS = new Set(["ignore", "surrogateescape", "surrogatepass", "backslashreplace", "xmlcharrefreplace", "namereplace"]);

const CR = 0x0d;
const LF = 0x0a;

/**
 * @internal A text file's codec: decoding, encoding and Python's newline rules, over
 * byte buffers. The supported encodings are ASCII-compatible, so "\n" and "\r" are
 * single bytes that never occur inside a multi-byte character: lines are found in the
 * bytes, and a file position is a byte offset (the `tell()` cookie).
 */
export class TextCodec {
  /** The encoding as given (Python's `file.encoding`). */
  readonly encoding: string;
  /** The error handler. */
  readonly errors: "strict" | "replace";
  /** The newline option (null: universal newlines with translation). */
  readonly newline: string | null;
  private readonly node: NodeEncoding;
  private readonly decoder: TextDecoder | null;

  constructor(encoding: unknown, errors: unknown, newline: unknown, call: string) {
    if (encoding != null && typeof encoding !== "string") throw new TypeError(`${call}: encoding must be a string, not ${typeName(encoding)}`);
    if (errors != null && typeof errors !== "string") throw new TypeError(`${call}: errors must be a string, not ${typeName(errors)}`);
    if (newline != null && typeof newline !== "string") throw new TypeError(`${call}: newline must be a string or null, not ${typeName(newline)}`);
    this.encoding = encoding ?? "utf-8";
    const node = ENCODINGS[this.encoding.toLowerCase().replace(/[^a-z0-9.]+/g, "_")];
    if (node === undefined) {
      throw new LookupError(
        `unknown encoding: ${this.encoding} (text files support utf-8, latin-1 and ascii; for others, open in binary mode and decode with TextDecoder)`,
      );
    }
    this.node = node;
    const handler = errors ?? "strict";
    if (handler !== "strict" && handler !== "replace") {
      if (PYTHON_HANDLERS.has(handler)) throw new NotImplementedError(`the '${handler}' error handler is not supported: use "strict" or "replace"`);
      throw new LookupError(`unknown error handler name '${handler}'`);
    }
    this.errors = handler;
    if (newline != null && !["", "\n", "\r", "\r\n"].includes(newline)) throw new ValueError(`illegal newline value: ${JSON.stringify(newline)}`);
    this.newline = newline ?? null;
    this.decoder = node === "utf8" ? new TextDecoder("utf-8", { fatal: handler === "strict", ignoreBOM: true }) : null;
  }

  /** Decodes whole characters (a line, or a span from `charSpan`), translating newlines as reading does. */
  decode(bytes: Uint8Array): string {
    let text: string;
    if (this.decoder !== null) {
      try {
        text = this.decoder.decode(bytes);
      } catch (cause) {
        throw new UnicodeDecodeError("'utf-8' codec can't decode the data: invalid or truncated UTF-8 sequence", { cause });
      }
    } else {
      text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
      if (this.node === "ascii") {
        const bad = text.search(/[\x80-\xff]/);
        if (bad >= 0) {
          if (this.errors === "strict") {
            throw new UnicodeDecodeError(
              `'ascii' codec can't decode byte 0x${text.charCodeAt(bad).toString(16)} in position ${bad}: ordinal not in range(128)`,
            );
          }
          text = text.replace(/[\x80-\xff]/g, "\ufffd");
        }
      }
    }
    return this.newline === null ? text.replace(/\r\n?/g, "\n") : text;
  }

  /** Encodes text to write, translating "\n" as the newline option says. */
  encode(text: string): Uint8Array {
    const nl = this.newline === null ? EOL : this.newline;
    if (nl !== "" && nl !== "\n") text = text.replace(/\n/g, nl);
    const bad = this.node === "utf8" ? /\p{Cs}/u : this.node === "latin1" ? /[^\x00-\xff]/u : /[^\x00-\x7f]/u;
    const at = text.search(bad);
    if (at >= 0) {
      if (this.errors === "strict") {
        const cp = text.codePointAt(at)!;
        const why = this.node === "utf8" ? "surrogates not allowed" : `ordinal not in range(${this.node === "ascii" ? 128 : 256})`;
        throw new UnicodeEncodeError(
          `'${CODEC_NAMES[this.node]}' codec can't encode character '\\u${cp.toString(16).padStart(4, "0")}' in position ${at}: ${why}`,
        );
      }
      text = text.replace(new RegExp(bad.source, "gu"), "?");
    }
    const bytes = Buffer.from(text, this.node);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /**
   * Where the first line of `buf` ends (exclusive), searching from `from`; -1 if no line
   * end is there yet, or if it depends on a byte not yet read (a final "\r" that may be
   * the start of "\r\n"), unless `atEof`.
   */
  lineEnd(buf: Uint8Array, from: number, atEof: boolean): number {
    const nl = this.newline;
    if (nl === "\n") return end(buf.indexOf(LF, from));
    if (nl === "\r") return end(buf.indexOf(CR, from));
    for (let i = from; i < buf.length; i++) {
      const b = buf[i];
      if (b === LF && nl !== "\r\n") return i + 1;
      if (b === CR) {
        if (i + 1 === buf.length) return nl === "\r\n" || !atEof ? -1 : i + 1;
        if (buf[i + 1] === LF) return i + 2;
        if (nl !== "\r\n") return i + 1;
      }
    }
    return -1;
  }

  /**
   * The number of bytes of `buf` holding its first `count` characters (code points, as
   * Python counts them; a "\r\n" counts once when it reads as "\n"), or -1 if `buf` ends
   * first, unless `atEof` (then all of it).
   */
  charSpan(buf: Uint8Array, count: number, atEof: boolean): number {
    const utf8 = this.node === "utf8";
    const pairs = this.newline === null;
    let i = 0;
    for (let n = 0; n < count; n++) {
      if (i >= buf.length) return atEof ? buf.length : -1;
      const b = buf[i];
      const width = !utf8 || b < 0xc0 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
      if (i + width > buf.length) return atEof ? buf.length : -1;
      if (pairs && b === CR) {
        if (i + 1 === buf.length && !atEof) return -1;
        if (buf[i + 1] === LF) i++;
      }
      i += width;
    }
    return i;
  }

  /** The number of characters of `text` as Python counts them (code points). */
  static length(text: string): number {
    let n = text.length;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) {
        const d = text.charCodeAt(i + 1);
        if (d >= 0xdc00 && d < 0xe000) {
          n--;
          i++;
        }
      }
    }
    return n;
  }
}

function end(index: number): number {
  return index < 0 ? -1 : index + 1;
}
