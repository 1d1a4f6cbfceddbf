/**
 * Functions that cross threads: validating them, shipping them (by source, or as a
 * module reference) and getting them back as functions; and errors that cross threads.
 * The rules live in worker-bootstrap.ts's SHARED_SOURCE, evaluated here once, so that
 * the main thread and the workers apply the same ones.
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import { SHARED_SOURCE } from "./worker-bootstrap.js";

/**
 * A reference to a function exported by a module, for work that cannot be shipped by
 * source (it needs imports, or its source is not a self-contained function):
 * `{ module: "/abs/path/job.mjs", export: "resize" }`. `module` is an absolute path, a
 * `file:` URL (string or URL object; `import.meta.resolve("./job.mjs")` gives one), or a
 * relative path, which is resolved against `process.cwd()` (not against the calling
 * module: JavaScript gives a function no reliable way to know where it was called from).
 * `export` names the exported function (default `"default"`). The thread that runs it
 * loads the module with `import()`, once per thread (modules are cached).
 */
export interface ModuleFunction {
  /** Absolute path, `file:` URL, or a path relative to `process.cwd()`. */
  readonly module: string | URL;
  /** The exported function's name (default `"default"`). */
  readonly export?: string;
}

/** @internal A function ready to cross a thread. */
export type CallableSpec =
  | { readonly kind: "source"; readonly source: string; readonly label: string }
  | { readonly kind: "module"; readonly url: string; readonly exportName: string; readonly label: string };

/** @internal An error (or any thrown value) as it crosses a thread; `id` links it to an object that crossed before. */
export interface ErrorRecord {
  readonly t: string;
  id?: number;
}

type AnyFunction = (...args: unknown[]) => unknown;

interface Shared {
  describeValue(value: unknown): string;
  isThenable(value: unknown): value is PromiseLike<unknown>;
  callableSpec(fn: unknown, what: string): CallableSpec;
  loadSource(spec: CallableSpec, scope: readonly unknown[]): AnyFunction;
  loadModule(spec: CallableSpec, importer: (url: string) => Promise<Record<string, unknown>>): Promise<AnyFunction>;
  clarifyReferenceError(error: unknown, spec: CallableSpec, what: string, where: string): unknown;
  encodeError(error: unknown): ErrorRecord;
  decodeError(record: unknown, lookup?: (id: number) => unknown): unknown;
}

let shared: Shared | undefined;

/** Evaluated on first use: programs that never use threads never compile it. */
function helpers(): Shared {
  if (shared === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the same source text runs in the workers
    const factory = new Function("deps", SHARED_SOURCE) as (deps: unknown) => Shared;
    shared = factory({ pathToFileURL, resolvePath: (p: string) => path.resolve(p) });
  }
  return shared;
}

/**
 * @internal Checks that `fn` can cross a thread (a self-contained function, or a
 * `{ module, export }` reference) and describes it; throws TypeError otherwise.
 */
export function callableSpec(fn: unknown, what: string): CallableSpec {
  return helpers().callableSpec(fn, what);
}

/** @internal The function a spec describes, evaluated with `scope` as `fromThread` and `trio`. */
export function loadCallable(spec: CallableSpec, scope: readonly [unknown, unknown]): AnyFunction | Promise<AnyFunction> {
  if (spec.kind === "source") return helpers().loadSource(spec, scope);
  return helpers().loadModule(spec, (url) => import(url) as Promise<Record<string, unknown>>);
}

/** @internal Explains a ReferenceError caused by shipping a closure by source. */
export function clarifyReferenceError(error: unknown, spec: CallableSpec, what: string, where: string): unknown {
  return helpers().clarifyReferenceError(error, spec, what, where);
}

/** @internal A structured-cloneable record of a thrown value. */
export function encodeError(error: unknown): ErrorRecord {
  return helpers().encodeError(error);
}

/** @internal The thrown value a record describes (the original object, when `lookup` knows its id). */
export function decodeError(record: unknown, lookup?: (id: number) => unknown): unknown {
  return helpers().decodeError(record, lookup);
}

/** @internal */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return helpers().isThenable(value);
}

/** @internal */
export function describeShipped(value: unknown): string {
  return helpers().describeValue(value);
}
