/**
 * What asyncio's primitives share (Python's `asyncio.mixins._LoopBoundMixin`): a
 * primitive is created unbound and binds to the loop of the first task that has to wait
 * on it; using it from another loop afterwards is an error.
 */
import { RuntimeError } from "../../errors/builtins.js";
import type { BaseTrioEventLoop } from "../base-loop.js";
import type { Future } from "../futures.js";

/**
 * The base class of asyncio's synchronization primitives (Python's
 * `mixins._LoopBoundMixin`): binds to the loop of the first task that waits. Sync,
 * either flavor.
 */
export abstract class LoopBound {
  /** @internal The loop the primitive is bound to, once one had to wait on it. */
  _loop: BaseTrioEventLoop | null = null;

  /** Python's repr of the primitive (used in messages). */
  abstract toString(): string;

  /** @internal `running` (the caller's loop), after binding to it on first use. */
  _getLoop(running: BaseTrioEventLoop): BaseTrioEventLoop {
    if (this._loop === null) this._loop = running;
    if (running !== this._loop) throw new RuntimeError(`${String(this)} is bound to a different event loop`);
    return running;
  }
}

/** @internal Rejects constructor arguments asyncio does not take (the `loop` argument is gone since Python 3.10). */
export function rejectExtraArguments(call: string, extra: readonly unknown[]): void {
  if (extra.length > 0) {
    throw new TypeError(
      `${call} got ${extra.length} unexpected argument${extra.length === 1 ? "" : "s"}: ` +
        "asyncio primitives take no loop; they bind to the loop of the first task that waits on them",
    );
  }
}

/** @internal Drops `waiter` from a FIFO of waiters (it is always there: only its owner removes it). */
export function removeWaiter(waiters: Future<boolean>[], waiter: Future<boolean>): void {
  const index = waiters.indexOf(waiter);
  if (index === 0) waiters.shift();
  else if (index > 0) waiters.splice(index, 1);
}

/** @internal Python's repr of an asyncio primitive: `<asyncio.locks.Lock object [locked, waiters:1]>`. */
export function primitiveRepr(kind: string, state: string, waiters: number): string {
  return `<asyncio.locks.${kind} object [${waiters > 0 ? `${state}, waiters:${waiters}` : state}]>`;
}
