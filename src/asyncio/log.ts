/**
 * Where asyncio reports what it cannot raise (errors in callbacks, exceptions never
 * retrieved, slow callbacks in debug mode), like Python's `asyncio` logger. Replace its
 * methods to route the reports elsewhere. Sync, either flavor.
 */
export const logger = {
  /** Reports an error; `error` is the exception, if any. */
  error(message: string, error?: unknown): void {
    if (error === undefined) console.error(message);
    else console.error(message, error);
  },
  /** Reports a warning (debug mode: slow callbacks). */
  warning(message: string): void {
    console.warn(message);
  },
};
