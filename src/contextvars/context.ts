import { RuntimeError } from "../errors/builtins.js";
import { currentFrame, Frame, runInFrame } from "./frame.js";
import type { ContextVar } from "./context-var.js";

function checkKey(key: unknown): void {
  if (!isContextVar(key)) {
    throw new TypeError(`a ContextVar key was expected, got ${describe(key)}`);
  }
}

// Set by context-var.ts; avoids an import cycle while keeping the check an instanceof.
let isContextVar: (value: unknown) => boolean = () => false;
/** @internal */
export function registerContextVarCheck(check: (value: unknown) => boolean): void {
  isContextVar = check;
}

function describe(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/**
 * A snapshot of context variables and their values (PEP 567), usable as a read-only
 * `Map` from each `ContextVar` to its value. Sync, either flavor.
 *
 * Iterating a Context yields `[variable, value]` pairs, as a JavaScript `Map` does
 * (Python's iterates the variables: use `keys()` for that). `context.run(fn)` runs `fn`
 * with this Context current: variables set inside are recorded here and are invisible
 * outside, and async work started inside `run` (awaits, timers, promise continuations)
 * keeps seeing this Context. Copying is O(1): a copy shares the values until either side
 * sets a variable.
 */
export class Context implements ReadonlyMap<ContextVar<unknown>, unknown> {
  /** @internal Current values; shared with copies and iterators while `_shared`. */
  _map: Map<ContextVar<unknown>, unknown> = new Map();
  /** @internal True when `_map` may be seen by another Context or an iterator. */
  _shared = false;
  /** @internal True during the synchronous extent of `run()`. */
  _entered = false;

  /** Creates an empty Context. */
  constructor() {
    if (arguments.length > 0) throw new TypeError("Context() does not accept any arguments");
  }

  /** The number of variables that have a value in this Context. */
  get size(): number {
    return this._map.size;
  }

  /** The value of `variable` in this Context, or `fallback` (default `undefined`) when it has none. */
  get<T>(variable: ContextVar<T>): T | undefined;
  /** The value of `variable` in this Context, or `fallback` when it has none. */
  get<T, D>(variable: ContextVar<T>, fallback: D): T | D;
  get(variable: ContextVar<unknown>, fallback?: unknown): unknown {
    checkKey(variable);
    const map = this._map;
    const value = map.get(variable);
    return value !== undefined || map.has(variable) ? value : fallback;
  }

  /** Whether `variable` has a value in this Context. */
  has(variable: ContextVar<unknown>): boolean {
    checkKey(variable);
    return this._map.has(variable);
  }

  /** The variables that have a value here (a snapshot: later sets do not show). */
  keys(): MapIterator<ContextVar<unknown>> {
    return this._snapshot().keys();
  }

  /** Their values (a snapshot). */
  values(): MapIterator<unknown> {
    return this._snapshot().values();
  }

  /** `[variable, value]` pairs (a snapshot). */
  entries(): MapIterator<[ContextVar<unknown>, unknown]> {
    return this._snapshot().entries();
  }

  /** Iterates `[variable, value]` pairs (a snapshot), as `entries()` does. */
  [Symbol.iterator](): MapIterator<[ContextVar<unknown>, unknown]> {
    return this.entries();
  }

  /** Calls `callback(value, variable, context)` for each variable with a value here. */
  forEach(callback: (value: unknown, variable: ContextVar<unknown>, context: this) => void, thisArg?: unknown): void {
    for (const [variable, value] of this.entries()) callback.call(thisArg, value, variable, this);
  }

  /** A shallow copy of this Context: same variables and values, independent from now on. O(1). */
  copy(): Context {
    const copy = new Context();
    copy._map = this._map;
    copy._shared = true;
    this._shared = true;
    return copy;
  }

  /**
   * Calls `fn(...args)` with this Context current and returns its result. Variables set
   * by `fn` are recorded in this Context. Throws `RuntimeError` if this Context is
   * already entered (inside its own `run`, or current in this async context).
   */
  run<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): R {
    if (typeof fn !== "function") {
      throw new TypeError(`Context.run() needs a function to call, got ${describe(fn)}`);
    }
    const outer = currentFrame();
    if (this._entered || (outer === undefined ? rootContext : outer.context) === this) {
      throw new RuntimeError(`cannot enter context: ${String(this)} is already entered`);
    }
    const frame =
      outer === undefined
        ? new Frame(this, undefined, undefined, undefined)
        : outer.withContext(this);
    this._entered = true;
    try {
      return runInFrame(frame, fn, ...args);
    } finally {
      this._entered = false;
    }
  }

  /** @internal Sets a value, copying the values first if they are shared. */
  _set(variable: ContextVar<unknown>, value: unknown): void {
    this._own().set(variable, value);
  }

  /** @internal Removes a value, copying first if shared. */
  _delete(variable: ContextVar<unknown>): void {
    this._own().delete(variable);
  }

  private _own(): Map<ContextVar<unknown>, unknown> {
    if (this._shared) {
      this._map = new Map(this._map);
      this._shared = false;
    }
    return this._map;
  }

  private _snapshot(): Map<ContextVar<unknown>, unknown> {
    this._shared = true;
    return this._map;
  }

  /** A short description, such as `<Context size=2>`. */
  toString(): string {
    return `<Context size=${this._map.size}>`;
  }
}

/** The Context of code that runs outside any frame (plain top-level code). */
const rootContext = new Context();

/** @internal The Context current here (the root Context outside any frame). */
export function currentContext(): Context {
  const frame = currentFrame();
  if (frame === undefined) return rootContext;
  return frame.context ?? frameContext(frame);
}

/** @internal The Context of a frame that only has a snapshot: made now, once. */
export function frameContext(frame: Frame): Context {
  if (frame.context !== null) return frame.context;
  const context = new Context();
  context._map = frame.snapshot as Map<ContextVar<unknown>, unknown>;
  context._shared = true;
  (frame as { context: Context }).context = context;
  frame.snapshot = null;
  return context;
}

/** Returns a copy of the current Context (PEP 567 `copy_context`). Sync, either flavor. */
export function copyContext(): Context {
  return currentContext().copy();
}

/** @internal The current Context's values, frozen: a copy made later (O(1), no Context object). */
export type ContextSnapshot = ReadonlyMap<ContextVar<unknown>, unknown>;

/** @internal Freezes the current Context's values (they are copied on the next set). */
export function snapshotContext(): ContextSnapshot {
  const context = currentContext();
  context._shared = true;
  return context._map;
}
