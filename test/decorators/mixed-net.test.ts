// Both flavors on one network in one run: a Trio server with asyncio clients, an asyncio
// server with Trio clients, and cancellation of either side. Loopback only.
import type net from "node:net";
import { describe, expect, it } from "vitest";
import * as asyncio from "../../src/asyncio/index.js";
import { aioAsTrio, run } from "../../src/decorators/index.js";
import * as trio from "../../src/trio/index.js";

const text = (data: Uint8Array): string => new TextDecoder().decode(data);
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

function name(error: unknown): string {
  return error instanceof Error ? error.name : String(error);
}

describe("a Trio server, asyncio clients", () => {
  it("serveTcp answers asyncio openConnection clients, several at once", async () => {
    const replies = await run(async () => {
      let answers: string[] = [];
      await trio.openNursery(async (nursery) => {
        const listeners = await nursery.start((status: trio.TaskStatus<trio.SocketListener[]>) =>
          trio.serveTcp(
            async (stream) => {
              const request = text(await stream.receiveSome());
              await stream.sendAll(`trio says hello to ${request}`);
              await stream.aclose();
            },
            0,
            { host: "127.0.0.1", taskStatus: status },
          ),
        );
        const port = (listeners[0].address as net.AddressInfo).port;
        answers = await aioAsTrio(async () =>
          asyncio.gather<string[]>(
            ...["a", "b", "c"].map((who) => async () => {
              const [reader, writer] = await asyncio.openConnection("127.0.0.1", port);
              writer.write(bytes(who));
              await writer.drain();
              const answer = text(await reader.read());
              writer.close();
              await writer.waitClosed();
              return answer;
            }),
          ),
        )();
        nursery.cancelScope.cancel();
      });
      return answers;
    });
    expect(replies).toEqual(["trio says hello to a", "trio says hello to b", "trio says hello to c"]);
  });

  it("cancelling the asyncio client (a Trio timeout) closes its connection; the Trio server sees the end", async () => {
    const events: string[] = [];
    await run(async () => {
      await trio.openNursery(async (nursery) => {
        const listeners = await nursery.start((status: trio.TaskStatus<trio.SocketListener[]>) =>
          trio.serveTcp(
            async (stream) => {
              const got = await stream.receiveSome();
              events.push(`server got ${text(got)}`);
              // The client is cancelled before it reads an answer: the server then sees
              // the end of the stream.
              const rest = await stream.receiveSome();
              events.push(`server then got ${rest.length} bytes (end of stream)`);
              await stream.aclose();
              nursery.cancelScope.cancel();
            },
            0,
            { host: "127.0.0.1", taskStatus: status },
          ),
        );
        const port = (listeners[0].address as net.AddressInfo).port;
        const result = await trio.moveOnAfter(0.05, () =>
          aioAsTrio(async () => {
            const [reader, writer] = await asyncio.openConnection("127.0.0.1", port);
            try {
              writer.write(bytes("ping"));
              await reader.read(); // the server never answers
            } catch (error) {
              events.push(`client: ${name(error)}`);
              throw error;
            } finally {
              writer.close();
            }
          })(),
        );
        events.push(`moveOnAfter gave ${String(result)}`);
      });
    });
    // The client's side and the server's each in order, and the end of the stream only
    // after the cancel. Between the two sides the order is not fixed: the server's wake-up
    // comes through host I/O, which a loaded machine may deliver before the client's
    // Trio task resumes.
    expect([...events].sort()).toEqual(["client: CancelledError", "moveOnAfter gave undefined", "server got ping", "server then got 0 bytes (end of stream)"]);
    const at = (event: string): number => events.indexOf(event);
    expect(at("server got ping")).toBeLessThan(at("server then got 0 bytes (end of stream)"));
    expect(at("client: CancelledError")).toBeLessThan(at("moveOnAfter gave undefined"));
    expect(at("client: CancelledError")).toBeLessThan(at("server then got 0 bytes (end of stream)"));
  });
});

describe("an asyncio server, Trio clients", () => {
  it("startServer answers Trio openTcpStream clients", async () => {
    const replies = await run(async () => {
      const server = await aioAsTrio(() =>
        asyncio.startServer(
          async (reader, writer) => {
            const request = text(await reader.read(100));
            writer.write(bytes(`asyncio says hello to ${request}`));
            await writer.drain();
            writer.close();
          },
          "127.0.0.1",
          0,
        ),
      )();
      const port = (server.sockets[0].getsockname() as [string, number])[1];
      const answers: string[] = [];
      await trio.openNursery(async (nursery) => {
        for (const who of ["x", "y"]) {
          nursery.startSoon(async () => {
            const stream = await trio.openTcpStream("127.0.0.1", port);
            await stream.sendAll(who);
            let answer = "";
            for await (const chunk of stream) answer += text(chunk);
            answers.push(answer);
            await stream.aclose();
          });
        }
      });
      server.close();
      await aioAsTrio(() => server.waitClosed())();
      return answers.sort();
    });
    expect(replies).toEqual(["asyncio says hello to x", "asyncio says hello to y"]);
  });

  it("cancelling the asyncio handler (the loop's teardown) closes the Trio client's stream", async () => {
    const events: string[] = [];
    await run(async () => {
      let port = 0;
      const serverReady = await aioAsTrio(() =>
        asyncio.startServer(
          async (reader, writer) => {
            try {
              events.push(`asyncio handler got ${text(await reader.readexactly(5))}`);
              await reader.read(); // waits forever: the Trio side cancels it
            } catch (error) {
              events.push(`asyncio handler: ${name(error)}`);
              throw error;
            } finally {
              writer.close();
            }
          },
          "127.0.0.1",
          0,
        ),
      )();
      port = (serverReady.sockets[0].getsockname() as [string, number])[1];
      const stream = await trio.openTcpStream("127.0.0.1", port);
      await stream.sendAll("hello");
      // Until the handler has read it (however slow the machine), then into its next read.
      while (!events.includes("asyncio handler got hello")) await trio.sleep(0.001);
      await trio.sleep(0.01);
      // Cancel every asyncio task (the handler) from Trio, through the loop.
      await aioAsTrio(async () => {
        for (const task of asyncio.allTasks()) if (task !== asyncio.currentTask()) task.cancel();
        await asyncio.sleep(0.01);
      })();
      const end = await trio.moveOnAfter(1, () => stream.receiveSome());
      events.push(`trio client got ${end?.length ?? "nothing"} bytes`);
      await stream.aclose();
      serverReady.close();
    });
    expect(events).toEqual(["asyncio handler got hello", "asyncio handler: CancelledError", "trio client got 0 bytes"]);
  });
});
