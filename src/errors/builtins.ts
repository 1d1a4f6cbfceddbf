/**
 * JavaScript counterparts of the Python built-in exceptions that Trio, asyncio and
 * contextvars raise. They keep Python's names and hierarchy so that ported code and
 * tests read the same, and each sets `name` explicitly so that bundlers renaming
 * classes cannot change what users see.
 */

/** @internal Gives an error class a stable `name`, even if a bundler renames the class. */
export function nameError(cls: abstract new (...args: never[]) => Error, name: string): void {
  Object.defineProperty(cls.prototype, "name", {
    value: name,
    writable: true,
    enumerable: false,
    configurable: true,
  });
}

/**
 * Raised when an operation is not valid in the current state (Python's `RuntimeError`).
 * Sync, either flavor.
 */
export class RuntimeError extends Error {}
nameError(RuntimeError, "RuntimeError");

/**
 * Raised when an argument has the right type but a wrong value (Python's `ValueError`).
 * Sync, either flavor.
 */
export class ValueError extends Error {}
nameError(ValueError, "ValueError");

/**
 * Raised when a key or a value is missing from a mapping (Python's `LookupError`), for
 * example by `ContextVar.get()` on a variable with no value and no default.
 * Sync, either flavor.
 */
export class LookupError extends Error {}
nameError(LookupError, "LookupError");

/** A `LookupError` for a missing mapping key (Python's `KeyError`). Sync, either flavor. */
export class KeyError extends LookupError {}
nameError(KeyError, "KeyError");

/**
 * Raised by a feature that Node.js cannot offer (Python's `NotImplementedError`). The
 * message names the alternative to use instead. Sync, either flavor.
 */
export class NotImplementedError extends RuntimeError {}
nameError(NotImplementedError, "NotImplementedError");
