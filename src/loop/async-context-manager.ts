/**
 * Python's `async with`, for JavaScript: an async context manager has `aenter()` and
 * `aexit(error)`; `asyncWith(cm, body)` enters it, runs the body with what `aenter`
 * returned, and always exits it. `aexit` receives the body's error (or `undefined` when
 * the body finished normally) and returns `true` to swallow that error.
 */

/** The async context manager protocol (Python's `__aenter__` / `__aexit__`). */
export interface AsyncContextManager<T> {
  /** Enters the context; the value is passed to the body. */
  aenter(): Promise<T>;
  /**
   * Exits the context. `error` is what the body threw, or `undefined` if it completed
   * (`hasError` tells the two apart when `undefined` itself was thrown). Return `true`
   * to swallow the error.
   */
  aexit(error: unknown, hasError: boolean): Promise<boolean | void>;
}

/** Whether `value` implements the AsyncContextManager protocol. */
export function isAsyncContextManager(value: unknown): value is AsyncContextManager<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Partial<AsyncContextManager<unknown>>).aenter === "function" &&
    typeof (value as Partial<AsyncContextManager<unknown>>).aexit === "function"
  );
}

/**
 * Runs `body(value)` inside the async context manager `cm` (Python's
 * `async with cm as value: body`) and returns the body's result, or `undefined` if
 * `aexit` swallowed the body's error. Its flavor is that of `cm`'s methods.
 */
export async function asyncWith<T, R>(cm: AsyncContextManager<T>, body: (value: T) => R | Promise<R>): Promise<R | undefined> {
  if (!isAsyncContextManager(cm)) {
    throw new TypeError("asyncWith() needs an async context manager (an object with aenter() and aexit())");
  }
  if (typeof body !== "function") throw new TypeError("asyncWith() needs a body function `async (value) => ...`");
  const value = await cm.aenter();
  let result: R;
  try {
    result = await body(value);
  } catch (error) {
    if ((await cm.aexit(error, true)) === true) return undefined;
    throw error;
  }
  await cm.aexit(undefined, false);
  return result;
}
