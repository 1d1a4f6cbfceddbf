import { nameError } from "./builtins.js";

/** An error class (matched with `instanceof`). */
export type ErrorClass = abstract new (...args: never[]) => unknown;

/**
 * What `split` and `subgroup` match: an error class, several classes, or a predicate
 * called on each error (and on each group, before its members).
 */
export type ErrorCondition = ErrorClass | readonly ErrorClass[] | ((error: unknown) => boolean);

function isErrorClass(fn: unknown): fn is ErrorClass {
  if (typeof fn !== "function") return false;
  const proto = (fn as { prototype?: unknown }).prototype;
  return fn === Error || (typeof proto === "object" && proto !== null && proto instanceof Error);
}

function toPredicate(condition: ErrorCondition): (error: unknown) => boolean {
  if (Array.isArray(condition)) {
    const classes = condition as readonly ErrorClass[];
    for (const c of classes) {
      if (typeof c !== "function") throw new TypeError("split/subgroup: a condition list holds error classes");
    }
    return (e) => classes.some((c) => e instanceof c);
  }
  if (isErrorClass(condition)) return (e) => e instanceof condition;
  if (typeof condition === "function") return condition;
  throw new TypeError("split/subgroup: the condition is an error class, a list of classes, or a predicate");
}

const collapsible = Symbol("collapsible");

/**
 * Several errors raised together, as by the children of a nursery or a TaskGroup
 * (Python's `ExceptionGroup`). Extends `AggregateError`: `exceptions` is also available
 * as `errors`. Groups nest; `split` and `subgroup` pick errors out of the tree while
 * keeping its shape. Sync, either flavor.
 */
export class ExceptionGroup<E = unknown> extends AggregateError {
  /** The errors in this group, in order (each may itself be a group). */
  readonly exceptions: readonly E[];
  /** Notes added with `addNote` (Python's `__notes__`). */
  notes: string[] | undefined;
  /** @internal Set on Trio's non-strict ("loose") groups, which may be collapsed. */
  [collapsible]?: boolean;

  constructor(message: string, exceptions: readonly E[], options?: ErrorOptions) {
    if (typeof message !== "string") throw new TypeError("ExceptionGroup: the message must be a string");
    const list: unknown = exceptions;
    if (!Array.isArray(list)) throw new TypeError("ExceptionGroup: the second argument must be an array");
    if (exceptions.length === 0) throw new TypeError("ExceptionGroup: the second argument must be a non-empty array");
    super(exceptions, message, options);
    this.exceptions = Object.freeze([...exceptions]);
  }

  /** Appends a note (shown by `toString`-based reporters and kept by `split`/`subgroup`). */
  addNote(note: string): void {
    if (typeof note !== "string") throw new TypeError("addNote: a note must be a string");
    (this.notes ??= []).push(note);
  }

  /**
   * A group like this one (same message) holding `exceptions`. `split` and `subgroup`
   * build their results with it; subclasses override it to keep their type.
   */
  derive<F>(exceptions: readonly F[]): ExceptionGroup<F> {
    return new ExceptionGroup(this.message, exceptions);
  }

  /**
   * The errors of this group (at any depth) that match `condition`, in a group of the
   * same shape, or `undefined` if none do. Returns this group itself if it matches as a
   * whole.
   */
  subgroup(condition: ErrorCondition): ExceptionGroup<E> | undefined {
    return this.split(condition)[0];
  }

  /**
   * Splits this group into `[match, rest]`: the errors that match `condition` and the
   * others, each in a group of the same shape, or `undefined` when empty.
   */
  split(condition: ErrorCondition): [ExceptionGroup<E> | undefined, ExceptionGroup<E> | undefined] {
    return this._split(toPredicate(condition));
  }

  private _split(match: (e: unknown) => boolean): [ExceptionGroup<E> | undefined, ExceptionGroup<E> | undefined] {
    if (match(this)) return [this, undefined];
    const matched: E[] = [];
    const rest: E[] = [];
    for (const e of this.exceptions) {
      if (e instanceof ExceptionGroup) {
        const [m, r] = (e as ExceptionGroup<unknown>)._split(match);
        if (m !== undefined) matched.push(m as E);
        if (r !== undefined) rest.push(r as E);
      } else if (match(e)) {
        matched.push(e);
      } else {
        rest.push(e);
      }
    }
    return [this._rebuild(matched, rest.length === 0), this._rebuild(rest, matched.length === 0)];
  }

  private _rebuild(exceptions: E[], whole: boolean): ExceptionGroup<E> | undefined {
    if (exceptions.length === 0) return undefined;
    if (whole && exceptions.length === this.exceptions.length && exceptions.every((e, i) => e === this.exceptions[i])) {
      return this;
    }
    const group = this.derive(exceptions);
    if (this.notes !== undefined) group.notes = [...this.notes];
    if (this.cause !== undefined) group.cause = this.cause;
    if (this[collapsible]) group[collapsible] = true;
    return group;
  }

  override toString(): string {
    const n = this.exceptions.length;
    return `${this.name}: ${this.message} (${n} sub-exception${n === 1 ? "" : "s"})`;
  }
}
nameError(ExceptionGroup, "ExceptionGroup");

/** @internal Marks a group as loose (non-strict mode), so that it may be collapsed. */
export function markCollapsible(group: ExceptionGroup): void {
  group[collapsible] = true;
}

/** @internal Trio's collapse_exception_group: unwraps loose single-error groups, recursively. */
export function collapseExceptionGroup(group: ExceptionGroup): unknown {
  let modified = false;
  const exceptions = group.exceptions.map((e) => {
    if (e instanceof ExceptionGroup) {
      const c = collapseExceptionGroup(e);
      if (c !== e) modified = true;
      return c;
    }
    return e;
  });
  if (exceptions.length === 1 && group[collapsible]) return exceptions[0];
  if (modified) {
    const derived = group.derive(exceptions);
    if (group[collapsible]) derived[collapsible] = true;
    return derived;
  }
  return group;
}
