/**
 * The one AsyncLocalStorage of the library, and the immutable frame it holds.
 *
 * A frame is what "where am I running" means: the contextvars Context, the flavor the
 * runtime declared for this code, and opaque slots the upper layers fill (the engine's
 * current task, the current asyncio task or callback). Upper layers never create
 * a storage of their own: they build a Frame and call `runInFrame` at task start,
 * callback dispatch and scope entry, and read `currentFrame()` everywhere else. Frames
 * are never mutated, so a frame captured by an async continuation stays valid.
 *
 * @internal
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { Context } from "./context.js";

/**
 * Not exported from the package: the frame of an async context. Never mutated once in
 * use; an engine Task is its own frame (it extends Frame and sets `task` to itself).
 */
export class Frame {
  /** The slot of the engine (src/loop): the engine task running this code. */
  task: unknown;
  /**
   * The slot of the asyncio layer: the asyncio Task or callback Handle whose code runs
   * here (a Handle, like an engine Task, may be its own frame and set this to itself).
   */
  aio: unknown;

  /**
   * The values of a Context that is made only when needed (a callback Handle's), while
   * `context` is null: reading variables needs no Context object.
   */
  snapshot: ReadonlyMap<unknown, unknown> | null = null;

  constructor(
    /**
     * The contextvars Context that `ContextVar.get/set` use here; null until first
     * needed when the frame has a `snapshot` instead (see `currentContext`).
     */
    readonly context: Context,
    /** The async library the runtime declared for this code ("trio", "asyncio", ...). */
    readonly flavor: string | undefined,
    task: unknown,
    aio: unknown,
  ) {
    this.task = task;
    this.aio = aio;
  }

  /** The same frame with another Context (for `Context.run`). */
  withContext(context: Context): Frame {
    return new Frame(context, this.flavor, this.task, this.aio);
  }
}

const storage = new AsyncLocalStorage<Frame>();

/** @internal The current frame, or undefined outside any frame (plain top-level code). */
export function currentFrame(): Frame | undefined {
  return storage.getStore();
}

/** @internal Runs `fn(...args)` with `frame` current; async work it starts inherits it. */
export function runInFrame<A extends unknown[], R>(frame: Frame, fn: (...args: A) => R, ...args: A): R {
  return storage.run(frame, fn, ...args);
}

/** @internal `runInFrame` with exactly one argument (no rest array on hot paths). */
export function runInFrame1<A, R>(frame: Frame, fn: (arg: A) => R, arg: A): R {
  return storage.run(frame, fn, arg);
}
