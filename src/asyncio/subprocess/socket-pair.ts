/**
 * Two connected local sockets for `stderr: STDOUT` with a piped stdout: the child gets
 * the writing end as both stdout and stderr, the transport reads the other end. Node has
 * no public way to make an OS pipe whose writing end two slots can share (the Trio side
 * uses the same trick, in src/trio/process-stdio.ts); this is its asyncio-flavored form.
 */
import { randomBytes } from "node:crypto";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BaseTrioEventLoop } from "../base-loop.js";
import { rejectFromHost, resolveFromHost } from "../net/util.js";

function ignore(): void {}

/** A fresh local socket path: abstract on Linux, a named pipe on Windows, a temporary file elsewhere. */
function socketPath(): string {
  const name = `aio-stdout-${process.pid}-${randomBytes(8).toString("hex")}`;
  if (process.platform === "win32") return `\\\\.\\pipe\\${name}`;
  if (process.platform === "linux") return `\0${name}`;
  return join(tmpdir(), `${name}.sock`);
}

/**
 * @internal `[reader, writer]`, two connected local sockets (waits on `loop`; a cancel
 * destroys them). asyncio-flavored.
 */
export async function openSocketPair(loop: BaseTrioEventLoop): Promise<[net.Socket, net.Socket]> {
  const server = net.createServer();
  let reader: net.Socket | null = null;
  let writer: net.Socket | null = null;
  try {
    const listening = loop.createFuture<void>();
    server.once("error", (error: Error) => rejectFromHost(listening, error));
    server.listen(socketPath(), () => resolveFromHost(listening, undefined));
    await listening;
    const accepted = loop.createFuture<net.Socket>();
    const connected = loop.createFuture<void>();
    server.once("connection", (socket: net.Socket) => {
      reader = socket;
      resolveFromHost(accepted, socket);
    });
    server.on("error", (error: Error) => rejectFromHost(accepted, error));
    const w = net.connect(server.address() as string);
    writer = w;
    w.once("connect", () => resolveFromHost(connected, undefined));
    w.once("error", (error: Error) => rejectFromHost(connected, error));
    await connected;
    await accepted;
    w.removeAllListeners("error");
    // Until the child has it (the transport then closes our copy), an error must not crash the process.
    w.on("error", ignore);
    return [reader!, w];
  } catch (error) {
    (reader as net.Socket | null)?.destroy();
    writer?.destroy();
    throw error;
  } finally {
    server.close();
  }
}
