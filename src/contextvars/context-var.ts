import { LookupError, RuntimeError, ValueError } from "../errors/builtins.js";
import { currentContext, registerContextVarCheck, type Context } from "./context.js";
import { currentFrame } from "./frame.js";

const NO_DEFAULT: unique symbol = Symbol("NO_DEFAULT");
const inspect = Symbol.for("nodejs.util.inspect.custom");

/** Options of `ContextVar`. */
export interface ContextVarOptions<T> {
  /** The value `get()` returns when the variable has no value in the current Context. */
  default?: T;
}

/**
 * A context variable (PEP 567): a value that depends on the current
 * `Context`, so that each task, callback and `Context.run` block can have its
 * own. Sync, either flavor.
 *
 * Create context variables once, at module level: they are compared by identity and
 * are never garbage-collected while a Context refers to them.
 */
export class ContextVar<T> {
  readonly #name: string;
  /** @internal */
  readonly _default: T | typeof NO_DEFAULT;

  constructor(name: string, options?: ContextVarOptions<T>) {
    if (typeof name !== "string") {
      throw new TypeError(`context variable name must be a str, got ${typeof name}`);
    }
    this.#name = name;
    this._default =
      options !== undefined && Object.prototype.hasOwnProperty.call(options, "default")
        ? (options.default as T)
        : NO_DEFAULT;
  }

  /** The variable's name (read-only). */
  get name(): string {
    return this.#name;
  }

  /**
   * The variable's value in the current Context. When it has none: `fallback` if one is
   * passed, else the variable's default, else a `LookupError`.
   */
  get(): T;
  /** The variable's value in the current Context, or `fallback` when it has none. */
  get<D>(fallback: D): T | D;
  get(fallback?: unknown): unknown {
    const frame = currentFrame();
    const map = frame === undefined ? currentContext()._map : frame.context !== null ? frame.context._map : (frame.snapshot as Map<unknown, unknown>);
    const value = map.get(this);
    if (value !== undefined || map.has(this)) return value;
    if (arguments.length > 0) return fallback;
    if (this._default !== NO_DEFAULT) return this._default;
    throw new LookupError(`${String(this)} has no value in the current context and no default`);
  }

  /**
   * Sets the variable's value in the current Context. Returns a `Token` that
   * `reset()` takes to restore the previous value; with `using`, the token restores
   * it at the end of the block.
   */
  set(value: T): Token<T> {
    const context = currentContext();
    const key = this as ContextVar<unknown>;
    const map = context._map;
    const old = map.has(key) ? (map.get(key) as T) : Token.MISSING;
    context._set(key, value);
    return new Token(this, old, context);
  }

  /**
   * Restores the value the variable had before the `set()` that returned `token`.
   * Throws `RuntimeError` if the token was already used, and `ValueError` if
   * it comes from another variable or was created in another Context.
   */
  reset(token: Token<T>): void {
    if (!(token instanceof Token)) {
      throw new TypeError(`a Token was expected, got ${String(token)}`);
    }
    if (token._used) throw new RuntimeError(`${String(token)} has already been used once`);
    if (token.var !== this) throw new ValueError(`${String(token)} was created by a different ContextVar`);
    const context = currentContext();
    if (token._context !== context) throw new ValueError(`${String(token)} was created in a different Context`);
    const key = this as ContextVar<unknown>;
    if (token.oldValue === Token.MISSING) context._delete(key);
    else context._set(key, token.oldValue);
    token._used = true;
  }

  /** A short description, such as `<ContextVar name="a" default=1>`. */
  toString(): string {
    const dflt = this._default === NO_DEFAULT ? "" : ` default=${describeDefault(this._default, this)}`;
    return `<ContextVar name=${JSON.stringify(this.#name)}${dflt}>`;
  }

  /** @internal */
  [inspect](): string {
    return this.toString();
  }
}

function describeDefault(value: unknown, self: ContextVar<unknown>): string {
  if (Array.isArray(value)) return value.includes(self) ? "[...]" : `[${value.length} items]`;
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "object" && value !== null) return Object.prototype.toString.call(value);
  return String(value);
}

registerContextVarCheck((value) => value instanceof ContextVar);

/**
 * What `ContextVar.set()` returns: remembers the previous value so that `reset()` can
 * restore it. Usable once. Sync, either flavor.
 */
export class Token<T> implements Disposable {
  /** Marks `oldValue` when the variable had no value before the `set()`. */
  static readonly MISSING: unique symbol = Symbol("Token.MISSING");

  /** @internal */
  _used = false;

  /** The variable whose `set()` created this token. */
  readonly var: ContextVar<T>;
  /** The value before the `set()`, or `Token.MISSING` if it had none. */
  readonly oldValue: T | typeof Token.MISSING;
  /** @internal */
  readonly _context: Context;

  /** @internal */
  constructor(variable: ContextVar<T>, oldValue: T | typeof Token.MISSING, context: Context) {
    this.var = variable;
    this.oldValue = oldValue;
    this._context = context;
  }

  /** The same marker as the static `Token.MISSING`. */
  get MISSING(): typeof Token.MISSING {
    return Token.MISSING;
  }

  /** Resets the variable with this token (for `using token = v.set(x)`). */
  [Symbol.dispose](): void {
    this.var.reset(this);
  }

  /** A short description, such as `<Token used var=<ContextVar name="a">>`. */
  toString(): string {
    return `<Token${this._used ? " used" : ""} var=${String(this.var)}>`;
  }

  /** @internal */
  [inspect](): string {
    return this.toString();
  }
}
