/**
 * The adapters as method decorators, under TypeScript's standard decorators and under
 * `experimentalDecorators`, and the flavor each wrapper records.
 */
import type { Flavor } from "../flavor/flavor-error.js";

/** The metadata key under which the adapters record a wrapper's flavor (with reflect-metadata). */
export const FLAVOR_METADATA_KEY = "trio-asyncio:flavor";

const flavors = new WeakMap<object, Flavor>();

interface ReflectMetadata {
  defineMetadata?(key: unknown, value: unknown, target: object, property?: string | symbol): void;
}

/** @internal Records the flavor of a wrapper (and of a decorated member, with reflect-metadata). */
export function recordFlavor(fn: object, flavor: Flavor, target?: object, property?: string | symbol): void {
  flavors.set(fn, flavor);
  const reflect = (globalThis as { Reflect: ReflectMetadata }).Reflect;
  if (typeof reflect.defineMetadata !== "function") return;
  reflect.defineMetadata(FLAVOR_METADATA_KEY, flavor, fn);
  if (target !== undefined && property !== undefined) reflect.defineMetadata(FLAVOR_METADATA_KEY, flavor, target, property);
}

/**
 * The flavor of a function made by an adapter (`"trio"` for `aioAsTrio(fn)` and methods
 * decorated with `@aioAsTrio`, `"asyncio"` for `trioAsAio`), or undefined for any other
 * function. Works without a Reflect metadata polyfill. Sync, either flavor.
 */
export function flavorOf(fn: unknown): Flavor | undefined {
  return typeof fn === "function" ? flavors.get(fn) : undefined;
}

/** @internal The second argument of a standard (TC39) method decorator. */
export function isDecoratorContext(value: unknown): value is ClassMethodDecoratorContext {
  return typeof value === "object" && value !== null && typeof (value as { kind?: unknown }).kind === "string" && "name" in value;
}

/** @internal The third argument of a legacy (`experimentalDecorators`) method decorator. */
export function isPropertyDescriptor(value: unknown): value is PropertyDescriptor {
  return typeof value === "object" && value !== null && ("value" in value || "get" in value || "writable" in value);
}

/**
 * @internal Applies `wrap` as a method decorator, standard or legacy; returns undefined
 * when the call is not a decorator call.
 */
export function asMethodDecorator(
  args: readonly unknown[],
  call: string,
  flavor: Flavor,
  wrap: (fn: (...args: never[]) => unknown) => (...args: never[]) => unknown,
): { result: unknown } | undefined {
  if (args.length === 2 && typeof args[0] === "function" && isDecoratorContext(args[1])) {
    const context = args[1];
    const kind: string = context.kind;
    if (kind !== "method") throw new TypeError(`@${call} decorates methods (async functions), not a ${kind}`);
    const wrapper = wrap(args[0] as (...args: never[]) => unknown);
    recordFlavor(wrapper, flavor);
    return { result: wrapper };
  }
  if (args.length === 3 && (typeof args[0] === "object" || typeof args[0] === "function") && args[0] !== null && isPropertyDescriptor(args[2])) {
    const descriptor = args[2];
    if (typeof descriptor.value !== "function") throw new TypeError(`@${call} decorates methods (async functions), not accessors or fields`);
    const wrapper = wrap(descriptor.value as (...args: never[]) => unknown);
    recordFlavor(wrapper, flavor, args[0], args[1] as string | symbol);
    return { result: { ...descriptor, value: wrapper } };
  }
  return undefined;
}
