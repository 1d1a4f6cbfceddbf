/**
 * Python's `asyncio.subprocess` constants (`PIPE`, `STDOUT`, `DEVNULL`) and the values
 * the `stdin` / `stdout` / `stderr` options take. The constants are the same strings the
 * Trio side uses (`trio.subprocessConstants`), so either spelling works in both flavors:
 * `{ stdout: asyncio.subprocess.PIPE }` or `{ stdout: "pipe" }`.
 */

/** A new pipe: the transport gets a pipe transport for it (Python's `PIPE`). */
export const PIPE = "pipe";
/** For stderr only: wherever stdout goes (Python's `STDOUT`). */
export const STDOUT = "stdout";
/** The null device (Python's `DEVNULL`; Node calls it `"ignore"`). */
export const DEVNULL = "ignore";

/**
 * What one of the child's standard streams connects to:
 * - `PIPE` (`"pipe"`): a new pipe, read or written through the transport;
 * - `null` or `"inherit"`: this process's own stream (Python's `None`);
 * - `DEVNULL` (`"ignore"`): the null device;
 * - a file descriptor open in this process (a number, or an object with `fileno()`).
 */
export type StdioOption = typeof PIPE | typeof DEVNULL | "inherit" | null | number | { fileno(): number };

/** `StdioOption`, or `STDOUT` (`"stdout"`): stderr goes wherever stdout goes. */
export type StderrOption = StdioOption | typeof STDOUT;
