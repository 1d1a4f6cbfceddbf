// Ported from python-trio/trio src/trio/_tests/test_highlevel_ssl_helpers.py
// (the open_ssl_over_tcp_stream / serve_ssl_over_tcp test, and
// test_open_ssl_over_tcp_listeners, which serve_ssl_over_tcp builds on)
//
// Trio's SERVER_CTX and client_ctx become Node TLS options with the self-signed
// certificate of test/fixtures/tls (for "localhost"). Trio's FakeHostnameResolver, which
// sends every name to the listener's address, becomes a replaced `dns.lookup` that
// answers 127.0.0.1 for the names used here.
//
// Adapted throughout: here openSslOverTcpStream finishes the TLS handshake before it
// returns (the helpers run TLS natively on the TCP socket, where Node has no lazy
// handshake; only an SSLStream over another Trio stream has one), so a handshake that
// fails makes openSslOverTcpStream itself fail, with Node's TLS error; in Trio the
// stream opens and do_handshake() raises BrokenResourceError.
import dns from "node:dns";
import { readFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import * as trio from "../../../src/trio/index.js";

const tlsDir = join(import.meta.dirname, "../../fixtures/tls");
const cert = readFileSync(join(tlsDir, "cert.pem"));
const key = readFileSync(join(tlsDir, "key.pem"));

/** Trio's SERVER_CTX. */
const SERVER_CTX = { cert, key };
/** Trio's client_ctx fixture: trusts the test certificate. */
const clientCtx = { ca: cert };

async function echoHandler(stream: trio.SocketStream): Promise<void> {
  try {
    for (;;) {
      const data = await stream.receiveSome(10000);
      if (data.length === 0) break;
      await stream.sendAll(data);
    }
  } catch (error) {
    if (!(error instanceof trio.BrokenResourceError)) throw error;
  } finally {
    await stream.aclose();
  }
}

/** Trio's FakeHostnameResolver: these names resolve to `address`; others as usual. */
function fakeResolver(names: readonly string[], address: string): void {
  const realLookup = dns.lookup as unknown as (...args: unknown[]) => void;
  type Callback = (error: Error | null, address: string | dns.LookupAddress[], family?: number) => void;
  const fake = (hostname: string, options: unknown, callback?: Callback): void => {
    if (typeof options === "function") {
      callback = options as Callback;
      options = {};
    }
    if (!names.includes(hostname)) {
      realLookup(hostname, options, callback);
      return;
    }
    const family = net.isIP(address);
    setImmediate(() => {
      if ((options as dns.LookupOptions).all === true) callback!(null, [{ address, family }]);
      else callback!(null, address, family);
    });
  };
  vi.spyOn(dns, "lookup").mockImplementation(fake);
}

/** The `code` of `error` or of the first error in its `cause` chain that has one. */
function codeOf(error: unknown): unknown {
  for (let e = error; typeof e === "object" && e !== null; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (code !== undefined) return code;
  }
  return undefined;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("test_highlevel_ssl_helpers", () => {
  // This uses serve_ssl_over_tcp, which uses open_ssl_over_tcp_listeners...
  it("test_open_ssl_over_tcp_stream_and_everything_else", async () => {
    await trio.run(async () => {
      await trio.openNursery(async (nursery) => {
        const value = await nursery.start((status: trio.TaskStatus<trio.SocketListener[]>) =>
          trio.serveSslOverTcp(echoHandler, 0, { sslContext: SERVER_CTX, host: "127.0.0.1", taskStatus: status }),
        );
        expect(Array.isArray(value)).toBe(true);
        const [listener] = value;
        const port = (listener.address as net.AddressInfo).port;
        fakeResolver(["localhost", "xyzzy.example.org"], "127.0.0.1");

        // We don't have the right trust set up (checks that no sslContext still means
        // certificate verification, with Node's CA store)
        const untrusted = await trio.openSslOverTcpStream("localhost", port).then(
          () => null,
          (e: unknown) => e,
        );
        expect(untrusted).toBeInstanceOf(Error);
        expect(codeOf(untrusted)).toBe("DEPTH_ZERO_SELF_SIGNED_CERT");

        // We have the trust but not the hostname (checks custom sslContext + hostname
        // checking)
        const misnamed = await trio.openSslOverTcpStream("xyzzy.example.org", port, { sslContext: clientCtx }).then(
          () => null,
          (e: unknown) => e,
        );
        expect(misnamed).toBeInstanceOf(Error);
        expect(codeOf(misnamed)).toBe("ERR_TLS_CERT_ALTNAME_INVALID");

        // This one should work!
        let stream = await trio.openSslOverTcpStream("localhost", port, { sslContext: clientCtx });
        try {
          expect(stream).toBeInstanceOf(trio.SSLStream);
          // Trio's `stream.server_hostname`: the name sent (SNI) and checked.
          expect((stream.tlsSocket as unknown as { servername?: unknown }).servername).toBe("localhost");
          await stream.sendAll("x");
          expect(new TextDecoder().decode(await stream.receiveSome(1))).toBe("x");
        } finally {
          await stream.aclose();
        }

        // (Trio then checks that https_compatible is passed through; Node's TLS has no
        // such setting.) Also, smoke test happy_eyeballs_delay
        stream = await trio.openSslOverTcpStream("localhost", port, { sslContext: clientCtx, happyEyeballsDelay: 1 });
        await stream.aclose();

        // Stop the echo server
        nursery.cancelScope.cancel();
      });
    });
  });

  it("test_open_ssl_over_tcp_listeners", async () => {
    await trio.run(async () => {
      const listeners = await trio.openSslOverTcpListeners(0, { sslContext: SERVER_CTX, host: "127.0.0.1" });
      expect(listeners).toHaveLength(1);
      const [listener] = listeners;
      try {
        // Trio: an SSLListener whose transport_listener is a SocketListener; here one
        // SocketListener accepts the TLS connections and hands out SSLStreams.
        expect(listener).toBeInstanceOf(trio.SocketListener);
        expect((listener.address as net.AddressInfo).address).toBe("127.0.0.1");
        // (https_compatible: not applicable, as above.)
      } finally {
        await listener.aclose();
      }
    });
  });
});
