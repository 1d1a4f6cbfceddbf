/**
 * Two connected local sockets, for a child's stdout and stderr merged into one pipe (Trio's
 * `stderr=STDOUT` with a piped stdout, asyncio's `STDOUT`): the child gets the writing end
 * in both slots, the parent reads the other end. Node has no public way to make an OS pipe
 * whose writing end two slots can share. Flavor-neutral: each flavor waits for `done` its
 * own way.
 */
import { randomBytes } from "node:crypto";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A fresh local socket path: abstract on Linux, a named pipe on Windows, a temporary file elsewhere. */
function socketPath(prefix: string): string {
  const name = `${prefix}-${process.pid}-${randomBytes(8).toString("hex")}`;
  if (process.platform === "win32") return `\\\\.\\pipe\\${name}`;
  if (process.platform === "linux") return `\0${name}`;
  return join(tmpdir(), `${name}.sock`);
}

/**
 * @internal Makes `[reader, writer]`, two connected local sockets, and calls `done` once,
 * from a Node callback: with the pair, or with the error (nothing is left open then). The
 * writer has no error listener when it is handed over. `prefix` names the socket.
 */
export function makeSocketPair(prefix: string, done: (error: unknown, pair: [net.Socket, net.Socket] | null) => void): void {
  const server = net.createServer();
  let reader: net.Socket | null = null;
  let writer: net.Socket | null = null;
  let connected = false;
  let finished = false;
  const finish = (error: unknown): void => {
    if (finished) return;
    finished = true;
    server.close();
    if (error === null && reader !== null && writer !== null) {
      writer.off("error", finish);
      done(null, [reader, writer]);
      return;
    }
    reader?.destroy();
    writer?.destroy();
    done(error, null);
  };
  const maybeDone = (): void => {
    if (connected && reader !== null) finish(null);
  };
  server.on("error", finish);
  server.once("connection", (socket: net.Socket) => {
    reader = socket;
    maybeDone();
  });
  server.listen(socketPath(prefix), () => {
    if (finished) return;
    const w = net.connect(server.address() as string);
    writer = w;
    w.once("connect", () => {
      connected = true;
      maybeDone();
    });
    w.once("error", finish);
  });
}
