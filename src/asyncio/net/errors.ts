/**
 * The OS errors asyncio's networking raises itself (Python's built-in `OSError` family).
 * Errors that come from Node (a refused connection, an unknown host, a reset) are passed
 * on as Node gives them: an `Error` with `code` (`ECONNREFUSED`, `ENOTFOUND`,
 * `ECONNRESET`...), `errno` and `syscall`. The errors made here carry the same `code`, so
 * `error.code === "ECONNRESET"` tells a reset apart whichever side noticed it.
 */
import { OSError } from "../../errors/os-errors.js";

export { ConnectionAbortedError, ConnectionError, ConnectionResetError, OSError } from "../../errors/os-errors.js";

/** @internal Whether `error` is an OS-level error: ours, a Node system error, or a TLS error. */
export function isOSError(error: unknown): boolean {
  if (error instanceof OSError) return true;
  if (!(error instanceof Error)) return false;
  const e = error as { code?: unknown; errno?: unknown; syscall?: unknown; library?: unknown; reason?: unknown };
  if (typeof e.syscall === "string" || typeof e.errno === "number") return true;
  // OpenSSL errors and certificate verification failures (Python's ssl.SSLError is an OSError).
  if (typeof e.library === "string" || typeof e.reason === "string") return true;
  return typeof e.code === "string" && /^(E[A-Z]+$|ERR_SSL_|ERR_TLS_|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_)/.test(e.code);
}

/**
 * @internal A resolver error shaped like Node's (Python's `socket.gaierror`): `code`
 * (`ENOTFOUND`, `EAI_SERVICE`, `EAI_FAMILY`...), `syscall` and `hostname`.
 */
export function gaiError(code: string, syscall: string, hostname: string | null, detail?: string): Error {
  const error = new Error(`${syscall} ${code}${hostname === null ? "" : ` ${hostname}`}${detail === undefined ? "" : `: ${detail}`}`) as Error & {
    code: string;
    syscall: string;
    hostname?: string;
  };
  error.code = code;
  error.syscall = syscall;
  if (hostname !== null) error.hostname = hostname;
  return error;
}
