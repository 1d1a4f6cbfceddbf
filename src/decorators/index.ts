/**
 * The bridge between the flavors (trio-asyncio's own API): `openLoop`, `run`, the
 * adapters `aioAsTrio` / `trioAsAio` (also method decorators), `allowAsyncio`, and the
 * shortcuts for the current loop.
 * @packageDocumentation
 */
export { openLoop, run, currentLoop, type OpenLoopOptions, type BridgeRunOptions } from "./open-loop.js";
export { TrioEventLoop } from "./trio-loop.js";
export {
  aioAsTrio,
  asyncioAsTrio,
  trioAsAio,
  trioAsAsyncio,
  runAioGenerator,
  type AnyFunction,
  type AsyncioFlavored,
  type TrioFlavored,
} from "./adapters.js";
export { type AdapterOptions } from "./loop-of.js";
export { flavorOf, FLAVOR_METADATA_KEY } from "./decorate.js";
export { allowAsyncio } from "./allow-asyncio.js";
export { runAioCoroutine, runTrio, runTrioTask } from "./aliases.js";
export { runAioFuture } from "../asyncio/aio-future.js";
export { TrioFuture } from "../asyncio/trio-handle.js";
export { TrioExecutor, type TrioExecutorOptions } from "./executor.js";
