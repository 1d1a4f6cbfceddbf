/**
 * Two connected local sockets for `stderr: STDOUT` with a piped stdout: the child gets
 * the writing end as both stdout and stderr, the transport reads the other end (see
 * src/loop/socket-pair.ts, which the Trio side uses too); this is its asyncio-flavored wait.
 */
import type net from "node:net";
import { makeSocketPair } from "../../loop/socket-pair.js";
import type { BaseTrioEventLoop } from "../base-loop.js";
import { rejectFromHost, resolveFromHost } from "../net/util.js";

function ignore(): void {}

/**
 * @internal `[reader, writer]`, two connected local sockets (waits on `loop`; a cancel
 * destroys them). asyncio-flavored.
 */
export async function openSocketPair(loop: BaseTrioEventLoop): Promise<[net.Socket, net.Socket]> {
  const future = loop.createFuture<[net.Socket, net.Socket]>();
  makeSocketPair("aio-stdout", (error, pair) => {
    if (pair === null) {
      rejectFromHost(future, error);
      return;
    }
    if (future.done() || loop.isClosed()) {
      // Cancelled (or the loop closed) while the sockets were connecting.
      pair[0].destroy();
      pair[1].destroy();
      return;
    }
    // Until the child has it (the transport then closes our copy), an error must not crash the process.
    pair[1].on("error", ignore);
    resolveFromHost(future, pair);
  });
  return await future;
}
