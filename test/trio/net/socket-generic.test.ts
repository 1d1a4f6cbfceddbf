// Trio's generic stream checks (check-streams.ts, from Trio's _check_streams.py) run
// against SocketStream (TCP and Unix) and SSLStream.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "vitest";
import * as trio from "../../../src/trio/index.js";
import { checkHalfCloseableStream, checkTwoWayStream } from "../testing/check-streams.js";

const tlsDir = join(import.meta.dirname, "../../fixtures/tls");
const cert = readFileSync(join(tlsDir, "cert.pem"));
const key = readFileSync(join(tlsDir, "key.pem"));

async function tcpPair(): Promise<[trio.SocketStream, trio.SocketStream]> {
  const [listener] = await trio.openTcpListeners(0, { host: "127.0.0.1" });
  const client = await trio.openTcpStream("127.0.0.1", (listener.address as net.AddressInfo).port);
  const server = await listener.accept();
  await listener.aclose();
  return [client, server];
}

describe("generic stream checks", () => {
  it("SocketStream over TCP is a half-closeable stream", async () => {
    await trio.run(() => checkHalfCloseableStream(tcpPair, null));
  });

  it("SocketStream over a Unix socket is a half-closeable stream", async () => {
    const dir = mkdtempSync(join(tmpdir(), "trio-generic-"));
    let n = 0;
    try {
      await trio.run(() =>
        checkHalfCloseableStream(async () => {
          const path = join(dir, `s${n++}`);
          const listener = await trio.openUnixListener(path);
          const client = await trio.openUnixSocket(path);
          const server = await listener.accept();
          await listener.aclose();
          return [client, server] as const;
        }, null),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("SSLStream is a two-way stream", async () => {
    await trio.run(() =>
      checkTwoWayStream(async () => {
        const [listener] = await trio.openSslOverTcpListeners(0, { host: "127.0.0.1", sslContext: { cert, key } });
        const port = (listener.address as net.AddressInfo).port;
        let server!: trio.SocketStream;
        let client!: trio.SSLStream;
        await trio.openNursery(async (nursery) => {
          nursery.startSoon(async () => {
            server = await listener.accept();
          });
          client = await trio.openSslOverTcpStream("localhost", port, { sslContext: { ca: cert } });
        });
        await listener.aclose();
        return [client, server] as const;
      }, null),
    );
  });
});
