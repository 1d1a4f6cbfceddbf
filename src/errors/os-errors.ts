/**
 * Python's `OSError` family: errors of the operating system, as Python names them. Trio's
 * file operations raise these around Node's system errors (`toOSError`), and asyncio's
 * networking raises its own connection errors with them; both sides share one hierarchy.
 */
import { nameError } from "./builtins.js";

/**
 * A file-system (or other system) error, named as Python names it (Python's `OSError`).
 * File operations of `trio.openFile`, `trio.wrapFile` and `trio.Path` throw this class,
 * or the subclass Python would raise, instead of Node's plain `Error`. Node's error is the
 * `cause`, and its fields are copied: `code` ("ENOENT"), `errno` (Node's value, negative
 * on POSIX: -2, where Python's is 2), `syscall`, `path` and `dest`; `filename` and
 * `filename2` are Python's names for `path` and `dest`. The message is Node's. The map
 * from Node's code to the class: ENOENT: FileNotFoundError; EEXIST: FileExistsError;
 * EISDIR: IsADirectoryError; ENOTDIR: NotADirectoryError; EACCES and EPERM:
 * PermissionError; any other code: OSError itself. Sync, either flavor.
 */
export class OSError extends Error {
  /** Node's error code, such as "ENOENT" (always set on errors made from Node's). */
  readonly code: string | undefined;
  /** Node's errno (negative on POSIX), if Node gave one. */
  readonly errno: number | undefined;
  /** The system call that failed, such as "open". */
  readonly syscall: string | undefined;
  /** The path the call was about, if any (Python's `filename`). */
  readonly path: string | undefined;
  /** The second path of a two-path call such as rename, if any (Python's `filename2`). */
  readonly dest: string | undefined;

  constructor(message: string, options: { code?: string; errno?: number; syscall?: string; path?: string; dest?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.errno = options.errno;
    this.syscall = options.syscall;
    this.path = options.path;
    this.dest = options.dest;
  }

  /** Python's name for `path`. */
  get filename(): string | undefined {
    return this.path;
  }

  /** Python's name for `dest`. */
  get filename2(): string | undefined {
    return this.dest;
  }
}
nameError(OSError, "OSError");

/** ENOENT: no such file or directory (Python's `FileNotFoundError`). Sync, either flavor. */
export class FileNotFoundError extends OSError {}
nameError(FileNotFoundError, "FileNotFoundError");
/** EEXIST: the file already exists (Python's `FileExistsError`). Sync, either flavor. */
export class FileExistsError extends OSError {}
nameError(FileExistsError, "FileExistsError");
/** EISDIR: a file operation on a directory (Python's `IsADirectoryError`). Sync, either flavor. */
export class IsADirectoryError extends OSError {}
nameError(IsADirectoryError, "IsADirectoryError");
/** ENOTDIR: a directory operation on something else (Python's `NotADirectoryError`). Sync, either flavor. */
export class NotADirectoryError extends OSError {}
nameError(NotADirectoryError, "NotADirectoryError");
/** EACCES or EPERM: not allowed (Python's `PermissionError`). Sync, either flavor. */
export class PermissionError extends OSError {}
nameError(PermissionError, "PermissionError");

/** @internal Node's error code -> the OSError subclass Python raises for it. */
export const OS_ERROR_CLASSES: Readonly<Record<string, typeof OSError>> = {
  ENOENT: FileNotFoundError,
  EEXIST: FileExistsError,
  EISDIR: IsADirectoryError,
  ENOTDIR: NotADirectoryError,
  EACCES: PermissionError,
  EPERM: PermissionError,
};

/**
 * @internal Node's system error (it has a string `code` and a `syscall`) as the OSError
 * subclass Python would raise, with Node's fields and the error itself as `cause`;
 * anything else is returned unchanged. `message` and `path` override Node's.
 */
export function toOSError(error: unknown, message?: string, path?: string): unknown {
  if (typeof error !== "object" || error === null || error instanceof OSError) return error;
  const e = error as { code?: unknown; syscall?: unknown; errno?: unknown; path?: unknown; dest?: unknown; message?: unknown };
  if (typeof e.code !== "string" || typeof e.syscall !== "string") return error;
  const cls = OS_ERROR_CLASSES[e.code] ?? OSError;
  return new cls(message ?? (typeof e.message === "string" ? e.message : e.code), {
    code: e.code,
    errno: typeof e.errno === "number" ? e.errno : undefined,
    syscall: e.syscall,
    path: path ?? (typeof e.path === "string" ? e.path : undefined),
    dest: typeof e.dest === "string" ? e.dest : undefined,
    cause: error,
  });
}

/** A connection-related error (Python's `ConnectionError`). Sync, either flavor. */
export class ConnectionError extends OSError {}
nameError(ConnectionError, "ConnectionError");

/** The connection was reset or lost (Python's `ConnectionResetError`, code `ECONNRESET`). Sync, either flavor. */
export class ConnectionResetError extends ConnectionError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: "ECONNRESET", cause: options.cause });
  }
}
nameError(ConnectionResetError, "ConnectionResetError");

/** The connection was aborted (Python's `ConnectionAbortedError`, code `ECONNABORTED`). Sync, either flavor. */
export class ConnectionAbortedError extends ConnectionError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: "ECONNABORTED", cause: options.cause });
  }
}
nameError(ConnectionAbortedError, "ConnectionAbortedError");

/**
 * Writing to a pipe whose reading end is closed (Python's `BrokenPipeError`, code
 * `EPIPE`): an asyncio pipe transport's `connectionLost` gets it when the child went away
 * with bytes still buffered. Sync, either flavor.
 */
export class BrokenPipeError extends ConnectionError {
  constructor(message = "Broken pipe", options: { cause?: unknown } = {}) {
    super(message, { code: "EPIPE", cause: options.cause });
  }
}
nameError(BrokenPipeError, "BrokenPipeError");

/**
 * No such process (Python's `ProcessLookupError`, code `ESRCH`): `sendSignal`,
 * `terminate` and `kill` of an asyncio subprocess transport whose process was reaped.
 * Sync, either flavor.
 */
export class ProcessLookupError extends OSError {
  constructor(message = "No such process", options: { cause?: unknown } = {}) {
    super(message, { code: "ESRCH", cause: options.cause });
  }
}
nameError(ProcessLookupError, "ProcessLookupError");
