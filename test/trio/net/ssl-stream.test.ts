// SSLStream over arbitrary Trio streams (memory streams, another SSLStream, a TCP
// SocketStream), with the self-signed test certificate of test/fixtures/tls. Trio's own
// tests are ported in test/conformance/trio/test-ssl.test.ts; these cover the rest.
// Memory-stream tests run on an autojumping MockClock under failAfter: a hang would be a
// TooSlowError at once.
import { readFileSync } from "node:fs";
import type net from "node:net";
import { join } from "node:path";
import type tls from "node:tls";
import { describe, expect, it } from "vitest";
import { NotImplementedError, ValueError } from "../../../src/errors/builtins.js";
import * as trio from "../../../src/trio/index.js";

const { BrokenResourceError, ClosedResourceError, SSLStream } = trio;
const { MockClock, waitAllTasksBlocked } = trio.testing;

const dir = join(import.meta.dirname, "../../fixtures/tls");
const cert = readFileSync(join(dir, "cert.pem"));
const key = readFileSync(join(dir, "key.pem"));
const text = (data: Uint8Array): string => new TextDecoder().decode(data);

const CLIENT: tls.ConnectionOptions = { ca: cert };
const SERVER: tls.TlsOptions = { cert, key };

function sslPair(
  transports: [trio.abc.Stream, trio.abc.Stream] = trio.testing.memoryStreamPair(),
  client: tls.ConnectionOptions = CLIENT,
  server: tls.TlsOptions = SERVER,
): [trio.SSLStream, trio.SSLStream] {
  return [new SSLStream(transports[0], client, { serverHostname: "localhost" }), new SSLStream(transports[1], server, { serverSide: true })];
}

/** Runs `fn` on an autojumping MockClock, failing after 60 virtual seconds. */
function runMocked<T>(fn: () => Promise<T>): Promise<T | undefined> {
  return trio.run({ clock: new MockClock({ autojumpThreshold: 0 }) }, () => trio.failAfter(60, fn));
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

async function echoOnce(stream: trio.SSLStream): Promise<void> {
  await stream.sendAll(await stream.receiveSome());
}

describe("SSLStream over a Trio stream", () => {
  it("echoes over memory streams, then closes gracefully on both sides", async () => {
    const got = await runMocked(async () => {
      const [client, server] = sslPair();
      let reply = "";
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(echoOnce, server);
        await client.sendAll("hello");
        reply = text(await client.receiveSome());
      });
      const version = client.version;
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(() => client.aclose());
        expect(await server.receiveSome()).toHaveLength(0);
        await server.aclose();
      });
      return [reply, version];
    });
    expect(got).toEqual(["hello", "TLSv1.3"]);
  });

  it("runs TLS inside TLS (an SSLStream over an SSLStream)", async () => {
    const big = new Uint8Array(200_000).map((_, i) => i % 251);
    await runMocked(async () => {
      const [outerClient, outerServer] = sslPair();
      const [client, server] = sslPair([outerClient, outerServer]);
      expect(client.transportStream).toBe(outerClient);
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          for await (const chunk of server) await server.sendAll(chunk);
          await server.aclose();
        });
        const got: Uint8Array[] = [];
        await trio.openNursery(async (inner) => {
          inner.startSoon(() => client.sendAll(big));
          for (let n = 0; n < big.length; n += got[got.length - 1].length) got.push(await client.receiveSome());
        });
        expect(Buffer.concat(got).equals(big)).toBe(true);
        await client.aclose();
      });
      // Closing the inner streams closed the outer ones (their transports).
      await expect(outerClient.sendAll("x")).rejects.toBeInstanceOf(ClosedResourceError);
      await expect(outerServer.receiveSome()).rejects.toBeInstanceOf(ClosedResourceError);
    });
  });

  it("runs over a Trio SocketStream (TCP), talking to openSslOverTcpListeners", async () => {
    await trio.run(async () => {
      const [listener] = await trio.openSslOverTcpListeners(0, { host: "127.0.0.1", sslContext: SERVER });
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          const native = (await listener.accept()) as trio.SSLStream;
          // The helpers' streams run TLS natively on the socket: no Trio stream under them.
          expect(native.transportStream).toBeNull();
          expect(native.serverSide).toBe(true);
          await native.doHandshake();
          for await (const chunk of native) await native.sendAll(chunk);
          await native.aclose();
        });
        const tcp = await trio.openTcpStream("127.0.0.1", (listener.address as net.AddressInfo).port);
        const client = new SSLStream(tcp, CLIENT, { serverHostname: "localhost" });
        expect(client.transportStream).toBe(tcp);
        await client.sendAll("over TCP");
        expect(text(await client.receiveSome())).toBe("over TCP");
        expect(client.getpeercert()?.subject.CN).toBe("localhost");
        await client.aclose();
      });
      await listener.aclose();
    });
  });

  it("negotiates ALPN", async () => {
    await runMocked(async () => {
      const [client, server] = sslPair(undefined, { ...CLIENT, ALPNProtocols: ["h2", "http/1.1"] }, { ...SERVER, ALPNProtocols: ["http/1.1"] });
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(() => server.doHandshake());
        await client.doHandshake();
      });
      expect([client.selectedAlpnProtocol, server.selectedAlpnProtocol]).toEqual(["http/1.1", "http/1.1"]);
    });
  });

  it("checks client certificates when the server asks for them", async () => {
    await runMocked(async () => {
      const serverCtx = { ...SERVER, ca: cert, requestCert: true };
      // A trusted client certificate.
      const [client, server] = sslPair(undefined, { ...CLIENT, cert, key }, serverCtx);
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(() => client.doHandshake());
        await server.doHandshake();
      });
      expect(server.getpeercert()?.subject.CN).toBe("localhost");
      expect(server.tlsSocket.authorized).toBe(true);
      // No certificate at all, then one the server does not trust: its handshake fails.
      for (const [clientCtx, serverOptions] of [
        [CLIENT, serverCtx],
        [{ ...CLIENT, cert, key }, { ...SERVER, requestCert: true }],
      ] as const) {
        const [badClient, badServer] = sslPair(undefined, clientCtx, serverOptions);
        await trio.openNursery(async (nursery) => {
          nursery.startSoon(() => badClient.doHandshake());
          expect(await rejection(badServer.doHandshake())).toBeInstanceOf(BrokenResourceError);
          nursery.cancelScope.cancel();
        });
      }
    });
  });
});

describe("SSLStream errors", () => {
  it("a bad certificate or host name fails the handshake with Node's error as cause", async () => {
    await runMocked(async () => {
      for (const [clientCtx, name, code] of [
        [{}, "localhost", "DEPTH_ZERO_SELF_SIGNED_CERT"],
        [CLIENT, "example.com", "ERR_TLS_CERT_ALTNAME_INVALID"],
      ] as const) {
        const [a, b] = trio.testing.memoryStreamPair();
        const client = new SSLStream(a, clientCtx, { serverHostname: name });
        const server = new SSLStream(b, SERVER, { serverSide: true });
        await trio.openNursery(async (nursery) => {
          nursery.startSoon(async () => void (await rejection(server.receiveSome())));
          const error = await rejection(client.sendAll("x"));
          expect(error).toBeInstanceOf(BrokenResourceError);
          expect(error.cause).toMatchObject({ code });
          // Broken for good; closing still works (and the server sees the end).
          await expect(client.receiveSome()).rejects.toBeInstanceOf(BrokenResourceError);
          await client.aclose();
        });
        await server.aclose();
      }
    });
  });

  it("a peer that does not speak TLS fails the handshake", async () => {
    await runMocked(async () => {
      // A client talking to an HTTP server, then a server reached by an HTTP client.
      const [a, b] = trio.testing.memoryStreamPair();
      const client = new SSLStream(a, CLIENT, { serverHostname: "localhost" });
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          await b.receiveSome();
          await b.sendAll("HTTP/1.1 400 Bad Request\r\n\r\n");
        });
        const error = await rejection(client.doHandshake());
        expect(error).toBeInstanceOf(BrokenResourceError);
        expect(error.cause).toMatchObject({ code: expect.stringMatching(/^ERR_SSL_/) });
      });
      const [c, d] = trio.testing.memoryStreamPair();
      const server = new SSLStream(d, SERVER, { serverSide: true });
      await c.sendAll("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
      const error = await rejection(server.receiveSome());
      expect(error).toBeInstanceOf(BrokenResourceError);
      expect(error.cause).toMatchObject({ code: expect.stringMatching(/^ERR_SSL_/) });
    });
  });

  it("the peer closing the transport during the handshake breaks the stream", async () => {
    await runMocked(async () => {
      const [a, b] = trio.testing.memoryStreamPair();
      const client = new SSLStream(a, CLIENT, { serverHostname: "localhost" });
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          await b.receiveSome();
          await b.aclose();
        });
        const error = await rejection(client.doHandshake());
        expect(error).toBeInstanceOf(BrokenResourceError);
        expect(String(error.cause)).toMatch(/EOF occurred in violation of protocol/);
      });
    });
  });

  it("checks its arguments", async () => {
    const [a] = trio.testing.memoryStreamPair();
    expect(() => new SSLStream({} as trio.abc.Stream, CLIENT, { serverHostname: "x" })).toThrow(TypeError);
    expect(() => new SSLStream(a, null as unknown as tls.ConnectionOptions)).toThrow(TypeError);
    expect(() => new SSLStream(a, CLIENT, { serverSide: "yes" as unknown as boolean })).toThrow(TypeError);
    // Python's "check_hostname requires server_hostname", and its server-side refusal.
    expect(() => new SSLStream(a, CLIENT)).toThrow(ValueError);
    expect(() => new SSLStream(a, SERVER, { serverSide: true, serverHostname: "x" })).toThrow(ValueError);
    // Not verifying: no name needed.
    expect(new SSLStream(a, { rejectUnauthorized: false }).serverHostname).toBeNull();
    await trio.run(async () => {
      const error = await rejection(new SSLStream(a, CLIENT, { serverHostname: "x" }).unwrap());
      expect(error).toBeInstanceOf(NotImplementedError);
    });
  });
});

describe("SSLStream cancellation and concurrency", () => {
  it("a cancelled receiveSome loses no plaintext, a cancelled sendAll no ciphertext", async () => {
    await runMocked(async () => {
      const [client, server] = sslPair(trio.testing.lockstepStreamPair());
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(() => server.doHandshake());
        await client.doHandshake();
      });
      await trio.moveOnAfter(1, () => server.receiveSome());
      // Nobody reads the lockstep transport: the send blocks, and is cancelled.
      const scope = new trio.CancelScope({ deadline: trio.currentTime() + 1 });
      await scope.run(() => client.sendAll("one"));
      expect(scope.cancelledCaught).toBe(true);
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(() => client.sendAll("two"));
        let got = "";
        while (got.length < 6) got += text(await server.receiveSome());
        expect(got).toBe("onetwo");
      });
    });
  });

  it("a handshake with a silent peer waits, cancellably", async () => {
    await runMocked(async () => {
      const [client] = sslPair();
      await expect(trio.failAfter(5, () => client.doHandshake())).rejects.toBeInstanceOf(trio.TooSlowError);
      await trio.acloseForcefully(client);
    });
  });

  it("closing the stream wakes the tasks using it with ClosedResourceError", async () => {
    const handshaken = async (): Promise<[trio.SSLStream, trio.SSLStream]> => {
      const [client, server] = sslPair(trio.testing.lockstepStreamPair());
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(() => server.doHandshake());
        await client.doHandshake();
      });
      return [client, server];
    };
    await runMocked(async () => {
      const [client] = await handshaken();
      const [, server] = await handshaken();
      const errors: string[] = [];
      const record = async (fn: () => Promise<unknown>): Promise<void> => {
        errors.push((await rejection(fn())).name);
      };
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(record, () => client.receiveSome());
        nursery.startSoon(record, () => client.waitSendAllMightNotBlock());
        await waitAllTasksBlocked();
        await trio.acloseForcefully(client);
      });
      // Its peer does not read: the send blocks in the transport.
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(record, () => server.sendAll("x".repeat(100_000)));
        await waitAllTasksBlocked();
        await trio.acloseForcefully(server);
      });
      expect(errors).toEqual(["ClosedResourceError", "ClosedResourceError", "ClosedResourceError"]);
    });
  });

  it("sendEof sends close_notify: the peer reads the end, later sends fail", async () => {
    await runMocked(async () => {
      const [client, server] = sslPair();
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          await client.sendAll("bye");
          await client.sendEof();
        });
        expect(text(await server.receiveSome())).toBe("bye");
        expect(await server.receiveSome()).toHaveLength(0);
      });
      await expect(client.sendAll("more")).rejects.toBeInstanceOf(ClosedResourceError);
      await client.aclose();
      await server.aclose();
    });
  });
});
