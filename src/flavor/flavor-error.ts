import { RuntimeError, nameError } from "../errors/builtins.js";
import { currentFrame, type Frame } from "../contextvars/frame.js";
import { detectAsyncLibrary, threadLocal } from "./sniffio.js";

/** The two flavors of async code this library runs. */
export type Flavor = "trio" | "asyncio";

/**
 * Thrown when a Trio-flavored function is called from asyncio-flavored code, an
 * asyncio-flavored function from Trio-flavored code, or either outside the runtime it
 * needs. The message names the call and the adapter that fixes it (`aioAsTrio`,
 * `trioAsAio`, `allowAsyncio`). Sync, either flavor.
 */
export class FlavorError extends RuntimeError {}
nameError(FlavorError, "FlavorError");

const TITLE: Record<Flavor, string> = { trio: "Trio", asyncio: "asyncio" };

const HOME: Record<Flavor, string> = {
  trio: "must run inside trio.run() (or trio-asyncio's run())",
  asyncio:
    "must run on an asyncio event loop: in asyncio.run(() => main()), loop.runUntilComplete(() => main()), " +
    "or from Trio through aioAsTrio(fn) inside openLoop()",
};

const CROSSING: Record<Flavor, string> = {
  trio:
    "To call Trio-flavored code from asyncio-flavored code, wrap it: `await trioAsAio(trioFn)(...args)`.",
  asyncio:
    "To call asyncio-flavored code from Trio-flavored code, wrap it: `await aioAsTrio(aioFn)(...args)` " +
    "inside openLoop(), or run the caller with allowAsyncio(fn).",
};

const STARTED_CALL_HINT =
  "If you passed an already-started call to an adapter or a task starter (`adapter(fn())`, " +
  "`createTask(work())`), pass the function instead (`adapter(fn)()`, `createTask(() => work())`): " +
  "a JavaScript async function starts running where it is called.";

/** @internal The message of a FlavorError for `call`, given what is running instead. */
export function flavorMessage(expected: Flavor, call: string, actual: string | null): string {
  const head = `${call} is ${TITLE[expected]}-flavored`;
  if (actual === null) return `${head} and ${HOME[expected]}; it was called outside any async library.`;
  if (actual === "trio" || actual === "asyncio") {
    return `${head}, but it was called from ${TITLE[actual]}-flavored code. ${CROSSING[expected]} ${STARTED_CALL_HINT}`;
  }
  return `${head}, but the code calling it runs under the async library "${actual}"; it ${HOME[expected]}.`;
}

/**
 * @internal
 * The check every flavored primitive makes first: passes (returning the current frame)
 * when the current async library is `expected`, throws FlavorError otherwise.
 */
export function checkFlavor(expected: Flavor, call: string): Frame | undefined {
  const frame = currentFrame();
  const name = threadLocal.name;
  if (name === null ? frame !== undefined && frame.flavor === expected : name === expected) return frame;
  // Trio code inside allowAsyncio() may call asyncio primitives too.
  if (expected === "asyncio" && name === null && (frame?.aio as { _allowAsyncio?: boolean } | undefined)?._allowAsyncio === true) return frame;
  const actual = detectAsyncLibrary(frame);
  if (actual === expected) return frame;
  throw new FlavorError(flavorMessage(expected, call, actual));
}
