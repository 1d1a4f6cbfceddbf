/**
 * The adapters between the flavors (trio-asyncio's `aio_as_trio` and `trio_as_aio`):
 * each takes code of one flavor and returns code of the other, for functions,
 * awaitables, async context managers and async iterables, and works as a method decorator.
 */
import { runAioFuture } from "../asyncio/aio-future.js";
import type { BaseTrioEventLoop } from "../asyncio/base-loop.js";
import { Future } from "../asyncio/futures.js";
import { describeValue } from "../errors/describe.js";
import { isAsyncContextManager, type AsyncContextManager } from "../loop/async-context-manager.js";
import { asMethodDecorator, recordFlavor } from "./decorate.js";
import { checkAdapterOptions, loopOf, type AdapterOptions } from "./loop-of.js";

/** Any function: what the adapters take. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any function signature
export type AnyFunction = (...args: any[]) => unknown;

/** What `aioAsTrio(fn)` returns: a Trio-flavored function with fn's parameters. */
export type TrioFlavored<F extends AnyFunction> = (this: ThisParameterType<F>, ...args: Parameters<F>) => Promise<Awaited<ReturnType<F>>>;

/** What `trioAsAio(fn)` returns: a function with fn's parameters that returns an asyncio Future. */
export type AsyncioFlavored<F extends AnyFunction> = (this: ThisParameterType<F>, ...args: Parameters<F>) => Future<Awaited<ReturnType<F>>>;

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as { then?: unknown }).then === "function";
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === "function";
}

function isAsyncGeneratorFunction(fn: unknown): boolean {
  return typeof fn === "function" && (fn as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] === "AsyncGeneratorFunction";
}

// ------------------------------------------------------------------ asyncio -> Trio

function aioFunctionAsTrio(fn: AnyFunction, options: AdapterOptions): AnyFunction {
  if (isAsyncGeneratorFunction(fn)) {
    throw new TypeError(
      `aioAsTrio(${fn.name || "fn"}) got an async generator function: wrap the generator it makes, ` +
        "`for await (const x of aioAsTrio(gen(...args)))`",
    );
  }
  const wrapper = function (this: unknown, ...args: unknown[]): Promise<unknown> {
    let loop: BaseTrioEventLoop;
    try {
      loop = loopOf(options, "aioAsTrio(fn)()");
    } catch (error) {
      return Promise.reject(error);
    }
    // The function is called inside the asyncio task: it runs asyncio-flavored there.
    return loop.runAioCoroutine(() => fn.apply(this, args) as PromiseLike<unknown>);
  };
  Object.defineProperty(wrapper, "name", { value: fn.name });
  recordFlavor(wrapper, "trio");
  return wrapper;
}

/** A Trio-flavored wait for an asyncio awaitable, started when awaited (in the awaiting task). */
class AioAwaitable<T> implements PromiseLike<T> {
  constructor(
    private readonly awaitable: PromiseLike<T>,
    private readonly options: AdapterOptions,
  ) {}

  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.run().then(onFulfilled, onRejected);
  }

  private async run(): Promise<T> {
    const awaitable = this.awaitable;
    if (awaitable instanceof Future) return runAioFuture(awaitable as Future<T>);
    const loop = loopOf(this.options, "await aioAsTrio(promise)");
    return loop.runAioCoroutine(() => awaitable);
  }
}

/** How one step crosses to the other flavor: runs `fn` there and gives its result. */
type Crossing = (loop: BaseTrioEventLoop, fn: () => PromiseLike<unknown>) => PromiseLike<unknown>;

/** asyncio -> Trio: an asyncio task, waited for from Trio (Trio-flavored). */
const aioCrossing: Crossing = (loop, fn) => loop.runAioCoroutine(fn);

/** Trio -> asyncio: a Trio task, waited for as an asyncio Future (asyncio-flavored). */
const trioCrossing: Crossing = (loop, fn) => loop.trioAsFuture(fn);

/**
 * Iterates an async iterable of the other flavor: each step (and the closing of an
 * iterator left early) runs on the other side through `cross`.
 */
async function* crossIterable<T>(loop: BaseTrioEventLoop, iterable: AsyncIterable<T>, cross: Crossing): AsyncGenerator<T, void, undefined> {
  const iterator = iterable[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      const step = (await cross(loop, () => iterator.next())) as IteratorResult<T>;
      if (step.done === true) {
        finished = true;
        return;
      }
      yield step.value;
    }
  } finally {
    // Left early (break, an error, a cancel): close the iterator, on its own side.
    if (!finished && typeof iterator.return === "function" && !loop.isClosed()) {
      const close = iterator.return.bind(iterator);
      await cross(loop, () => close());
    }
  }
}

/**
 * Iterates an asyncio-flavored async iterable from Trio: each step runs as an asyncio
 * task of `loop` (trio-asyncio's `run_aio_generator`); cancelling the Trio caller
 * cancels the step in progress. Trio-flavored.
 */
export function runAioGenerator<T>(loop: BaseTrioEventLoop, iterable: AsyncIterable<T>): AsyncGenerator<T, void, undefined> {
  if (!isAsyncIterable(iterable)) throw new TypeError(`runAioGenerator() needs an async iterable, got ${describeValue(iterable)}`);
  return crossIterable(loop, iterable, aioCrossing);
}

/**
 * An async context manager, an async iterable, or both, of one flavor, for code of the
 * other: entry, exit and steps cross through `cross`.
 */
function crossObject(x: object, options: AdapterOptions, cross: Crossing, call: string): object {
  const wrapper: Record<string | symbol, unknown> = {};
  if (isAsyncContextManager(x)) {
    wrapper.aenter = () => cross(loopOf(options, `${call}(cm).aenter()`), () => x.aenter());
    wrapper.aexit = (error: unknown, hasError: boolean) => cross(loopOf(options, `${call}(cm).aexit()`), () => x.aexit(error, hasError));
  }
  if (isAsyncIterable(x)) wrapper[Symbol.asyncIterator] = () => crossIterable(loopOf(options, `${call}(iterable)`), x, cross);
  return wrapper;
}

/** As a standard (TC39) method decorator: the method becomes Trio-flavored. */
export function aioAsTrio<This, A extends unknown[], R>(
  method: (this: This, ...args: A) => R,
  context: ClassMethodDecoratorContext<This, (this: This, ...args: A) => R>,
): (this: This, ...args: A) => R;
/** As an `experimentalDecorators` method decorator: the method becomes Trio-flavored. */
export function aioAsTrio(target: object, property: string | symbol, descriptor: PropertyDescriptor): PropertyDescriptor;
/** An asyncio-flavored async function as a Trio-flavored one (run as an asyncio task). */
export function aioAsTrio<F extends AnyFunction>(fn: F, options?: AdapterOptions): TrioFlavored<F>;
/** An asyncio Future or a Promise, as something Trio code can await. */
export function aioAsTrio<T>(awaitable: PromiseLike<T>, options?: AdapterOptions): PromiseLike<T>;
/** An asyncio async context manager, for `asyncWith` in Trio code. */
export function aioAsTrio<T>(cm: AsyncContextManager<T>, options?: AdapterOptions): AsyncContextManager<T>;
/** An asyncio async iterable, for `for await` in Trio code (each step is an asyncio task). */
export function aioAsTrio<T>(iterable: AsyncIterable<T>, options?: AdapterOptions): AsyncIterable<T>;
/**
 * The adapter from asyncio to Trio (trio-asyncio's `aio_as_trio`). Given an
 * asyncio-flavored async function, returns a Trio-flavored function that runs it as an
 * asyncio task on the loop (`await aioAsTrio(fn)(...args)`: the function is called
 * inside the task, so it is asyncio-flavored from its first line). Given an asyncio
 * Future or a Promise, returns a Trio-flavored awaitable; given an async context
 * manager or async iterable, one whose entry, exit and steps run as asyncio tasks.
 * Also a method decorator (`@aioAsTrio`), standard or `experimentalDecorators`.
 * Cancelling the Trio caller cancels the asyncio side and waits for it: if it ends with
 * CancelledError, the caller gets `trio.Cancelled`. The loop is `options.loop`, or the
 * caller's (`openLoop`'s), looked up at each call. Alias: `asyncioAsTrio`.
 * Sync, either flavor (what it returns is Trio-flavored).
 */
export function aioAsTrio(...args: unknown[]): unknown {
  const decorated = asMethodDecorator(args, "aioAsTrio", "trio", (fn) => aioFunctionAsTrio(fn as AnyFunction, {}));
  if (decorated !== undefined) return decorated.result;
  const [x, rawOptions] = args;
  const options = checkAdapterOptions(rawOptions, "aioAsTrio()");
  if (typeof x === "function") return aioFunctionAsTrio(x as AnyFunction, options);
  if (isThenable(x)) return new AioAwaitable(x, options);
  if (isAsyncContextManager(x) || isAsyncIterable(x)) return crossObject(x, options, aioCrossing, "aioAsTrio");
  throw new TypeError(
    `aioAsTrio() takes an asyncio-flavored async function, an asyncio Future or Promise, an async context manager ` +
      `(aenter/aexit) or an async iterable; got ${describeValue(x)}`,
  );
}

/** Alias of `aioAsTrio`. */
export const asyncioAsTrio = aioAsTrio;

// ------------------------------------------------------------------ Trio -> asyncio

function trioFunctionAsAio(fn: AnyFunction, options: AdapterOptions): AnyFunction {
  if (isAsyncGeneratorFunction(fn)) {
    throw new TypeError(
      `trioAsAio(${fn.name || "fn"}) got an async generator function: wrap the generator it makes, ` +
        "`for await (const x of trioAsAio(gen(...args)))`",
    );
  }
  const wrapper = function (this: unknown, ...args: unknown[]): Future<unknown> {
    const loop = loopOf(options, "trioAsAio(fn)()");
    const self = this;
    return loop.trioAsFuture(function trioCall() {
      return fn.apply(self, args);
    });
  };
  Object.defineProperty(wrapper, "name", { value: fn.name });
  recordFlavor(wrapper, "asyncio");
  return wrapper;
}

/** As a standard (TC39) method decorator: calling the method returns an asyncio Future. */
export function trioAsAio<This, A extends unknown[], R>(
  method: (this: This, ...args: A) => R,
  context: ClassMethodDecoratorContext<This, (this: This, ...args: A) => R>,
): (this: This, ...args: A) => R;
/** As an `experimentalDecorators` method decorator: calling the method returns an asyncio Future. */
export function trioAsAio(target: object, property: string | symbol, descriptor: PropertyDescriptor): PropertyDescriptor;
/** A Trio-flavored async function as one that asyncio code calls: it returns an asyncio Future. */
export function trioAsAio<F extends AnyFunction>(fn: F, options?: AdapterOptions): AsyncioFlavored<F>;
/** A Trio async context manager, for `asyncWith` in asyncio code. */
export function trioAsAio<T>(cm: AsyncContextManager<T>, options?: AdapterOptions): AsyncContextManager<T>;
/** A Trio async iterable, for `for await` in asyncio code (each step is a Trio task). */
export function trioAsAio<T>(iterable: AsyncIterable<T>, options?: AdapterOptions): AsyncIterable<T>;
/**
 * The adapter from Trio to asyncio (trio-asyncio's `trio_as_aio`). Given a Trio-flavored
 * async function, returns a function that starts it as a Trio task and returns an
 * asyncio Future of its result, usable from asyncio code or a sync callback
 * (`await trioAsAio(fn)(...args)`). Cancelling the Future cancels the Trio task, and the
 * Future stays pending until the task is done (`TrioFuture`). Given an async context
 * manager or an async iterable, returns one whose entry, exit and steps run as Trio
 * tasks. Also a method decorator (`@trioAsAio`): the decorated method returns an asyncio
 * Future, although its declared return type stays the same. A Promise is refused: Trio
 * work must start inside the Trio task (`trioAsAio(fn)(...args)`, or
 * `trioAsAio(() => promise)()` to wait for one). Alias: `trioAsAsyncio`.
 * Sync, either flavor (what it returns is asyncio-flavored).
 */
export function trioAsAio(...args: unknown[]): unknown {
  const decorated = asMethodDecorator(args, "trioAsAio", "asyncio", (fn) => trioFunctionAsAio(fn as AnyFunction, {}));
  if (decorated !== undefined) return decorated.result;
  const [x, rawOptions] = args;
  const options = checkAdapterOptions(rawOptions, "trioAsAio()");
  if (typeof x === "function") return trioFunctionAsAio(x as AnyFunction, options);
  if (isThenable(x)) {
    throw new TypeError(
      "trioAsAio() got a Promise (an already-started call): pass the Trio-flavored function and call the wrapper, " +
        "`await trioAsAio(fn)(...args)`; a JavaScript async function starts running where it is called, outside the Trio task",
    );
  }
  if (isAsyncContextManager(x) || isAsyncIterable(x)) return crossObject(x, options, trioCrossing, "trioAsAio");
  throw new TypeError(
    `trioAsAio() takes a Trio-flavored async function, an async context manager (aenter/aexit) or an async iterable; got ${describeValue(x)}`,
  );
}

/** Alias of `trioAsAio`. */
export const trioAsAsyncio = trioAsAio;
