// Ported from python-trio/trio src/trio/_tests/test_highlevel_socket.py
//
// Trio's SocketStream and SocketListener wrap Trio sockets; here they wrap Node's
// `net.Socket` and `net.Server`. Trio's `socketpair()` becomes a connected loopback TCP
// pair. Trio reads socket options with getsockopt; Node has none, so the test watches
// the calls SocketStream makes on the Node socket. Trio's fake listening socket, which
// raises chosen errors from accept(), becomes a real listening Node server on which the
// test emits the "error" events Node emits when accept() fails.
import dgram from "node:dgram";
import net from "node:net";
import os from "node:os";
import { PassThrough } from "node:stream";
import { describe, expect, it, vi } from "vitest";
import { ValueError } from "../../../src/errors/builtins.js";
import * as trio from "../../../src/trio/index.js";
import { checkHalfCloseableStream } from "../../trio/testing/check-streams.js";

const { ClosedResourceError, SocketListener, SocketStream } = trio;
const { assertCheckpoints, waitAllTasksBlocked } = trio.testing;

const text = (data: Uint8Array): string => new TextDecoder().decode(data);

/** A plain Node server listening on 127.0.0.1 (Trio's `tsocket.socket()` + bind + listen). */
function rawListen(options: net.ServerOpts = {}): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer(options);
    server.once("error", reject);
    server.listen({ port: 0, host: "127.0.0.1" }, () => resolve(server));
  });
}

function portOf(server: net.Server): number {
  return (server.address() as net.AddressInfo).port;
}

/** A connected pair of plain Node sockets, [client, server side] (Trio's `tsocket.socketpair()`). */
async function rawSocketPair(options: net.ServerOpts = {}): Promise<[net.Socket, net.Socket]> {
  const server = await rawListen(options);
  const accepted = new Promise<net.Socket>((resolve) => server.once("connection", resolve));
  const client = net.connect({ port: portOf(server), host: "127.0.0.1" });
  await new Promise<void>((resolve) => client.once("connect", () => resolve()));
  const serverSide = await accepted;
  server.close();
  return [client, serverSide];
}

/** A connected pair of SocketStreams (Trio's `SocketStream(a), SocketStream(b)` over a socketpair). Trio-flavored. */
async function socketStreamPair(): Promise<[trio.SocketStream, trio.SocketStream]> {
  const [listener] = await trio.openTcpListeners(0, { host: "127.0.0.1" });
  try {
    const client = await trio.openTcpStream("127.0.0.1", (listener.address as net.AddressInfo).port);
    const server = await listener.accept();
    return [client, server];
  } finally {
    await listener.aclose();
  }
}

/** An error as Node reports a failed accept() on a server: `accept EMFILE`, code, errno, syscall. */
function acceptError(code: keyof typeof os.constants.errno): NodeJS.ErrnoException {
  return Object.assign(new Error(`accept ${code}`), { code, errno: -os.constants.errno[code], syscall: "accept" });
}

/** Trio's ValueError for a socket of the wrong type; a TypeError is JavaScript's word for it. */
function isWrongKindError(error: unknown): boolean {
  return error instanceof TypeError || error instanceof ValueError;
}

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("test_highlevel_socket", () => {
  it("test_SocketStream_basics", async () => {
    // Not a socket at all (Trio: a stdlib socket, not a Trio one)
    expect(() => new SocketStream(new PassThrough() as unknown as net.Socket)).toThrow(TypeError);

    // DGRAM socket bad
    const udp = dgram.createSocket("udp4");
    try {
      expect(isWrongKindError(thrownBy(() => new SocketStream(udp as unknown as net.Socket)))).toBe(true);
    } finally {
      udp.close();
    }

    const [a, b] = await rawSocketPair();
    try {
      await trio.run(async () => {
        const noDelay = vi.spyOn(a, "setNoDelay");
        const s = new SocketStream(a);
        expect(s.socket).toBe(a);

        // TCP_NODELAY enabled by default
        expect(noDelay).toHaveBeenLastCalledWith(true);
        // We can disable it though
        s.setNoDelay(false);
        expect(noDelay).toHaveBeenLastCalledWith(false);
        // (Trio's getsockopt with a buffer length and setsockopt_tests have no
        // counterpart: Node exposes no generic socket options.)
      });
    } finally {
      a.destroy();
      b.destroy();
    }
  });

  it("test_SocketStream_send_all", async () => {
    const BIG = 10_000_000;

    await trio.run(async () => {
      const [a, b] = await socketStreamPair();
      try {
        // Check a sendAll that has to be split into multiple parts
        const sender = async (): Promise<void> => {
          await a.sendAll(new Uint8Array(BIG));
          // (Trio then grows the bytearray to check that send_all released its
          // memoryviews; Uint8Arrays cannot be resized in place.)
        };

        const receiver = async (): Promise<void> => {
          // Make sure the sender fills up the kernel buffers and blocks
          await waitAllTasksBlocked();
          let nbytes = 0;
          while (nbytes < BIG) nbytes += (await b.receiveSome(BIG)).length;
          expect(nbytes).toBe(BIG);
        };

        await trio.openNursery(async (nursery) => {
          nursery.startSoon(sender);
          nursery.startSoon(receiver);
        });

        // We know that we received BIG bytes of NULs so far. Make sure that was all the
        // data in there.
        await a.sendAll("e");
        expect(text(await b.receiveSome(10))).toBe("e");
        await a.sendEof();
        expect(text(await b.receiveSome(10))).toBe("");
      } finally {
        await a.aclose();
        await b.aclose();
      }
    });
  });

  it("test_SocketStream_generic", async () => {
    /**
     * Sends until sendAll blocks, then cancels it: the stream's buffers are full. Unlike a
     * Trio socket, the peer's Node socket may still take some bytes from the kernel after
     * the first block (its Readable reads on to its own high-water mark, in host I/O that
     * waitAllTasksBlocked does not wait for), which would unclog the stream later. So it
     * fills in rounds, with time for the host between them, until a round in which no
     * sendAll finishes.
     */
    const fillStream = async (s: trio.SocketStream): Promise<void> => {
      const chunk = new Uint8Array(10000).fill(0x78);
      for (let round = 0; round < 100; round++) {
        let finished = 0;
        await trio.openNursery(async (nursery) => {
          nursery.startSoon(async () => {
            for (;;) {
              await s.sendAll(chunk);
              finished++;
            }
          });
          nursery.startSoon(async () => {
            await waitAllTasksBlocked();
            nursery.cancelScope.cancel();
          });
        });
        if (round > 0 && finished === 0) return;
        await trio.sleep(0.01);
      }
      throw new Error("the stream did not clog in 100 rounds");
    };

    const streamMaker = socketStreamPair;

    const cloggedStreamMaker = async (): Promise<[trio.SocketStream, trio.SocketStream]> => {
      const [left, right] = await streamMaker();
      await fillStream(left);
      await fillStream(right);
      return [left, right];
    };

    await trio.run(() => checkHalfCloseableStream(streamMaker, cloggedStreamMaker));
  });

  it("test_SocketListener", async () => {
    // Not a listening server (Trio: a stdlib socket, not a Trio one)
    const notAServer = new net.Socket();
    expect.soft(thrownBy(() => new SocketListener(notAServer as unknown as net.Server))).toBeInstanceOf(TypeError);
    notAServer.destroy();

    // Not a SOCK_STREAM
    const udp = dgram.createSocket("udp4");
    expect.soft(isWrongKindError(thrownBy(() => new SocketListener(udp as unknown as net.Server)))).toBe(true);
    udp.close();

    // (Trio's "didn't call .listen()" case is not ported: here SocketListener wraps a
    // server before it listens, as openTcpListeners does.)

    const listenSock = await rawListen();
    try {
      await trio.run(async () => {
        const listener = new SocketListener(listenSock);

        expect(listener.server).toBe(listenSock);

        const clientSock = net.connect({ port: portOf(listenSock), host: "127.0.0.1" });
        const serverStream = await assertCheckpoints(() => listener.accept());
        expect(serverStream).toBeInstanceOf(SocketStream);
        if (clientSock.connecting) await new Promise((resolve) => clientSock.once("connect", resolve));
        expect(serverStream.localAddress).toEqual(listenSock.address());
        expect(serverStream.remoteAddress).toMatchObject({ address: clientSock.localAddress, port: clientSock.localPort });

        await assertCheckpoints(() => listener.aclose());

        await assertCheckpoints(() => listener.aclose());

        let error: unknown = null;
        await assertCheckpoints(async () => {
          try {
            await listener.accept();
          } catch (e) {
            error = e;
          }
        });
        expect(error).toBeInstanceOf(ClosedResourceError);

        clientSock.destroy();
        await serverStream.aclose();
      });
    } finally {
      listenSock.close();
    }
  });

  it("test_SocketListener_socket_closed_underfoot", async () => {
    const listenSock = await rawListen();
    await trio.run(async () => {
      const listener = new SocketListener(listenSock);

      // Close the socket, not the listener
      listenSock.close();

      // SocketListener gives correct error (the 0.2 s guard only ends a wait that
      // should not happen)
      let error: unknown = "accept() was still waiting 0.2 s after the server was closed";
      await trio.moveOnAfter(0.2, () =>
        assertCheckpoints(async () => {
          try {
            await listener.accept();
            error = "accept() returned a connection";
          } catch (e) {
            if (e instanceof trio.Cancelled) throw e;
            error = e;
          }
        }),
      );
      expect(error).toBeInstanceOf(ClosedResourceError);
      await listener.aclose();
    });
  });

  it("test_SocketListener_accept_errors", async () => {
    const listenSock = await rawListen();
    const port = portOf(listenSock);
    const clients: net.Socket[] = [];
    try {
      await trio.run(async () => {
        const listener = new SocketListener(listenSock);

        /** accept() while `meanwhile` runs once it blocks: its connection, or its error. */
        const acceptWhile = async (meanwhile: () => void): Promise<unknown> => {
          let outcome: unknown = null;
          await trio.openNursery(async (nursery) => {
            nursery.startSoon(async () => {
              try {
                outcome = await assertCheckpoints(() => listener.accept());
              } catch (e) {
                outcome = e;
              }
            });
            await waitAllTasksBlocked();
            meanwhile();
          });
          return outcome;
        };
        const connect = (): void => {
          clients.push(net.connect({ port, host: "127.0.0.1" }));
        };

        // Errors that say nothing about the listener are skipped (Trio's ignorable
        // errnos); the connection that follows is accepted.
        let stream = await acceptWhile(() => {
          for (const code of ["ECONNABORTED", "EPERM", "EPROTO"] as const) listenSock.emit("error", acceptError(code));
          connect();
        });
        expect(stream).toBeInstanceOf(SocketStream);
        await (stream as trio.SocketStream).aclose();

        // Other errors are raised, each by one accept().
        for (const code of ["EMFILE", "EFAULT", "ENOBUFS"] as const) {
          const error = acceptError(code);
          const outcome = await acceptWhile(() => listenSock.emit("error", error));
          expect(outcome).toMatchObject({ code, errno: error.errno, message: error.message });
        }

        // And the listener still works afterwards.
        stream = await acceptWhile(connect);
        expect(stream).toBeInstanceOf(SocketStream);
        await (stream as trio.SocketStream).aclose();
        await listener.aclose();
      });
    } finally {
      for (const client of clients) client.destroy();
      listenSock.close();
    }
  });

  it("test_socket_stream_works_when_peer_has_already_closed", async () => {
    // The server side reads nothing until wrapped, so "x" and the end of the stream wait
    // in the kernel, as in Trio's socketpair.
    const [sockB, sockA] = await rawSocketPair({ pauseOnConnect: true });
    await new Promise<void>((resolve) => sockB.end("x", () => resolve()));
    try {
      await trio.run(async () => {
        const stream = new SocketStream(sockA);
        expect(text(await stream.receiveSome(1))).toBe("x");
        expect(text(await stream.receiveSome(1))).toBe("");
        await stream.aclose();
      });
    } finally {
      sockA.destroy();
      sockB.destroy();
    }
  });
});

// Not ported (also listed in test/conformance/README.md):
// - test_SocketStream_basics, the getsockopt(..., buflen) and setsockopt_tests parts:
//   Node exposes no generic getsockopt/setsockopt; SocketStream offers setNoDelay and
//   setKeepAlive.
// - test_SocketListener, the "didn't call .listen()" case: SocketListener wraps a
//   net.Server before it listens (openTcpListeners does so), so its constructor cannot
//   require a listening server.
