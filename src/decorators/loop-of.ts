/** Which loop an adapter uses: the one it was given, else the caller's. */
import type { BaseTrioEventLoop } from "../asyncio/base-loop.js";
import { runningLoopOrNull } from "../asyncio/current.js";
import { RuntimeError } from "../errors/builtins.js";

/** Options of the adapters (`aioAsTrio`, `trioAsAio`) and their aliases. */
export interface AdapterOptions {
  /**
   * The loop to run on (default: the caller's, looked up at each call: the loop of
   * `openLoop` for Trio code, the running loop for asyncio code).
   */
  loop?: BaseTrioEventLoop;
}

/** @internal The loop of an adapter call; throws a RuntimeError naming the fix when there is none. */
export function loopOf(options: AdapterOptions, call: string): BaseTrioEventLoop {
  const loop = options.loop ?? runningLoopOrNull();
  if (loop === null) {
    throw new RuntimeError(
      `${call} needs an asyncio event loop: call it inside openLoop(async (loop) => ...) (or trio-asyncio's run()), ` +
        "from asyncio code running on a loop, or pass { loop }",
    );
  }
  if (loop.isClosed()) throw new RuntimeError(`${call}: the event loop is closed (its openLoop block has ended)`);
  return loop;
}

/** @internal Checks an adapter's options argument. */
export function checkAdapterOptions(options: unknown, call: string): AdapterOptions {
  if (options === undefined) return {};
  if (typeof options !== "object" || options === null) throw new TypeError(`${call}: options must be an object { loop }`);
  return options;
}
