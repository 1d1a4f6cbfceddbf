import { RuntimeError, nameError } from "../errors/builtins.js";
import { ContextVar } from "../contextvars/context-var.js";
import { currentContext } from "../contextvars/context.js";
import { currentFrame, Frame, runInFrame } from "../contextvars/frame.js";

/**
 * Set by a runtime around each synchronous callback it dispatches, to the name of its
 * async library; `null` otherwise. Checked first by `currentAsyncLibrary`, because
 * setting a variable is cheaper than switching async contexts (sniffio's
 * `thread_local.name`). Sync, either flavor.
 */
export const threadLocal: { name: string | null } = { name: null };

/**
 * A context variable a runtime may set to its async library's name for code running in
 * the current Context (sniffio's `current_async_library_cvar`). Checked after
 * `threadLocal.name` and after the flavor this library's own tasks and callbacks carry.
 * Sync, either flavor.
 */
export const currentAsyncLibraryVar = new ContextVar<string | null>("currentAsyncLibraryVar", {
  default: null,
});

/** Thrown by `currentAsyncLibrary` outside any async library. Sync, either flavor. */
export class AsyncLibraryNotFoundError extends RuntimeError {}
nameError(AsyncLibraryNotFoundError, "AsyncLibraryNotFoundError");

/** @internal The current library's name, or null. Same order as currentAsyncLibrary. */
export function detectAsyncLibrary(frame: Frame | undefined = currentFrame()): string | null {
  const name = threadLocal.name;
  if (name !== null) return name;
  if (frame !== undefined && frame.flavor !== undefined) return frame.flavor;
  return currentAsyncLibraryVar.get();
}

/**
 * Which async library is running the calling code: `"trio"` in Trio-flavored code,
 * `"asyncio"` in asyncio-flavored code (including callbacks run by an event loop), or
 * the name another runtime declared. Throws `AsyncLibraryNotFoundError` outside
 * any async library. Sync, either flavor.
 *
 * Looks at `threadLocal.name` first, then the flavor of the current task or callback,
 * then `currentAsyncLibraryVar`.
 */
export function currentAsyncLibrary(): string {
  const name = detectAsyncLibrary();
  if (name === null) {
    throw new AsyncLibraryNotFoundError("unknown async library, or not in async context");
  }
  return name;
}

/**
 * Runs `fn(...args)` declared as running under the async library `name`: inside it,
 * and in all async work it starts, `currentAsyncLibrary` returns `name`. For other
 * runtimes, and for testing code that dispatches on `currentAsyncLibrary()`. The block
 * does not belong to any task of this library, so Trio- and asyncio-flavored
 * primitives of this library do not work inside it. Sync, either flavor.
 */
export function withAsyncLibrary<A extends unknown[], R>(name: string, fn: (...args: A) => R, ...args: A): R {
  if (typeof name !== "string" || name === "") {
    throw new TypeError(`withAsyncLibrary() needs a non-empty library name, got ${String(name)}`);
  }
  if (typeof fn !== "function") {
    throw new TypeError(`withAsyncLibrary() needs a function to call, got ${String(fn)}`);
  }
  const frame = new Frame(currentContext(), name, undefined, undefined);
  const saved = threadLocal.name;
  threadLocal.name = null;
  try {
    return runInFrame(frame, fn, ...args);
  } finally {
    threadLocal.name = saved;
  }
}
