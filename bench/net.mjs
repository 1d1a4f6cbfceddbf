// Networking on loopback: echo round trips and bulk throughput over one connection, for
// Trio streams next to raw node:net in the same run. Targets: at least 0.7x raw
// throughput, i.e. at most 1/0.7 = 1.43x raw time per operation.
import net from "node:net";
import { trio } from "../dist/index.js";
import { compare } from "./harness.mjs";

const MESSAGE = new Uint8Array(64).fill(7);
const CHUNK = new Uint8Array(1024 * 1024).fill(1);

/** Raw node:net: an echo server, and a client doing `n` round trips of 64 bytes. */
function rawEcho(n) {
  return new Promise((resolve, reject) => {
    const server = net.createServer({ noDelay: true }, (socket) => socket.on("data", (d) => socket.write(d)));
    server.listen(0, "127.0.0.1", () => {
      const client = net.connect({ port: server.address().port, host: "127.0.0.1", noDelay: true }, () => {
        let left = n;
        let pending = 0;
        client.on("data", (d) => {
          pending -= d.length;
          if (pending > 0) return;
          if (--left === 0) {
            client.destroy();
            server.close(() => resolve());
            return;
          }
          pending = MESSAGE.length;
          client.write(MESSAGE);
        });
        pending = MESSAGE.length;
        client.write(MESSAGE);
      });
      client.on("error", reject);
    });
  });
}

/** Raw node:net: `n` chunks of 1 MiB sent one way, counted by the server. */
function rawBulk(n) {
  return new Promise((resolve, reject) => {
    const total = n * CHUNK.length;
    let received = 0;
    const server = net.createServer((socket) => {
      socket.on("data", (d) => {
        received += d.length;
        if (received >= total) {
          socket.destroy();
          server.close(() => resolve());
        }
      });
    });
    server.listen(0, "127.0.0.1", () => {
      const client = net.connect({ port: server.address().port, host: "127.0.0.1" }, () => {
        let sent = 0;
        const pump = () => {
          while (sent < n) {
            sent++;
            if (!client.write(CHUNK)) return void client.once("drain", pump);
          }
        };
        pump();
      });
      client.on("error", reject);
    });
  });
}

function trioEcho(n) {
  return trio.run(async () => {
    await trio.openNursery(async (nursery) => {
      const listeners = await nursery.start((status) =>
        trio.serveTcp(
          async (stream) => {
            for await (const chunk of stream) await stream.sendAll(chunk);
          },
          0,
          { host: "127.0.0.1", taskStatus: status },
        ),
      );
      const client = await trio.openTcpStream("127.0.0.1", listeners[0].address.port);
      for (let i = 0; i < n; i++) {
        await client.sendAll(MESSAGE);
        let got = 0;
        while (got < MESSAGE.length) got += (await client.receiveSome()).length;
      }
      await client.aclose();
      nursery.cancelScope.cancel();
    });
  });
}

function trioBulk(n) {
  return trio.run(async () => {
    const [listener] = await trio.openTcpListeners(0, { host: "127.0.0.1" });
    await trio.openNursery(async (nursery) => {
      nursery.startSoon(async () => {
        const client = await trio.openTcpStream("127.0.0.1", listener.address.port);
        for (let i = 0; i < n; i++) await client.sendAll(CHUNK);
        await client.aclose();
      });
      const server = await listener.accept();
      let received = 0;
      while (received < n * CHUNK.length) received += (await server.receiveSome()).length;
      await server.aclose();
    });
    await listener.aclose();
  });
}

export async function netBenchmarks() {
  const results = {};
  results["net: Trio streams, echo round trip of 64 bytes (1 connection)"] = await compare({
    n: 5_000,
    target: 1.43,
    subject: { fn: trioEcho },
    baseline: { name: "raw node:net echo client and server", fn: rawEcho },
  });
  results["net: Trio streams, bulk 1 MiB chunks (1 connection), per chunk"] = await compare({
    n: 64,
    target: 1.43,
    subject: { fn: trioBulk },
    baseline: { name: "raw node:net writes with drain, counted by a data listener", fn: rawBulk },
  });
  return results;
}
