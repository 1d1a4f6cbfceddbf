/**
 * asyncio's low-level socket methods (`loop.sock_recv`, `sock_sendall`, `sock_connect`,
 * `sock_accept`...). They work on raw non-blocking sockets through readiness callbacks,
 * which Node does not expose (see fd-watchers.ts), so they are refused with the way to
 * do it instead.
 */
import { NotImplementedError } from "../../errors/builtins.js";

const ALTERNATIVE =
  "Node exposes no readiness API for raw sockets. Use asyncio's transports and protocols (loop.createConnection, " +
  "loop.createServer, loop.createUnixConnection, loop.createDatagramEndpoint, loop.connectAcceptedSocket for a net.Socket " +
  "you already have) or its streams (asyncio.openConnection, asyncio.startServer) instead.";

/** @internal The error of the `sock*` methods. */
export function sockMethodsUnavailable(method: string): NotImplementedError {
  return new NotImplementedError(`loop.${method}() is not available: ${ALTERNATIVE}`);
}
