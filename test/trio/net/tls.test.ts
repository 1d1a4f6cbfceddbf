// Trio's TLS helpers on node:tls, loopback only, with the self-signed test certificate.
import { readFileSync } from "node:fs";
import type net from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as trio from "../../../src/trio/index.js";

const dir = join(import.meta.dirname, "../../fixtures/tls");
const cert = readFileSync(join(dir, "cert.pem"));
const key = readFileSync(join(dir, "key.pem"));

describe("TLS streams", () => {
  it("openSslOverTcpStream talks to serveSslOverTcp, verifying the server's certificate", async () => {
    const got = await trio.run(async () => {
      let text = "";
      let version: string | null = null;
      await trio.openNursery(async (nursery) => {
        const listeners = await nursery.start((status: trio.TaskStatus<trio.SocketListener[]>) =>
          trio.serveSslOverTcp(
            async (stream) => {
              for await (const chunk of stream) await stream.sendAll(chunk);
              await stream.aclose();
            },
            0,
            { host: "127.0.0.1", sslContext: { cert, key }, taskStatus: status },
          ),
        );
        const port = (listeners[0].address as net.AddressInfo).port;
        const client = await trio.openSslOverTcpStream("localhost", port, { sslContext: { ca: cert }, serverHostname: "localhost" });
        version = client.version;
        expect(client.getpeercert()?.subject.CN).toBe("localhost");
        await client.sendAll("secret");
        const chunk = await client.receiveSome();
        text = new TextDecoder().decode(chunk);
        await client.aclose();
        nursery.cancelScope.cancel();
      });
      return [text, version];
    });
    expect(got[0]).toBe("secret");
    expect(got[1]).toMatch(/^TLSv1\.[23]$/);
  });

  it("an untrusted certificate fails the handshake", async () => {
    await trio.run(async () => {
      const [listener] = await trio.openSslOverTcpListeners(0, { host: "127.0.0.1", sslContext: { cert, key } });
      const port = (listener.address as net.AddressInfo).port;
      await expect(trio.openSslOverTcpStream("localhost", port)).rejects.toMatchObject({ code: "DEPTH_ZERO_SELF_SIGNED_CERT" });
      await listener.aclose();
    });
  });

  it("a name mismatch fails the handshake", async () => {
    await trio.run(async () => {
      const [listener] = await trio.openSslOverTcpListeners(0, { host: "127.0.0.1", sslContext: { cert, key } });
      const port = (listener.address as net.AddressInfo).port;
      await expect(
        trio.openSslOverTcpStream("127.0.0.1", port, { sslContext: { ca: cert }, serverHostname: "example.com" }),
      ).rejects.toMatchObject({ code: "ERR_TLS_CERT_ALTNAME_INVALID" });
      await listener.aclose();
    });
  });
});
