// Ported from python-trio/trio src/trio/_tests/test_highlevel_open_unix_stream.py
//
// Trio's open_unix_socket is `trio.openUnixSocket` here. The server side is a plain Node
// server on a Unix domain socket, as Trio's is a plain socket.
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import * as trio from "../../../src/trio/index.js";

const skipIfNotUnix = process.platform === "win32";

const dir = mkdtempSync(join(tmpdir(), "trio-unix-stream-"));
let counter = 0;

/** A fresh path that does not exist (Trio's `tempfile.mktemp()`). */
function mktemp(): string {
  return join(dir, `sock${counter++}`);
}

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("test_highlevel_open_unix_stream", () => {
  for (const filename of [4, 4.5]) {
    it.skipIf(skipIfNotUnix)(`test_open_with_bad_filename_type[${filename}]`, async () => {
      await trio.run(async () => {
        await expect(trio.openUnixSocket(filename as unknown as string)).rejects.toThrow(TypeError);
      });
    });
  }

  it.skipIf(skipIfNotUnix)("test_open_bad_socket", async () => {
    const name = mktemp();
    await trio.run(async () => {
      // Adapted: Trio raises FileNotFoundError (Python's class for ENOENT); here the
      // error carries Node's code for it.
      await expect(trio.openUnixSocket(name)).rejects.toMatchObject({ code: "ENOENT" });
    });
  });

  it.skipIf(skipIfNotUnix)("test_open_unix_socket", async () => {
    for (const nameType of [(name: string) => new trio.Path(name), String]) {
      const name = mktemp();
      const servSock = net.createServer();
      servSock.listen(name);
      await once(servSock, "listening");
      try {
        await trio.run(async () => {
          const accepted = once(servSock, "connection") as Promise<[net.Socket]>;

          // The actual function we're testing
          const unixSocket = await trio.openUnixSocket(nameType(name));

          try {
            const [client] = await accepted;
            try {
              const received = once(client, "data") as Promise<[Buffer]>;
              await unixSocket.sendAll("test");
              expect((await received)[0].toString()).toBe("test");

              client.write("response");
              const reply = await unixSocket.receiveSome(2048);
              expect(new TextDecoder().decode(reply)).toBe("response");
            } finally {
              client.destroy();
            }
          } finally {
            await unixSocket.aclose();
          }
        });
      } finally {
        servSock.close();
      }
    }
  });
});

// Not ported (also listed in test/conformance/README.md):
// - test_close_on_error: tests a private helper of Trio's implementation (closing the
//   socket when connect fails); Node's net.connect owns its socket.
// - test_error_on_no_unix: runs only where Python lacks AF_UNIX; Node has Unix domain
//   sockets on every platform it runs this on (named pipes on Windows).
