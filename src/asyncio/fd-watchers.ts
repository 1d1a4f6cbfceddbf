/**
 * asyncio's readiness callbacks on raw file descriptors (`add_reader`, `add_writer`, and
 * the `sock_*` methods built on them). Node exposes no readiness API for raw file
 * descriptors without a native addon, so these are refused with the way to do it instead.
 */
import { NotImplementedError } from "../errors/builtins.js";

const ALTERNATIVE =
  "Node has no readiness API for raw file descriptors. Use Node's streams and sockets (node:net, node:dgram, " +
  "fs streams) from asyncio code, or asyncio's transports and streams once available; from Trio code, Trio's streams.";

/** @internal The error of the file-descriptor methods. */
export function fdWatchersUnavailable(method: string): NotImplementedError {
  return new NotImplementedError(`loop.${method}() is not available: ${ALTERNATIVE}`);
}
