import { RuntimeError } from "../errors/builtins.js";
import { runnerOrUndefined } from "../loop/current.js";
import type { BaseTrioEventLoop } from "./base-loop.js";
import { defaultLoop, noRunningLoop, runningLoopOrNull } from "./current.js";
import { SyncTrioEventLoop } from "./sync-loop.js";

/** How asyncio finds and creates event loops (`asyncio.AbstractEventLoopPolicy`). */
export interface EventLoopPolicy {
  /** The current loop of this policy's context (created on demand by the default policy). */
  getEventLoop(): BaseTrioEventLoop;
  setEventLoop(loop: BaseTrioEventLoop | null): void;
  newEventLoop(): BaseTrioEventLoop;
}

/**
 * @internal The factory of loops created inside Trio context: the bridge registers the
 * async loop (TrioEventLoop) here.
 */
export const trioLoopFactory: { create: (() => BaseTrioEventLoop) | null } = { create: null };

/**
 * trio-asyncio's loop policy (the default): outside Trio, loops are sync loops
 * (`SyncTrioEventLoop`); inside a Trio run, `newEventLoop()` gives an async loop to open
 * with `openLoop`. Sync, either flavor.
 */
export class TrioEventLoopPolicy implements EventLoopPolicy {
  private loop: BaseTrioEventLoop | null = null;
  private setCalled = false;

  /**
   * The current loop. A fresh policy creates it on first use; once `setEventLoop()` was
   * called (even with null, as `asyncio.run()` does when it ends), there is no implicit
   * creation: with no loop set this throws RuntimeError, as in asyncio.
   */
  getEventLoop(): BaseTrioEventLoop {
    if (this.loop === null && !this.setCalled) this.loop = this.newEventLoop();
    if (this.loop === null) {
      throw new RuntimeError("There is no current event loop: create one with asyncio.newEventLoop() and asyncio.setEventLoop(loop)");
    }
    return this.loop;
  }

  setEventLoop(loop: BaseTrioEventLoop | null): void {
    if (loop !== null && (typeof loop !== "object" || typeof (loop as { callSoon?: unknown }).callSoon !== "function")) {
      throw new TypeError(`loop must be an event loop or null, got ${typeof loop}`);
    }
    this.setCalled = true;
    this.loop = loop;
  }

  newEventLoop(): BaseTrioEventLoop {
    if (runnerOrUndefined() !== undefined) {
      if (trioLoopFactory.create === null) {
        throw new RuntimeError("Inside a Trio run, open an asyncio loop with openLoop() (from trio-asyncio)");
      }
      return trioLoopFactory.create();
    }
    return new SyncTrioEventLoop();
  }
}

let policy: EventLoopPolicy = new TrioEventLoopPolicy();

/** The current event loop policy. Sync, either flavor. */
export function getEventLoopPolicy(): EventLoopPolicy {
  return policy;
}

/** Sets the policy (`null` restores the default). Sync, either flavor. */
export function setEventLoopPolicy(newPolicy: EventLoopPolicy | null): void {
  if (newPolicy !== null && (typeof newPolicy !== "object" || typeof newPolicy.getEventLoop !== "function")) {
    throw new TypeError(`policy must be an event loop policy or null, not ${typeof newPolicy}`);
  }
  policy = newPolicy ?? new TrioEventLoopPolicy();
}

/**
 * The running loop if there is one (asyncio code on a loop, or Trio code inside
 * `openLoop`), else the policy's current loop. Sync, either flavor.
 */
export function getEventLoop(): BaseTrioEventLoop {
  return runningLoopOrNull() ?? policy.getEventLoop();
}

/** The running loop; throws RuntimeError("no running event loop") if none. Sync, either flavor. */
export function getRunningLoop(): BaseTrioEventLoop {
  return runningLoopOrNull() ?? noRunningLoop();
}

/** Sets the policy's current loop. Sync, either flavor. */
export function setEventLoop(loop: BaseTrioEventLoop | null): void {
  policy.setEventLoop(loop);
}

/** A new loop from the policy (a sync loop outside Trio). Sync, either flavor. */
export function newEventLoop(): BaseTrioEventLoop {
  return policy.newEventLoop();
}

defaultLoop.get = getEventLoop;
