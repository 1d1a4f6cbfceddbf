// Networking on loopback: echo round trips and bulk throughput over one connection, for
// Trio streams next to raw node:net in the same run. Targets: at least 0.7x raw
// throughput, i.e. at most 1/0.7 = 1.43x raw time per operation.
import net from "node:net";
import { asyncio, trio } from "../dist/index.js";
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

function asyncioEcho(n) {
  return asyncio.run(async () => {
    const server = await asyncio.startServer(
      async (reader, writer) => {
        for (;;) {
          const data = await reader.read(65536);
          if (data.length === 0) break;
          writer.write(data);
          await writer.drain();
        }
        writer.close();
      },
      "127.0.0.1",
      0,
    );
    const port = server.sockets[0].getsockname()[1];
    const [reader, writer] = await asyncio.openConnection("127.0.0.1", port);
    for (let i = 0; i < n; i++) {
      writer.write(MESSAGE);
      await writer.drain();
      await reader.readexactly(MESSAGE.length);
    }
    writer.close();
    await writer.waitClosed();
    server.close();
    await server.waitClosed();
  });
}

function asyncioBulk(n) {
  return asyncio.run(async () => {
    const total = n * CHUNK.length;
    let done;
    const finished = new Promise((resolve) => (done = resolve));
    const server = await asyncio.startServer(
      async (reader, writer) => {
        let received = 0;
        while (received < total) received += (await reader.read(1 << 20)).length;
        writer.close();
        done();
      },
      "127.0.0.1",
      0,
    );
    const [, writer] = await asyncio.openConnection("127.0.0.1", server.sockets[0].getsockname()[1]);
    for (let i = 0; i < n; i++) {
      writer.write(CHUNK);
      await writer.drain();
    }
    await finished;
    writer.close();
    server.close();
    await server.waitClosed();
  });
}

const CONNECTIONS = 1000;
const REQUESTS = 10;

/** 1,000 connections, each doing REQUESTS echo round trips at once; reports req/s and heap. */
async function concurrent(name, fn) {
  globalThis.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let peak = heapBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 5);
  const t0 = performance.now();
  await fn();
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  return { [`${name}_requests_per_second`]: Math.round((CONNECTIONS * REQUESTS) / seconds), [`${name}_peak_heap_bytes`]: peak - heapBefore };
}

function rawConcurrent() {
  return new Promise((resolve) => {
    const server = net.createServer({ noDelay: true }, (socket) => socket.on("data", (d) => socket.write(d)));
    server.listen({ port: 0, host: "127.0.0.1", backlog: 2048 }, () => {
      let open = CONNECTIONS;
      for (let c = 0; c < CONNECTIONS; c++) {
        const client = net.connect({ port: server.address().port, host: "127.0.0.1", noDelay: true }, () => {
          let left = REQUESTS;
          client.on("data", () => {
            if (--left === 0) {
              client.destroy();
              if (--open === 0) server.close(() => resolve());
              return;
            }
            client.write(MESSAGE);
          });
          client.write(MESSAGE);
        });
      }
    });
  });
}

function trioConcurrent() {
  return trio.run(async () => {
    await trio.openNursery(async (outer) => {
      const listeners = await outer.start((status) =>
        trio.serveTcp(async (stream) => { for await (const chunk of stream) await stream.sendAll(chunk); }, 0, { host: "127.0.0.1", backlog: 2048, taskStatus: status }),
      );
      const port = listeners[0].address.port;
      await trio.openNursery(async (nursery) => {
        for (let c = 0; c < CONNECTIONS; c++) {
          nursery.startSoon(async () => {
            const stream = await trio.openTcpStream("127.0.0.1", port);
            for (let i = 0; i < REQUESTS; i++) {
              await stream.sendAll(MESSAGE);
              let got = 0;
              while (got < MESSAGE.length) got += (await stream.receiveSome()).length;
            }
            await stream.aclose();
          });
        }
      });
      outer.cancelScope.cancel();
    });
  });
}

function asyncioConcurrent() {
  return asyncio.run(async () => {
    const server = await asyncio.startServer(
      async (reader, writer) => {
        for (;;) {
          const data = await reader.read(65536);
          if (data.length === 0) break;
          writer.write(data);
        }
        writer.close();
      },
      "127.0.0.1",
      0,
      { backlog: 2048 },
    );
    const port = server.sockets[0].getsockname()[1];
    await asyncio.gather(
      ...Array.from({ length: CONNECTIONS }, () => async () => {
        const [reader, writer] = await asyncio.openConnection("127.0.0.1", port);
        for (let i = 0; i < REQUESTS; i++) {
          writer.write(MESSAGE);
          await reader.readexactly(MESSAGE.length);
        }
        writer.close();
      }),
    );
    server.close();
    await server.waitClosed();
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
    n: 256,
    target: 1.43,
    subject: { fn: trioBulk },
    baseline: { name: "raw node:net writes with drain, counted by a data listener", fn: rawBulk },
  });
  results["net: asyncio streams, echo round trip of 64 bytes (1 connection)"] = await compare({
    n: 5_000,
    target: 1.43,
    subject: { fn: asyncioEcho },
    baseline: { name: "raw node:net echo client and server", fn: rawEcho },
  });
  results["net: asyncio streams, bulk 1 MiB chunks (1 connection), per chunk"] = await compare({
    n: 256,
    target: 1.43,
    subject: { fn: asyncioBulk },
    baseline: { name: "raw node:net writes with drain, counted by a data listener", fn: rawBulk },
  });
  results[`net: ${CONNECTIONS} concurrent echo connections, ${REQUESTS} requests each`] = {
    ...(await concurrent("raw", rawConcurrent)),
    ...(await concurrent("trio", trioConcurrent)),
    ...(await concurrent("asyncio", asyncioConcurrent)),
  };
  return results;
}
