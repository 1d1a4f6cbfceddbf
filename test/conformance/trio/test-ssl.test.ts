// Ported from python-trio/trio src/trio/_tests/test_ssl.py
//
// Trio's test certificates (trustme's CA, "trio-test-1.example.org") become the
// self-signed certificate of test/fixtures/tls, for "localhost"; SERVER_CTX and the
// client_ctx fixture become Node TLS options: `{ cert, key }`, and `{ ca: cert }` (with
// `maxVersion: "TLSv1.2"` for the tls12 variant). Trio's echo server (stdlib ssl in a
// thread, over a socketpair) becomes Node's native TLS server (`openSslOverTcpListeners`)
// on loopback, and the raw client socket a Trio SocketStream from `openTcpStream`.
//
// Adapted throughout:
// - Errors of the transport stream reach the SSLStream's caller as BrokenResourceError
//   with the transport's error as `cause` (Trio raises them unchanged): the ciphertext is
//   moved by the stream's own system tasks, not by the caller.
// - Python's `__cause__` checks become `cause` checks; ssl.SSLError / CertificateError
//   become Node's error codes.
// - `selected_alpn_protocol()` is the `selectedAlpnProtocol` getter (false for None).
// - `unwrap()` throws NotImplementedError: Node's TLS cannot go back to plaintext.
// - An SSLStream closed before its first use closes its transport without a handshake,
//   and a server whose client hangs up before a word reads an end of stream.
//
// Not ported: the PyOpenSSLEchoStream tests (test_PyOpenSSLEchoStream_gives_resource_busy_errors,
// test_renegotiation_simple, test_renegotiation_randomized): they drive renegotiation
// through a PyOpenSSL memory-BIO server; TLS 1.3 has no renegotiation and Node's TLS
// socket renegotiates only when asked. The NPN tests (Node dropped NPN), the channel
// binding tests (SSLStream exposes none; `tlsSocket.getFinished()` is Node's), and
// test_SSLListener (no SSLListener: the TLS listeners run Node's TLS natively).
import { readFileSync } from "node:fs";
import type net from "node:net";
import { join } from "node:path";
import type tls from "node:tls";
import { describe, expect, it } from "vitest";
import { KeyError, NotImplementedError } from "../../../src/errors/builtins.js";
import * as trio from "../../../src/trio/index.js";
import type { MemoryReceiveStream, MemorySendStream } from "../../../src/trio/testing/memory-streams.js";
import { assertBytes, checkTwoWayStream } from "../../trio/testing/check-streams.js";

const { BrokenResourceError, BusyResourceError, ClosedResourceError, ExceptionGroup, SSLStream } = trio;
const { assertCheckpoints } = trio.testing;

const tlsDir = join(import.meta.dirname, "../../fixtures/tls");
const cert = readFileSync(join(tlsDir, "cert.pem"));
const key = readFileSync(join(tlsDir, "key.pem"));

/** Trio's SERVER_CTX. */
const SERVER_CTX: tls.TlsOptions = { cert, key };
/** The name in the certificate (Trio's "trio-test-1.example.org"). */
const HOST = "localhost";
/** Trio's client_ctx fixture, both variants. */
const CLIENT_CTXS: [string, tls.ConnectionOptions][] = [
  ["tls13", { ca: cert }],
  ["tls12", { ca: cert, maxVersion: "TLSv1.2" }],
];

type MemoryStapled = trio.StapledStream<MemorySendStream, MemoryReceiveStream>;

/** The memory transport under an SSLStream of `sslMemoryStreamPair`. */
const memTransport = (s: trio.SSLStream): MemoryStapled => s.transportStream as MemoryStapled;

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

/** Trio's ssl_echo_server_raw: a raw SocketStream to a TLS echo server. */
async function withSslEchoServerRaw(body: (sock: trio.SocketStream) => Promise<void>): Promise<void> {
  await trio.openNursery(async (nursery) => {
    const [listener] = await trio.openSslOverTcpListeners(0, { host: "127.0.0.1", sslContext: SERVER_CTX });
    nursery.startSoon(async () => {
      const stream = await listener.accept();
      try {
        for await (const chunk of stream) await stream.sendAll(chunk);
        await stream.aclose();
      } catch (error) {
        // The client may just go away (as the Python server's ConnectionResetError).
        if (!(error instanceof BrokenResourceError)) throw error;
        await trio.acloseForcefully(stream);
      }
    });
    const sock = await trio.openTcpStream("127.0.0.1", (listener.address as net.AddressInfo).port);
    try {
      await body(sock);
    } finally {
      nursery.cancelScope.cancel();
      await trio.acloseForcefully(sock);
      await trio.acloseForcefully(listener);
    }
  });
}

/** Trio's ssl_echo_server: an SSLStream to the echo server. */
function withSslEchoServer(clientCtx: tls.ConnectionOptions, body: (s: trio.SSLStream) => Promise<void>): Promise<void> {
  return withSslEchoServerRaw((sock) => body(new SSLStream(sock, clientCtx, { serverHostname: HOST })));
}

function sslWrapPair(clientCtx: tls.ConnectionOptions, transports: [trio.abc.Stream, trio.abc.Stream], clientHttps = false, serverHttps = false): [trio.SSLStream, trio.SSLStream] {
  const client = new SSLStream(transports[0], clientCtx, { serverHostname: HOST, httpsCompatible: clientHttps });
  const server = new SSLStream(transports[1], SERVER_CTX, { serverSide: true, httpsCompatible: serverHttps });
  return [client, server];
}

const sslMemoryStreamPair = (clientCtx: tls.ConnectionOptions, clientHttps = false, serverHttps = false): [trio.SSLStream, trio.SSLStream] =>
  sslWrapPair(clientCtx, trio.testing.memoryStreamPair(), clientHttps, serverHttps);
const sslLockstepStreamPair = (clientCtx: tls.ConnectionOptions): [trio.SSLStream, trio.SSLStream] => sslWrapPair(clientCtx, trio.testing.lockstepStreamPair());

async function handshakeBoth(client: trio.SSLStream, server: trio.SSLStream): Promise<void> {
  await trio.openNursery(async (nursery) => {
    nursery.startSoon(() => client.doHandshake());
    nursery.startSoon(() => server.doHandshake());
  });
}

describe.each(CLIENT_CTXS)("test_ssl.py (client_ctx %s)", (_name, clientCtx) => {
  it("test_ssl_client_basics", async () => {
    await trio.run(async () => {
      // Everything OK
      await withSslEchoServer(clientCtx, async (s) => {
        expect(s.serverSide).toBe(false);
        await s.sendAll("x");
        assertBytes(await s.receiveSome(1), "x");
        await s.aclose();
      });
      // Didn't configure the CA file, should fail
      await withSslEchoServerRaw(async (sock) => {
        const s = new SSLStream(sock, {}, { serverHostname: HOST });
        expect(s.serverSide).toBe(false);
        const error = await rejection(s.sendAll("x"));
        expect(error).toBeInstanceOf(BrokenResourceError);
        expect((error as Error).cause).toMatchObject({ code: "DEPTH_ZERO_SELF_SIGNED_CERT" });
      });
      // Trusted CA, but wrong host name
      await withSslEchoServerRaw(async (sock) => {
        const s = new SSLStream(sock, clientCtx, { serverHostname: "example.com" });
        const error = await rejection(s.sendAll("x"));
        expect(error).toBeInstanceOf(BrokenResourceError);
        expect((error as Error).cause).toMatchObject({ code: "ERR_TLS_CERT_ALTNAME_INVALID" });
      });
    });
  });

  it("test_ssl_server_basics", async () => {
    await trio.run(async () => {
      const [listener] = await trio.openTcpListeners(0, { host: "127.0.0.1" });
      const port = (listener.address as net.AddressInfo).port;
      await trio.openNursery(async (nursery) => {
        // The client: Node's native TLS (Trio: the stdlib's, in a thread).
        nursery.startSoon(async () => {
          const client = await trio.openSslOverTcpStream("127.0.0.1", port, { sslContext: clientCtx, serverHostname: HOST });
          await client.sendAll("x");
          assertBytes(await client.receiveSome(1), "y");
          await client.sendAll("z");
          await client.aclose();
        });
        const serverTransport = new SSLStream(await listener.accept(), SERVER_CTX, { serverSide: true });
        expect(serverTransport.serverSide).toBe(true);
        assertBytes(await serverTransport.receiveSome(1), "x");
        await serverTransport.sendAll("y");
        assertBytes(await serverTransport.receiveSome(1), "z");
        assertBytes(await serverTransport.receiveSome(1), "");
        await serverTransport.aclose();
      });
      await listener.aclose();
    });
  });

  it("test_attributes", async () => {
    await trio.run(() =>
      withSslEchoServerRaw(async (sock) => {
        const goodCtx = clientCtx;
        const badCtx: tls.ConnectionOptions = {};
        const s = new SSLStream(sock, goodCtx, { serverHostname: HOST });
        expect(s.transportStream).toBe(sock);
        expect(s.context).toBe(goodCtx);
        expect(s.serverSide).toBe(false);
        expect(s.serverHostname).toBe(HOST);
        // most attributes are read-only (Python's AttributeError is a TypeError here)
        expect(() => ((s as { serverSide: boolean }).serverSide = true)).toThrow(TypeError);
        expect(() => ((s as { serverHostname: string }).serverHostname = "asdf")).toThrow(TypeError);
        // Adapted: Trio lets `context` be replaced before the handshake; Node makes the TLS
        // socket with the stream, so a stream made with the bad context fails instead.
        const bad = new SSLStream(sock, badCtx, { serverHostname: HOST });
        expect(bad.context).toBe(badCtx);
        const error = await rejection(bad.doHandshake());
        expect(error).toBeInstanceOf(BrokenResourceError);
        expect((error as Error).cause).toMatchObject({ code: "DEPTH_ZERO_SELF_SIGNED_CERT" });
      }),
    );
  });

  it("test_full_duplex_basics", async () => {
    const CHUNKS = 30;
    const CHUNK_SIZE = 32768;
    const EXPECTED = CHUNKS * CHUNK_SIZE;
    const sent: number[] = [];
    const received: number[] = [];
    await trio.run(() =>
      withSslEchoServer(clientCtx, async (s) => {
        await trio.openNursery(async (nursery) => {
          nursery.startSoon(async () => {
            for (let i = 0; i < CHUNKS; i++) {
              const chunk = new Uint8Array(CHUNK_SIZE).fill(i);
              sent.push(...chunk);
              await s.sendAll(chunk);
            }
          });
          nursery.startSoon(async () => {
            while (received.length < EXPECTED) received.push(...(await s.receiveSome(CHUNK_SIZE / 2)));
          });
          // And let's have some doing handshakes too, everyone simultaneously
          nursery.startSoon(() => s.doHandshake());
          nursery.startSoon(() => s.doHandshake());
        });
        await s.aclose();
      }),
    );
    expect(sent.length).toBe(EXPECTED);
    expect(received.length).toBe(EXPECTED);
    expect(Buffer.from(received).equals(Buffer.from(sent))).toBe(true);
  });

  it("test_resource_busy_errors", async () => {
    const doSendAll = (s: trio.SSLStream): Promise<void> => assertCheckpoints(() => s.sendAll("x"));
    const doReceiveSome = (s: trio.SSLStream): Promise<unknown> => assertCheckpoints(() => s.receiveSome(1));
    const doWaitSendAllMightNotBlock = (s: trio.SSLStream): Promise<void> => assertCheckpoints(() => s.waitSendAllMightNotBlock());
    const doTest = async (func1: (s: trio.SSLStream) => Promise<unknown>, func2: (s: trio.SSLStream) => Promise<unknown>): Promise<void> => {
      const [s] = sslLockstepStreamPair(clientCtx);
      const error = await rejection(
        trio.openNursery(async (nursery) => {
          nursery.startSoon(func1, s);
          nursery.startSoon(func2, s);
        }),
      );
      expect(error).toBeInstanceOf(ExceptionGroup);
      const errors = (error as trio.ExceptionGroup).exceptions;
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(BusyResourceError);
      expect(String((errors[0] as Error).message)).toMatch(/another task/);
    };
    await trio.run(async () => {
      await doTest(doSendAll, doSendAll);
      await doTest(doReceiveSome, doReceiveSome);
      await doTest(doSendAll, doWaitSendAllMightNotBlock);
      await doTest(doWaitSendAllMightNotBlock, doWaitSendAllMightNotBlock);
    });
  });

  it("test_wait_writable_calls_underlying_wait_writable", async () => {
    const record: string[] = [];
    const notAStream: trio.abc.Stream = {
      waitSendAllMightNotBlock: async () => void record.push("ok"),
      aclose: () => Promise.reject(new Error("Should not get called")),
      receiveSome: () => Promise.reject(new Error("Should not get called")),
      sendAll: () => Promise.reject(new Error("Should not get called")),
      [Symbol.asyncDispose]: () => Promise.reject(new Error("Should not get called")),
      [Symbol.asyncIterator]: () => {
        throw new Error("Should not get called");
      },
    };
    await trio.run(async () => {
      const s = new SSLStream(notAStream, {}, { serverHostname: "x" });
      await s.waitSendAllMightNotBlock();
    });
    expect(record).toEqual(["ok"]);
  });

  it("test_checkpoints", async () => {
    await trio.run(async () => {
      await withSslEchoServer(clientCtx, async (s) => {
        await assertCheckpoints(() => s.doHandshake());
        await assertCheckpoints(() => s.doHandshake());
        await assertCheckpoints(() => s.waitSendAllMightNotBlock());
        await assertCheckpoints(() => s.sendAll("xxx"));
        await assertCheckpoints(() => s.receiveSome(1));
        // These could return at once: the rest of "xxx" is buffered already.
        await assertCheckpoints(() => s.receiveSome(1));
        await assertCheckpoints(() => s.receiveSome(1));
        // (Trio also checks unwrap() here: see test_unwrap.)
      });
      await withSslEchoServer(clientCtx, async (s) => {
        await s.doHandshake();
        await assertCheckpoints(() => s.aclose());
      });
    });
  });

  it("test_send_all_empty_string", async () => {
    await trio.run(() =>
      withSslEchoServer(clientCtx, async (s) => {
        await s.doHandshake();
        // An empty send is no end of stream.
        await assertCheckpoints(() => s.sendAll(new Uint8Array(0)));
        await assertCheckpoints(() => s.sendAll(""));
        await s.sendAll("x");
        assertBytes(await s.receiveSome(1), "x");
        await s.aclose();
      }),
    );
  });

  it.each([false, true])("test_SSLStream_generic (httpsCompatible %s)", async (httpsCompatible) => {
    const streamMaker = (): [trio.SSLStream, trio.SSLStream] => sslMemoryStreamPair(clientCtx, httpsCompatible, httpsCompatible);
    const cloggedStreamMaker = async (): Promise<[trio.SSLStream, trio.SSLStream]> => {
      const [client, server] = sslLockstepStreamPair(clientCtx);
      // Handshakes up front: otherwise a receiveSome meant to unclog the peer would start
      // the handshake and get stuck itself.
      await handshakeBoth(client, server);
      return [client, server];
    };
    await trio.run(() => checkTwoWayStream(streamMaker, cloggedStreamMaker));
  });

  it("test_unwrap", async () => {
    await trio.run(async () => {
      const [clientSsl, serverSsl] = sslMemoryStreamPair(clientCtx);
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          await clientSsl.doHandshake();
          await clientSsl.sendAll("x");
          assertBytes(await clientSsl.receiveSome(1), "y");
        });
        await serverSsl.doHandshake();
        assertBytes(await serverSsl.receiveSome(1), "x");
        await serverSsl.sendAll("y");
      });
      // Adapted: Node's TLS cannot hand the transport back in plaintext.
      for (const s of [clientSsl, serverSsl]) {
        const error = await rejection(s.unwrap());
        expect(error).toBeInstanceOf(NotImplementedError);
        expect(String(error)).toMatch(/aclose/);
      }
    });
  });

  it("test_closing_nice_case", async () => {
    await trio.run(async () => {
      // the nice case: graceful closes all around
      const [clientSsl, serverSsl] = sslMemoryStreamPair(clientCtx);
      const clientTransport = memTransport(clientSsl);
      // Both the handshake and the close need both sides, so they run concurrently.
      // Adapted: aclose() does the handshake only for a stream in use (one never used
      // closes its transport without TLS: the second part below), so it starts first.
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          await clientSsl.doHandshake();
          await assertCheckpoints(() => clientSsl.aclose());
        });
        nursery.startSoon(async () => {
          assertBytes(await serverSsl.receiveSome(10), "");
          assertBytes(await serverSsl.receiveSome(10), "");
          await assertCheckpoints(() => serverSsl.aclose());
        });
      });
      // closing the SSLStream also closes its transport
      await expect(clientTransport.sendAll("123")).rejects.toBeInstanceOf(ClosedResourceError);
      // once closed, it's OK to close again
      await assertCheckpoints(() => clientSsl.aclose());
      await assertCheckpoints(() => clientSsl.aclose());
      // Trying to send more data does not work
      await expect(serverSsl.sendAll("123")).rejects.toBeInstanceOf(ClosedResourceError);
      // Once closed locally, receiving is an error, not an empty chunk
      await expect(clientSsl.receiveSome(10)).rejects.toBeInstanceOf(ClosedResourceError);
      // Adapted: unwrap() is never offered (Trio: ClosedResourceError here).
      await expect(clientSsl.unwrap()).rejects.toBeInstanceOf(NotImplementedError);
      await expect(clientSsl.doHandshake()).rejects.toBeInstanceOf(ClosedResourceError);

      // A graceful close *before* handshaking gives a clean end of stream on the other side.
      const [client2, server2] = sslMemoryStreamPair(clientCtx);
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(() => client2.aclose());
        nursery.startSoon(async () => {
          assertBytes(await assertCheckpoints(() => server2.receiveSome(10)), "");
          await assertCheckpoints(() => server2.aclose());
        });
      });
    });
  });

  it("test_send_all_fails_in_the_middle", async () => {
    await trio.run(async () => {
      const [client, server] = sslMemoryStreamPair(clientCtx);
      await handshakeBoth(client, server);
      memTransport(client).sendStream.sendAllHook = () => Promise.reject(new KeyError());
      // Adapted: the transport's KeyError is the cause of a BrokenResourceError.
      const error = await rejection(client.sendAll("x"));
      expect(error).toBeInstanceOf(BrokenResourceError);
      expect((error as Error).cause).toBeInstanceOf(KeyError);
      await expect(client.waitSendAllMightNotBlock()).rejects.toBeInstanceOf(BrokenResourceError);
      let closed = 0;
      memTransport(client).sendStream.closeHook = () => closed++;
      memTransport(client).receiveStream.closeHook = () => closed++;
      await client.aclose();
      expect(closed).toBe(2);
    });
  });

  it("test_ssl_over_ssl", async () => {
    await trio.run(async () => {
      const [client0, server0] = trio.testing.memoryStreamPair();
      const client1 = new SSLStream(client0, clientCtx, { serverHostname: HOST });
      const server1 = new SSLStream(server0, SERVER_CTX, { serverSide: true });
      const client2 = new SSLStream(client1, clientCtx, { serverHostname: HOST });
      const server2 = new SSLStream(server1, SERVER_CTX, { serverSide: true });
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          await client2.sendAll("hi");
          assertBytes(await client2.receiveSome(10), "bye");
        });
        nursery.startSoon(async () => {
          assertBytes(await server2.receiveSome(10), "hi");
          await server2.sendAll("bye");
        });
      });
    });
  });

  it("test_ssl_bad_shutdown", async () => {
    await trio.run(async () => {
      const [client, server] = sslMemoryStreamPair(clientCtx);
      await handshakeBoth(client, server);
      await trio.acloseForcefully(client);
      // now the server sees a broken stream
      await expect(server.receiveSome(10)).rejects.toBeInstanceOf(BrokenResourceError);
      await expect(server.sendAll("x".repeat(10))).rejects.toBeInstanceOf(BrokenResourceError);
      await server.aclose();
    });
  });

  it("test_ssl_bad_shutdown_but_its_ok", async () => {
    await trio.run(async () => {
      const [client, server] = sslMemoryStreamPair(clientCtx, true, true);
      await handshakeBoth(client, server);
      await trio.acloseForcefully(client);
      // the server sees that as a clean shutdown
      assertBytes(await server.receiveSome(10), "");
      await expect(server.sendAll("x".repeat(10))).rejects.toBeInstanceOf(BrokenResourceError);
      await server.aclose();
    });
  });

  it("test_ssl_handshake_failure_during_aclose", async () => {
    await trio.run(() =>
      withSslEchoServerRaw(async (sock) => {
        // Don't configure trust correctly
        const s = new SSLStream(sock, {}, { serverHostname: HOST });
        // Adapted: aclose() does the handshake only for a stream in use (one never used
        // closes its transport without TLS), so the handshake is started first.
        await new trio.CancelScope().run(async (scope) => {
          scope.cancel();
          await s.doHandshake();
        });
        await expect(s.aclose()).rejects.toBeInstanceOf(BrokenResourceError);
      }),
    );
  });

  it("test_ssl_only_closes_stream_once", async () => {
    await trio.run(async () => {
      const [client, server] = sslMemoryStreamPair(clientCtx);
      await handshakeBoth(client, server);
      const sendStream = memTransport(client).sendStream;
      const origCloseHook = sendStream.closeHook!;
      let transportCloseCount = 0;
      sendStream.closeHook = () => {
        origCloseHook();
        transportCloseCount++;
        throw new KeyError();
      };
      await expect(client.aclose()).rejects.toBeInstanceOf(KeyError);
      expect(transportCloseCount).toBe(1);
    });
  });

  it("test_ssl_https_compatibility_disagreement", async () => {
    await trio.run(async () => {
      const [client, server] = sslMemoryStreamPair(clientCtx, true, false);
      await handshakeBoth(client, server);
      // client is in HTTPS mode, server is not: the client's close is an error for the server
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(() => client.aclose());
        nursery.startSoon(async () => {
          const error = await rejection(server.receiveSome(10));
          expect(error).toBeInstanceOf(BrokenResourceError);
          // Trio's _is_eof(cause): an SSLEOFError
          expect(String((error as Error).cause)).toMatch(/EOF occurred in violation of protocol/);
        });
      });
    });
  });

  it("test_https_mode_eof_before_handshake", async () => {
    await trio.run(async () => {
      const [client, server] = sslMemoryStreamPair(clientCtx, true, true);
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(() => client.aclose());
        nursery.startSoon(async () => assertBytes(await server.receiveSome(10), ""));
      });
    });
  });

  it("test_send_error_during_handshake", async () => {
    await trio.run(async () => {
      const [client] = sslMemoryStreamPair(clientCtx);
      memTransport(client).sendStream.sendAllHook = () => Promise.reject(new KeyError());
      // Adapted: BrokenResourceError caused by the KeyError (Trio: the KeyError itself).
      const first = await rejection(assertCheckpoints(() => client.doHandshake()));
      expect(first).toBeInstanceOf(BrokenResourceError);
      expect((first as Error).cause).toBeInstanceOf(KeyError);
      await expect(assertCheckpoints(() => client.doHandshake())).rejects.toBeInstanceOf(BrokenResourceError);
    });
  });

  it("test_receive_error_during_handshake", async () => {
    await trio.run(async () => {
      const [client, server] = sslMemoryStreamPair(clientCtx);
      memTransport(client).receiveStream.receiveSomeHook = () => Promise.reject(new KeyError());
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          // Adapted: BrokenResourceError caused by the KeyError (Trio: the KeyError itself).
          const error = await rejection(assertCheckpoints(() => client.doHandshake()));
          expect(error).toBeInstanceOf(BrokenResourceError);
          expect((error as Error).cause).toBeInstanceOf(KeyError);
          nursery.cancelScope.cancel();
        });
        nursery.startSoon(() => server.doHandshake());
      });
      await expect(assertCheckpoints(() => client.doHandshake())).rejects.toBeInstanceOf(BrokenResourceError);
    });
  });

  it("test_selected_alpn_protocol_before_handshake", () => {
    const [client, server] = sslMemoryStreamPair(clientCtx);
    expect(() => client.selectedAlpnProtocol).toThrow(trio.NeedHandshakeError);
    expect(() => server.selectedAlpnProtocol).toThrow(trio.NeedHandshakeError);
  });

  it("test_selected_alpn_protocol_when_not_set", async () => {
    await trio.run(async () => {
      const [client, server] = sslMemoryStreamPair(clientCtx);
      await handshakeBoth(client, server);
      // Python's None is false here (Node's alpnProtocol).
      expect(client.selectedAlpnProtocol).toBe(false);
      expect(server.selectedAlpnProtocol).toBe(false);
    });
  });

  it("test_getpeercert", async () => {
    await trio.run(async () => {
      const [client, server] = sslMemoryStreamPair(clientCtx);
      await handshakeBoth(client, server);
      expect(server.getpeercert()).toBeNull();
      expect(client.getpeercert()?.subjectaltname).toContain(`DNS:${HOST}`);
    });
  });
});
