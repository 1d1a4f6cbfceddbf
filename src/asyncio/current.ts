/** Finding the running asyncio loop, task or callback from the async context. */
import { currentFrame, type Frame } from "../contextvars/frame.js";
import { RuntimeError } from "../errors/builtins.js";
import { checkFlavor, flavorMessage, FlavorError } from "../flavor/flavor-error.js";
import type { BaseTrioEventLoop } from "./base-loop.js";

/** What the asyncio slot of a frame holds: a Task or a callback Handle, both tied to a loop. */
export interface AioSlot {
  readonly _loop: BaseTrioEventLoop;
}

/** @internal The frame's asyncio slot (see `currentAioSlot`). */
export function aioSlot(frame: Frame | undefined): AioSlot | undefined {
  const aio = frame?.aio as AioSlot | undefined;
  return aio !== undefined && aio._loop !== undefined ? aio : undefined;
}

/**
 * @internal Lets the bridge say which loop Trio-flavored code uses (trio-asyncio's
 * `currentLoop` context variable, inside `openLoop`).
 */
export const trioContextLoop: { get: () => BaseTrioEventLoop | null } = { get: () => null };

/** @internal `asyncio.getEventLoop()`, registered by the policy module (avoids an import cycle). */
export const defaultLoop: { get: () => BaseTrioEventLoop } = { get: () => noRunningLoop() };

/** @internal The loop running the caller, or null (either flavor). */
export function runningLoopOrNull(): BaseTrioEventLoop | null {
  const slot = aioSlot(currentFrame());
  if (slot !== undefined) return slot._loop;
  return trioContextLoop.get();
}

/**
 * @internal The check every asyncio-flavored primitive makes first: the caller must be
 * asyncio-flavored code running on a loop. Returns that loop.
 */
export function currentAioLoop(call: string): BaseTrioEventLoop {
  return aioSlot(currentAioFrame(call))!._loop;
}

/** @internal `currentAioLoop`'s check, returning the caller's frame (code that needs its task too reads it from there). */
export function currentAioFrame(call: string): Frame {
  const frame = checkFlavor("asyncio", call);
  if (aioSlot(frame) === undefined) throw new FlavorError(flavorMessage("asyncio", call, null));
  return frame!;
}

/** @internal The frame's asyncio slot (a Task or a Handle), if the caller runs on a loop. */
export function currentAioSlot(): AioSlot | undefined {
  return aioSlot(currentFrame());
}

/** @internal Throws the RuntimeError Python raises when no loop is running. */
export function noRunningLoop(): never {
  throw new RuntimeError("no running event loop");
}
