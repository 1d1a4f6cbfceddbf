// Ported from CPython Lib/test/test_asyncio/test_streams.py (StreamTests). Each test keeps
// its Python name. Python's `self.loop.run_until_complete(coro)` becomes
// `loop.runUntilComplete(() => coro)` on a SyncTrioEventLoop (a MockClock one for the
// tests without sockets); `test_utils.run_test_server()` (an HTTP server in a thread)
// becomes a Node server in this process answering like it; `asyncio.StreamReader(loop=...)`
// becomes `new StreamReader({ loop })`; bytes are Buffers. Tests not ported are listed at
// the end of the file.
import { spawn } from "node:child_process";
import * as net from "node:net";
import * as tls from "node:tls";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as asyncio from "../../../src/asyncio/index.js";
import { FlowControlMixin } from "../../../src/asyncio/net/streams.js";
import { RuntimeError, ValueError } from "../../../src/errors/builtins.js";
import { MockClock } from "../../../src/loop/mock-clock.js";
import { CERT, clientTls, KEY, serverTls, socketPath } from "../../asyncio/net/helpers.js";

const { StreamReader, StreamReaderProtocol } = asyncio;
const b = (text: string): Buffer => Buffer.from(text, "latin1");
const DATA = b("line1\nline2\nline3\n");

/** Python's ZeroDivisionError (`1/0`): an error class of its own. */
class ZeroDivisionError extends Error {}

/** The HTTP answer of CPython's test server (`test_utils.run_test_server`). */
const RESPONSE = "HTTP/1.0 200 OK\r\nServer: SimpleHTTP/0.6 Python\r\nContent-type: text/plain\r\n\r\nTest message";

/** `test_utils.run_test_server()` (and its unix and ssl variants): answers each request, then closes. */
async function runTestServer(options: { unix?: boolean; ssl?: boolean } = {}): Promise<{ address: [string, number]; path: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const onSocket = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let request = "";
    socket.on("data", (chunk: Buffer) => {
      request += chunk.toString("latin1");
      if (request.includes("\r\n\r\n")) socket.end(RESPONSE);
    });
  };
  const server = options.ssl ? tls.createServer({ key: KEY, cert: CERT }, onSocket) : net.createServer(onSocket);
  const path = options.unix ? socketPath() : "";
  await new Promise<void>((resolve) => (options.unix ? server.listen(path, resolve) : server.listen(0, "127.0.0.1", resolve)));
  const address = server.address();
  return {
    address: typeof address === "object" && address !== null ? ["127.0.0.1", address.port] : ["", 0],
    path,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

let loop: asyncio.SyncTrioEventLoop;

/** The real-clock loop the socket tests need. */
function useRealLoop(): asyncio.SyncTrioEventLoop {
  loop.close();
  loop = new asyncio.SyncTrioEventLoop();
  return loop;
}

/** `test_utils.run_briefly(loop)`. */
async function runBriefly(l: asyncio.SyncTrioEventLoop): Promise<void> {
  await l.runUntilComplete(async () => {});
}

async function raises(awaitable: PromiseLike<unknown>): Promise<unknown> {
  try {
    await awaitable;
  } catch (error) {
    return error;
  }
  throw new Error("it did not raise");
}

describe("test_streams.py StreamTests", { timeout: 10_000 }, () => {
  beforeEach(() => {
    loop = new asyncio.SyncTrioEventLoop({ clock: new MockClock({ autojumpThreshold: 0 }) });
    // test_utils.TestCase.set_event_loop: no current event loop.
    asyncio.setEventLoop(null);
  });

  afterEach(async () => {
    if (!loop.isClosed()) {
      await runBriefly(loop);
      loop.close();
    }
  });

  async function basetestOpenConnection(open: () => Promise<[asyncio.StreamReader, asyncio.StreamWriter]>): Promise<void> {
    const messages: unknown[] = [];
    loop.setExceptionHandler((_l, ctx) => messages.push(ctx));
    const [reader, writer] = await loop.runUntilComplete(open);
    writer.write(b("GET / HTTP/1.0\r\n\r\n"));
    expect(await loop.runUntilComplete(() => reader.readline())).toEqual(b("HTTP/1.0 200 OK\r\n"));
    const data = await loop.runUntilComplete(() => reader.read());
    expect(data.toString().endsWith("\r\n\r\nTest message")).toBe(true);
    writer.close();
    expect(messages).toEqual([]);
  }

  it("test_open_connection", async () => {
    useRealLoop();
    const httpd = await runTestServer();
    await basetestOpenConnection(() => asyncio.openConnection(...httpd.address));
    await httpd.close();
  });

  it("test_open_unix_connection", async () => {
    useRealLoop();
    const httpd = await runTestServer({ unix: true });
    await basetestOpenConnection(() => asyncio.openUnixConnection(httpd.path));
    await httpd.close();
  });

  async function basetestOpenConnectionNoLoopSsl(open: () => Promise<[asyncio.StreamReader, asyncio.StreamWriter]>): Promise<void> {
    const messages: unknown[] = [];
    loop.setExceptionHandler((_l, ctx) => messages.push(ctx));
    let pair: [asyncio.StreamReader, asyncio.StreamWriter];
    try {
      pair = await loop.runUntilComplete(open);
    } finally {
      asyncio.setEventLoop(null);
    }
    const [reader, writer] = pair;
    writer.write(b("GET / HTTP/1.0\r\n\r\n"));
    const data = await loop.runUntilComplete(() => reader.read());
    expect(data.toString().endsWith("\r\n\r\nTest message")).toBe(true);
    writer.close();
    expect(messages).toEqual([]);
  }

  it("test_open_connection_no_loop_ssl", async () => {
    useRealLoop();
    const httpd = await runTestServer({ ssl: true });
    // test_utils.dummy_ssl_context(): no certificate check.
    await basetestOpenConnectionNoLoopSsl(() => asyncio.openConnection(...httpd.address, { ssl: { rejectUnauthorized: false } }));
    await httpd.close();
  });

  it("test_open_unix_connection_no_loop_ssl", async () => {
    useRealLoop();
    const httpd = await runTestServer({ unix: true, ssl: true });
    await basetestOpenConnectionNoLoopSsl(() => asyncio.openUnixConnection(httpd.path, { ssl: { rejectUnauthorized: false }, serverHostname: "" }));
    await httpd.close();
  });

  async function basetestOpenConnectionError(open: () => Promise<[asyncio.StreamReader, asyncio.StreamWriter]>): Promise<void> {
    const messages: unknown[] = [];
    loop.setExceptionHandler((_l, ctx) => messages.push(ctx));
    const [reader, writer] = await loop.runUntilComplete(open);
    (writer._protocol as asyncio.StreamReaderProtocol).connectionLost(new ZeroDivisionError());
    await expect(loop.runUntilComplete(() => reader.read())).rejects.toThrow(ZeroDivisionError);
    writer.close();
    await runBriefly(loop);
    expect(messages).toEqual([]);
  }

  it("test_open_connection_error", async () => {
    useRealLoop();
    const httpd = await runTestServer();
    await basetestOpenConnectionError(() => asyncio.openConnection(...httpd.address));
    await httpd.close();
  });

  it("test_open_unix_connection_error", async () => {
    useRealLoop();
    const httpd = await runTestServer({ unix: true });
    await basetestOpenConnectionError(() => asyncio.openUnixConnection(httpd.path));
    await httpd.close();
  });

  it("test_feed_empty_data", () => {
    const stream = new StreamReader({ loop });
    stream.feedData(b(""));
    expect(stream._buffer).toEqual(b(""));
  });

  it("test_feed_nonempty_data", () => {
    const stream = new StreamReader({ loop });
    stream.feedData(DATA);
    expect(stream._buffer).toEqual(DATA);
  });

  it("test_read_zero", async () => {
    // Read zero bytes.
    const stream = new StreamReader({ loop });
    stream.feedData(DATA);
    expect(await loop.runUntilComplete(() => stream.read(0))).toEqual(b(""));
    expect(stream._buffer).toEqual(DATA);
  });

  it("test_read", async () => {
    // Read bytes.
    const stream = new StreamReader({ loop });
    const readTask = loop.createTask(() => stream.read(30));
    loop.callSoon(() => stream.feedData(DATA));
    expect(await loop.runUntilComplete(readTask)).toEqual(DATA);
    expect(stream._buffer).toEqual(b(""));
  });

  it("test_read_line_breaks", async () => {
    // Read bytes without line breaks.
    const stream = new StreamReader({ loop });
    stream.feedData(b("line1"));
    stream.feedData(b("line2"));
    expect(await loop.runUntilComplete(() => stream.read(5))).toEqual(b("line1"));
    expect(stream._buffer).toEqual(b("line2"));
  });

  it("test_read_eof", async () => {
    // Read bytes, stop at eof.
    const stream = new StreamReader({ loop });
    const readTask = loop.createTask(() => stream.read(1024));
    loop.callSoon(() => stream.feedEof());
    expect(await loop.runUntilComplete(readTask)).toEqual(b(""));
    expect(stream._buffer).toEqual(b(""));
  });

  it("test_read_until_eof", async () => {
    // Read all bytes until eof.
    const stream = new StreamReader({ loop });
    const readTask = loop.createTask(() => stream.read(-1));
    loop.callSoon(() => {
      stream.feedData(b("chunk1\n"));
      stream.feedData(b("chunk2"));
      stream.feedEof();
    });
    expect(await loop.runUntilComplete(readTask)).toEqual(b("chunk1\nchunk2"));
    expect(stream._buffer).toEqual(b(""));
  });

  it("test_read_exception", async () => {
    const stream = new StreamReader({ loop });
    stream.feedData(b("line\n"));
    expect(await loop.runUntilComplete(() => stream.read(2))).toEqual(b("li"));
    stream.setException(new ValueError());
    await expect(loop.runUntilComplete(() => stream.read(2))).rejects.toThrow(ValueError);
  });

  it("test_invalid_limit", () => {
    expect(() => new StreamReader({ limit: 0, loop })).toThrow(/imit/);
    expect(() => new StreamReader({ limit: 0, loop })).toThrow(ValueError);
    expect(() => new StreamReader({ limit: -1, loop })).toThrow(/imit/);
  });

  it("test_read_limit", async () => {
    const stream = new StreamReader({ limit: 3, loop });
    stream.feedData(b("chunk"));
    expect(await loop.runUntilComplete(() => stream.read(5))).toEqual(b("chunk"));
    expect(stream._buffer).toEqual(b(""));
  });

  it("test_readline", async () => {
    // Read one line. 'readline' will need to wait for the data to come from 'cb'.
    const stream = new StreamReader({ loop });
    stream.feedData(b("chunk1 "));
    const readTask = loop.createTask(() => stream.readline());
    loop.callSoon(() => {
      stream.feedData(b("chunk2 "));
      stream.feedData(b("chunk3 "));
      stream.feedData(b("\n chunk4"));
    });
    expect(await loop.runUntilComplete(readTask)).toEqual(b("chunk1 chunk2 chunk3 \n"));
    expect(stream._buffer).toEqual(b(" chunk4"));
  });

  it("test_readline_limit_with_existing_data", async () => {
    // Read one line. The data is in StreamReader's buffer before the event loop is run.
    let stream = new StreamReader({ limit: 3, loop });
    stream.feedData(b("li"));
    stream.feedData(b("ne1\nline2\n"));
    await expect(loop.runUntilComplete(() => stream.readline())).rejects.toThrow(ValueError);
    // The buffer should contain the remaining data after exception
    expect(stream._buffer).toEqual(b("line2\n"));

    stream = new StreamReader({ limit: 3, loop });
    stream.feedData(b("li"));
    stream.feedData(b("ne1"));
    stream.feedData(b("li"));
    await expect(loop.runUntilComplete(() => stream.readline())).rejects.toThrow(ValueError);
    // No b'\n' at the end. The 'limit' is set to 3. So before waiting for the new data
    // in buffer, 'readline' will consume the entire buffer, and since the length of the
    // consumed data is more than 3, it will raise a ValueError. The buffer is expected to
    // be empty now.
    expect(stream._buffer).toEqual(b(""));
  });

  it("test_at_eof", async () => {
    const stream = new StreamReader({ loop });
    expect(stream.atEof()).toBe(false);
    stream.feedData(b("some data\n"));
    expect(stream.atEof()).toBe(false);
    await loop.runUntilComplete(() => stream.readline());
    expect(stream.atEof()).toBe(false);
    stream.feedData(b("some data\n"));
    stream.feedEof();
    await loop.runUntilComplete(() => stream.readline());
    expect(stream.atEof()).toBe(true);
  });

  it("test_readline_limit", async () => {
    // Read one line. StreamReaders are fed with data after their 'readline' methods are called.
    let stream = new StreamReader({ limit: 7, loop });
    const s1 = stream;
    loop.callSoon(() => {
      s1.feedData(b("chunk1"));
      s1.feedData(b("chunk2"));
      s1.feedData(b("chunk3\n"));
      s1.feedEof();
    });
    await expect(loop.runUntilComplete(() => s1.readline())).rejects.toThrow(ValueError);
    // The buffer had just one line of data, and after raising a ValueError it should be empty.
    expect(stream._buffer).toEqual(b(""));

    stream = new StreamReader({ limit: 7, loop });
    const s2 = stream;
    loop.callSoon(() => {
      s2.feedData(b("chunk1"));
      s2.feedData(b("chunk2\n"));
      s2.feedData(b("chunk3\n"));
      s2.feedEof();
    });
    await expect(loop.runUntilComplete(() => s2.readline())).rejects.toThrow(ValueError);
    expect(stream._buffer).toEqual(b("chunk3\n"));

    // check strictness of the limit
    stream = new StreamReader({ limit: 7, loop });
    const s3 = stream;
    s3.feedData(b("1234567\n"));
    expect(await loop.runUntilComplete(() => s3.readline())).toEqual(b("1234567\n"));
    expect(stream._buffer).toEqual(b(""));

    s3.feedData(b("12345678\n"));
    await expect(loop.runUntilComplete(() => s3.readline())).rejects.toThrow(ValueError);
    expect(stream._buffer).toEqual(b(""));

    s3.feedData(b("12345678"));
    await expect(loop.runUntilComplete(() => s3.readline())).rejects.toThrow(ValueError);
    expect(stream._buffer).toEqual(b(""));
  });

  it("test_readline_nolimit_nowait", async () => {
    // All needed data for the first 'readline' call will be in the buffer.
    const stream = new StreamReader({ loop });
    stream.feedData(DATA.subarray(0, 6));
    stream.feedData(DATA.subarray(6));
    expect(await loop.runUntilComplete(() => stream.readline())).toEqual(b("line1\n"));
    expect(stream._buffer).toEqual(b("line2\nline3\n"));
  });

  it("test_readline_eof", async () => {
    const stream = new StreamReader({ loop });
    stream.feedData(b("some data"));
    stream.feedEof();
    expect(await loop.runUntilComplete(() => stream.readline())).toEqual(b("some data"));
  });

  it("test_readline_empty_eof", async () => {
    const stream = new StreamReader({ loop });
    stream.feedEof();
    expect(await loop.runUntilComplete(() => stream.readline())).toEqual(b(""));
  });

  it("test_readline_read_byte_count", async () => {
    const stream = new StreamReader({ loop });
    stream.feedData(DATA);
    await loop.runUntilComplete(() => stream.readline());
    expect(await loop.runUntilComplete(() => stream.read(7))).toEqual(b("line2\nl"));
    expect(stream._buffer).toEqual(b("ine3\n"));
  });

  it("test_readline_exception", async () => {
    const stream = new StreamReader({ loop });
    stream.feedData(b("line\n"));
    expect(await loop.runUntilComplete(() => stream.readline())).toEqual(b("line\n"));
    stream.setException(new ValueError());
    await expect(loop.runUntilComplete(() => stream.readline())).rejects.toThrow(ValueError);
    expect(stream._buffer).toEqual(b(""));
  });

  it("test_readuntil_separator", async () => {
    const stream = new StreamReader({ loop });
    await expect(loop.runUntilComplete(() => stream.readuntil(b("")))).rejects.toThrow(/Separator should be/);
  });

  it("test_readuntil_multi_chunks", async () => {
    const stream = new StreamReader({ loop });

    stream.feedData(b("lineAAA"));
    expect(await loop.runUntilComplete(() => stream.readuntil(b("AAA")))).toEqual(b("lineAAA"));
    expect(stream._buffer).toEqual(b(""));

    stream.feedData(b("lineAAA"));
    expect(await loop.runUntilComplete(() => stream.readuntil(b("AAA")))).toEqual(b("lineAAA"));
    expect(stream._buffer).toEqual(b(""));

    stream.feedData(b("lineAAAxxx"));
    expect(await loop.runUntilComplete(() => stream.readuntil(b("AAA")))).toEqual(b("lineAAA"));
    expect(stream._buffer).toEqual(b("xxx"));
  });

  it("test_readuntil_multi_chunks_1", async () => {
    const stream = new StreamReader({ loop });
    const readuntil = (): Promise<Buffer> => loop.runUntilComplete(() => stream.readuntil(b("aaa")));

    stream.feedData(b("QWEaa"));
    stream.feedData(b("XYaa"));
    stream.feedData(b("a"));
    expect(await readuntil()).toEqual(b("QWEaaXYaaa"));
    expect(stream._buffer).toEqual(b(""));

    stream.feedData(b("QWEaa"));
    stream.feedData(b("XYa"));
    stream.feedData(b("aa"));
    expect(await readuntil()).toEqual(b("QWEaaXYaaa"));
    expect(stream._buffer).toEqual(b(""));

    stream.feedData(b("aaa"));
    expect(await readuntil()).toEqual(b("aaa"));
    expect(stream._buffer).toEqual(b(""));

    stream.feedData(b("Xaaa"));
    expect(await readuntil()).toEqual(b("Xaaa"));
    expect(stream._buffer).toEqual(b(""));

    stream.feedData(b("XXX"));
    stream.feedData(b("a"));
    stream.feedData(b("a"));
    stream.feedData(b("a"));
    expect(await readuntil()).toEqual(b("XXXaaa"));
    expect(stream._buffer).toEqual(b(""));
  });

  it("test_readuntil_eof", async () => {
    const stream = new StreamReader({ loop });
    const data = b("some dataAA");
    stream.feedData(data);
    stream.feedEof();
    const error = (await raises(loop.runUntilComplete(() => stream.readuntil(b("AAA"))))) as asyncio.IncompleteReadError;
    expect(error).toBeInstanceOf(asyncio.IncompleteReadError);
    expect(error.message).toMatch(/undefined expected bytes/);
    expect(error.partial).toEqual(data);
    expect(error.expected).toBeNull();
    expect(stream._buffer).toEqual(b(""));
  });

  it("test_readuntil_limit_found_sep", async () => {
    const stream = new StreamReader({ loop, limit: 3 });
    stream.feedData(b("some dataAA"));
    let error = await raises(loop.runUntilComplete(() => stream.readuntil(b("AAA"))));
    expect(error).toBeInstanceOf(asyncio.LimitOverrunError);
    expect((error as Error).message).toMatch(/not found/);
    expect(stream._buffer).toEqual(b("some dataAA"));

    stream.feedData(b("A"));
    error = await raises(loop.runUntilComplete(() => stream.readuntil(b("AAA"))));
    expect(error).toBeInstanceOf(asyncio.LimitOverrunError);
    expect((error as Error).message).toMatch(/is found/);
    expect(stream._buffer).toEqual(b("some dataAAA"));
  });

  it("test_readexactly_zero_or_less", async () => {
    // Read exact number of bytes (zero or less).
    const stream = new StreamReader({ loop });
    stream.feedData(DATA);
    expect(await loop.runUntilComplete(() => stream.readexactly(0))).toEqual(b(""));
    expect(stream._buffer).toEqual(DATA);
    await expect(loop.runUntilComplete(() => stream.readexactly(-1))).rejects.toThrow(/less than zero/);
    expect(stream._buffer).toEqual(DATA);
  });

  it("test_readexactly", async () => {
    // Read exact number of bytes.
    const stream = new StreamReader({ loop });
    const n = 2 * DATA.length;
    const readTask = loop.createTask(() => stream.readexactly(n));
    loop.callSoon(() => {
      stream.feedData(DATA);
      stream.feedData(DATA);
      stream.feedData(DATA);
    });
    expect(await loop.runUntilComplete(readTask)).toEqual(Buffer.concat([DATA, DATA]));
    expect(stream._buffer).toEqual(DATA);
  });

  it("test_readexactly_limit", async () => {
    const stream = new StreamReader({ limit: 3, loop });
    stream.feedData(b("chunk"));
    expect(await loop.runUntilComplete(() => stream.readexactly(5))).toEqual(b("chunk"));
    expect(stream._buffer).toEqual(b(""));
  });

  it("test_readexactly_eof", async () => {
    // Read exact number of bytes (eof).
    const stream = new StreamReader({ loop });
    const n = 2 * DATA.length;
    const readTask = loop.createTask(() => stream.readexactly(n));
    loop.callSoon(() => {
      stream.feedData(DATA);
      stream.feedEof();
    });
    const error = (await raises(loop.runUntilComplete(readTask))) as asyncio.IncompleteReadError;
    expect(error).toBeInstanceOf(asyncio.IncompleteReadError);
    expect(error.partial).toEqual(DATA);
    expect(error.expected).toBe(n);
    expect(error.message).toBe("18 bytes read on a total of 36 expected bytes");
    expect(stream._buffer).toEqual(b(""));
  });

  it("test_readexactly_exception", async () => {
    const stream = new StreamReader({ loop });
    stream.feedData(b("line\n"));
    expect(await loop.runUntilComplete(() => stream.readexactly(2))).toEqual(b("li"));
    stream.setException(new ValueError());
    await expect(loop.runUntilComplete(() => stream.readexactly(2))).rejects.toThrow(ValueError);
  });

  it("test_exception", () => {
    const stream = new StreamReader({ loop });
    expect(stream.exception()).toBeNull();
    const exc = new ValueError();
    stream.setException(exc);
    expect(stream.exception()).toBe(exc);
  });

  it("test_exception_waiter", async () => {
    const stream = new StreamReader({ loop });
    const setErr = async (): Promise<void> => {
      stream.setException(new ValueError());
    };
    const t1 = loop.createTask(() => stream.readline());
    const t2 = loop.createTask(setErr);
    await loop.runUntilComplete(() => asyncio.wait<unknown>([t1, t2]));
    expect(() => t1.result()).toThrow(ValueError);
  });

  it("test_exception_cancel", async () => {
    const stream = new StreamReader({ loop });
    const t = loop.createTask(() => stream.readline());
    await runBriefly(loop);
    t.cancel();
    await runBriefly(loop);
    // The following line fails if set_exception() isn't careful.
    stream.setException(new RuntimeError("message"));
    await runBriefly(loop);
    expect(stream._waiter).toBeNull();
  });

  it("test_start_server", async () => {
    useRealLoop();

    class MyServer {
      server: asyncio.Server | null = null;
      constructor(readonly loop: asyncio.SyncTrioEventLoop) {}

      handleClient = async (clientReader: asyncio.StreamReader, clientWriter: asyncio.StreamWriter): Promise<void> => {
        const data = await clientReader.readline();
        clientWriter.write(data);
        await clientWriter.drain();
        clientWriter.close();
        await clientWriter.waitClosed();
      };

      // Python passes an already-bound socket (sock=); Node listens on host and port.
      async start(): Promise<[string, number]> {
        this.server = await this.loop.runUntilComplete(() => asyncio.startServer(this.handleClient, "127.0.0.1", 0));
        return this.server.sockets[0].getsockname() as [string, number];
      }

      handleClientCallback = (clientReader: asyncio.StreamReader, clientWriter: asyncio.StreamWriter): void => {
        this.loop.createTask(() => this.handleClient(clientReader, clientWriter));
      };

      async startCallback(): Promise<[string, number]> {
        this.server = await this.loop.runUntilComplete(() => asyncio.startServer(this.handleClientCallback, "127.0.0.1", 0));
        return this.server.sockets[0].getsockname() as [string, number];
      }

      async stop(): Promise<void> {
        if (this.server !== null) {
          const server = this.server;
          server.close();
          await this.loop.runUntilComplete(() => server.waitClosed());
          this.server = null;
        }
      }
    }

    const client = async (addr: [string, number]): Promise<Buffer> => {
      const [reader, writer] = await asyncio.openConnection(...addr);
      // send a line
      writer.write(b("hello world!\n"));
      // read it back
      const msgback = await reader.readline();
      writer.close();
      await writer.waitClosed();
      return msgback;
    };

    const messages: unknown[] = [];
    loop.setExceptionHandler((_l, ctx) => messages.push(ctx));

    // test the server variant with a coroutine as client handler
    let server = new MyServer(loop);
    let addr = await server.start();
    let msg = await loop.runUntilComplete(loop.createTask(() => client(addr)));
    await server.stop();
    expect(msg).toEqual(b("hello world!\n"));

    // test the server variant with a callback as client handler
    server = new MyServer(loop);
    addr = await server.startCallback();
    msg = await loop.runUntilComplete(loop.createTask(() => client(addr)));
    await server.stop();
    expect(msg).toEqual(b("hello world!\n"));

    expect(messages).toEqual([]);
  });

  it("test_start_unix_server", async () => {
    useRealLoop();

    class MyServer {
      server: asyncio.Server | null = null;
      constructor(
        readonly loop: asyncio.SyncTrioEventLoop,
        readonly path: string,
      ) {}

      handleClient = async (clientReader: asyncio.StreamReader, clientWriter: asyncio.StreamWriter): Promise<void> => {
        const data = await clientReader.readline();
        clientWriter.write(data);
        await clientWriter.drain();
        clientWriter.close();
        await clientWriter.waitClosed();
      };

      async start(): Promise<void> {
        this.server = await this.loop.runUntilComplete(() => asyncio.startUnixServer(this.handleClient, this.path));
      }

      handleClientCallback = (clientReader: asyncio.StreamReader, clientWriter: asyncio.StreamWriter): void => {
        this.loop.createTask(() => this.handleClient(clientReader, clientWriter));
      };

      async startCallback(): Promise<void> {
        this.server = await this.loop.runUntilComplete(() => asyncio.startUnixServer(this.handleClientCallback, this.path));
      }

      async stop(): Promise<void> {
        if (this.server !== null) {
          const server = this.server;
          server.close();
          await this.loop.runUntilComplete(() => server.waitClosed());
          this.server = null;
        }
      }
    }

    const client = async (path: string): Promise<Buffer> => {
      const [reader, writer] = await asyncio.openUnixConnection(path);
      // send a line
      writer.write(b("hello world!\n"));
      // read it back
      const msgback = await reader.readline();
      writer.close();
      await writer.waitClosed();
      return msgback;
    };

    const messages: unknown[] = [];
    loop.setExceptionHandler((_l, ctx) => messages.push(ctx));

    // test the server variant with a coroutine as client handler
    let path = socketPath();
    let server = new MyServer(loop, path);
    await server.start();
    let msg = await loop.runUntilComplete(loop.createTask(() => client(path)));
    await server.stop();
    expect(msg).toEqual(b("hello world!\n"));

    // test the server variant with a callback as client handler
    path = socketPath();
    server = new MyServer(loop, path);
    await server.startCallback();
    msg = await loop.runUntilComplete(loop.createTask(() => client(path)));
    await server.stop();
    expect(msg).toEqual(b("hello world!\n"));

    expect(messages).toEqual([]);
  });

  it("test_start_tls", async () => {
    useRealLoop();

    class MyServer {
      server: asyncio.Server | null = null;
      constructor(readonly loop: asyncio.SyncTrioEventLoop) {}

      handleClient = async (clientReader: asyncio.StreamReader, clientWriter: asyncio.StreamWriter): Promise<void> => {
        const data1 = await clientReader.readline();
        clientWriter.write(data1);
        await clientWriter.drain();
        expect(clientWriter.getExtraInfo("sslcontext")).toBeNull();
        // test_utils.simple_server_sslcontext()
        await clientWriter.startTls(serverTls);
        expect(clientWriter.getExtraInfo("sslcontext")).not.toBeNull();
        const data2 = await clientReader.readline();
        clientWriter.write(data2);
        await clientWriter.drain();
        clientWriter.close();
        await clientWriter.waitClosed();
      };

      async start(): Promise<[string, number]> {
        this.server = await this.loop.runUntilComplete(() => asyncio.startServer(this.handleClient, "127.0.0.1", 0));
        return this.server.sockets[0].getsockname() as [string, number];
      }

      async stop(): Promise<void> {
        if (this.server !== null) {
          const server = this.server;
          server.close();
          await this.loop.runUntilComplete(() => server.waitClosed());
          this.server = null;
        }
      }
    }

    const client = async (addr: [string, number]): Promise<[Buffer, Buffer]> => {
      const [reader, writer] = await asyncio.openConnection(...addr);
      writer.write(b("hello world 1!\n"));
      await writer.drain();
      const msgback1 = await reader.readline();
      expect(writer.getExtraInfo("sslcontext")).toBeNull();
      // test_utils.simple_client_sslcontext(): the fixture CA (the host is checked: 127.0.0.1)
      await writer.startTls(clientTls);
      expect(writer.getExtraInfo("sslcontext")).not.toBeNull();
      writer.write(b("hello world 2!\n"));
      await writer.drain();
      const msgback2 = await reader.readline();
      writer.close();
      await writer.waitClosed();
      return [msgback1, msgback2];
    };

    const messages: unknown[] = [];
    loop.setExceptionHandler((_l, ctx) => messages.push(ctx));

    const server = new MyServer(loop);
    const addr = await server.start();
    const [msg1, msg2] = await loop.runUntilComplete(() => client(addr));
    await server.stop();

    expect(messages).toEqual([]);
    expect(msg1).toEqual(b("hello world 1!\n"));
    expect(msg2).toEqual(b("hello world 2!\n"));
  });

  it("test_streamreader_constructor_without_loop", () => {
    expect(() => new StreamReader()).toThrow(RuntimeError);
    expect(() => new StreamReader()).toThrow(/no current event loop/);
  });

  it("test_streamreader_constructor_use_running_loop", async () => {
    // asyncio issue #184: Ensure that StreamReaderProtocol constructor retrieves the
    // current loop if the loop parameter is not set
    const test = async (): Promise<asyncio.StreamReader> => new StreamReader();
    const reader = await loop.runUntilComplete(test);
    expect(reader._loop).toBe(loop);
  });

  it("test_streamreader_constructor_use_global_loop", () => {
    // asyncio issue #184: Ensure that StreamReaderProtocol constructor retrieves the
    // current loop if the loop parameter is not set
    try {
      asyncio.setEventLoop(loop);
      const reader = new StreamReader();
      expect(reader._loop).toBe(loop);
    } finally {
      asyncio.setEventLoop(null);
    }
  });

  it("test_streamreaderprotocol_constructor_without_loop", () => {
    const reader = {} as asyncio.StreamReader;
    expect(() => new StreamReaderProtocol(reader)).toThrow(/no current event loop/);
  });

  it("test_streamreaderprotocol_constructor_use_running_loop", async () => {
    // asyncio issue #184: Ensure that StreamReaderProtocol constructor retrieves the
    // current loop if the loop parameter is not set
    const reader = {} as asyncio.StreamReader;
    const test = async (): Promise<asyncio.StreamReaderProtocol> => new StreamReaderProtocol(reader);
    const protocol = await loop.runUntilComplete(test);
    expect(protocol._loop).toBe(loop);
  });

  it("test_streamreaderprotocol_constructor_use_global_loop", () => {
    // asyncio issue #184: Ensure that StreamReaderProtocol constructor retrieves the
    // current loop if the loop parameter is not set
    try {
      asyncio.setEventLoop(loop);
      const reader = {} as asyncio.StreamReader;
      const protocol = new StreamReaderProtocol(reader);
      expect(protocol._loop).toBe(loop);
    } finally {
      asyncio.setEventLoop(null);
    }
  });

  it("test_multiple_drain", async () => {
    // See https://github.com/python/cpython/issues/74116
    let drained = 0;

    const drainer = async (stream: FlowControlMixin): Promise<void> => {
      await stream._drainHelper();
      drained += 1;
    };

    const main = async (): Promise<void> => {
      const running = asyncio.getRunningLoop();
      const stream = new FlowControlMixin(running);
      stream.pauseWriting();
      running.callLater(0.1, () => stream.resumeWriting());
      await asyncio.gather(...Array.from({ length: 10 }, () => () => drainer(stream)));
      expect(drained).toBe(10);
    };

    await loop.runUntilComplete(main);
  });

  it("test_drain_raises", async () => {
    // See http://bugs.python.org/issue25441
    // This test should not use asyncio for the mock server; the whole point of the test
    // is to test for a bug in drain() where it never gives up the event loop but the
    // socket is closed on the server side.
    useRealLoop();
    const messages: unknown[] = [];
    loop.setExceptionHandler((_l, ctx) => messages.push(ctx));

    // Python's server thread: accept one client and close it at once.
    const server = net.createServer((clt) => clt.destroy());
    await new Promise<void>((resolve) => server.listen(0, "localhost", resolve));
    const { port } = server.address() as net.AddressInfo;

    const client = async (host: string, p: number): Promise<void> => {
      const [, writer] = await asyncio.openConnection(host, p);
      for (;;) {
        writer.write(b("foo\n"));
        await writer.drain();
      }
    };

    // Should not be stuck in an infinite loop.
    const error = await raises(loop.runUntilComplete(() => client("localhost", port)));
    // ConnectionResetError, ConnectionAbortedError or BrokenPipeError: ours, or Node's (by code).
    const code = (error as { code?: string }).code;
    expect(error instanceof asyncio.ConnectionError || ["ECONNRESET", "ECONNABORTED", "EPIPE"].includes(code ?? "")).toBe(true);

    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(messages).toEqual([]);
  });

  it("test___repr__", () => {
    const stream = new StreamReader({ loop });
    expect(String(stream)).toBe("<StreamReader>");
  });

  it("test___repr__nondefault_limit", () => {
    const stream = new StreamReader({ loop, limit: 123 });
    expect(String(stream)).toBe("<StreamReader limit=123>");
  });

  it("test___repr__eof", () => {
    const stream = new StreamReader({ loop });
    stream.feedEof();
    expect(String(stream)).toBe("<StreamReader eof>");
  });

  it("test___repr__data", () => {
    const stream = new StreamReader({ loop });
    stream.feedData(b("data"));
    expect(String(stream)).toBe("<StreamReader 4 bytes>");
  });

  it("test___repr__exception", () => {
    const stream = new StreamReader({ loop });
    const exc = new RuntimeError();
    stream.setException(exc);
    expect(String(stream)).toBe("<StreamReader exception=RuntimeError()>");
  });

  it("test___repr__waiter", async () => {
    const stream = new StreamReader({ loop });
    stream._waiter = new asyncio.Future({ loop });
    expect(String(stream)).toMatch(/^<StreamReader waiter=<Future pending[\S ]*>>$/);
    stream._waiter.setResult();
    await loop.runUntilComplete(stream._waiter);
    stream._waiter = null;
    expect(String(stream)).toBe("<StreamReader>");
  });

  it("test___repr__transport", () => {
    const stream = new StreamReader({ loop });
    stream._transport = { pauseReading() {}, resumeReading() {}, toString: () => "<Transport>" };
    expect(String(stream)).toBe("<StreamReader transport=<Transport>>");
  });

  it("test_wait_closed_on_close", async () => {
    useRealLoop();
    const httpd = await runTestServer();
    const [rd, wr] = await loop.runUntilComplete(() => asyncio.openConnection(...httpd.address));
    wr.write(b("GET / HTTP/1.0\r\n\r\n"));
    expect(await loop.runUntilComplete(() => rd.readline())).toEqual(b("HTTP/1.0 200 OK\r\n"));
    const data = await loop.runUntilComplete(() => rd.read());
    expect(data.toString().endsWith("\r\n\r\nTest message")).toBe(true);
    expect(wr.isClosing()).toBe(false);
    wr.close();
    expect(wr.isClosing()).toBe(true);
    await loop.runUntilComplete(() => wr.waitClosed());
    await httpd.close();
  });

  it("test_wait_closed_on_close_with_unread_data", async () => {
    useRealLoop();
    const httpd = await runTestServer();
    const [rd, wr] = await loop.runUntilComplete(() => asyncio.openConnection(...httpd.address));
    wr.write(b("GET / HTTP/1.0\r\n\r\n"));
    expect(await loop.runUntilComplete(() => rd.readline())).toEqual(b("HTTP/1.0 200 OK\r\n"));
    wr.close();
    await loop.runUntilComplete(() => wr.waitClosed());
    await httpd.close();
  });

  it("test_async_writer_api", async () => {
    useRealLoop();
    const inner = async (httpd: { address: [string, number] }): Promise<void> => {
      const [rd, wr] = await asyncio.openConnection(...httpd.address);
      wr.write(b("GET / HTTP/1.0\r\n\r\n"));
      expect(await rd.readline()).toEqual(b("HTTP/1.0 200 OK\r\n"));
      const data = await rd.read();
      expect(data.toString().endsWith("\r\n\r\nTest message")).toBe(true);
      wr.close();
      await wr.waitClosed();
    };

    const messages: unknown[] = [];
    loop.setExceptionHandler((_l, ctx) => messages.push(ctx));
    const httpd = await runTestServer();
    await loop.runUntilComplete(() => inner(httpd));
    await httpd.close();
    expect(messages).toEqual([]);
  });

  it("test_async_writer_api_exception_after_close", async () => {
    useRealLoop();
    const inner = async (httpd: { address: [string, number] }): Promise<void> => {
      const [rd, wr] = await asyncio.openConnection(...httpd.address);
      wr.write(b("GET / HTTP/1.0\r\n\r\n"));
      expect(await rd.readline()).toEqual(b("HTTP/1.0 200 OK\r\n"));
      const data = await rd.read();
      expect(data.toString().endsWith("\r\n\r\nTest message")).toBe(true);
      wr.close();
      const error = await raises(
        (async () => {
          wr.write(b("data"));
          await wr.drain();
        })(),
      );
      expect(error).toBeInstanceOf(asyncio.ConnectionResetError);
    };

    const messages: unknown[] = [];
    loop.setExceptionHandler((_l, ctx) => messages.push(ctx));
    const httpd = await runTestServer();
    await loop.runUntilComplete(() => inner(httpd));
    await httpd.close();
    expect(messages).toEqual([]);
  });

  it("test_eof_feed_when_closing_writer", async () => {
    // See http://bugs.python.org/issue35065
    useRealLoop();
    const messages: unknown[] = [];
    loop.setExceptionHandler((_l, ctx) => messages.push(ctx));
    const httpd = await runTestServer();
    const [rd, wr] = await loop.runUntilComplete(() => asyncio.openConnection(...httpd.address));
    wr.close();
    await loop.runUntilComplete(() => wr.waitClosed());
    expect(rd.atEof()).toBe(true);
    expect(await loop.runUntilComplete(() => rd.read())).toEqual(b(""));
    await httpd.close();
    expect(messages).toEqual([]);
  });

  it("test_read_all_from_pipe_reader", async () => {
    // asyncio issue 168: a StreamReader with a limit smaller than the data reads it all from a
    // pipe. Python hands the child the write end of os.pipe() (pass_fds); Node gives the child
    // an extra pipe as its fd 3, and the parent reads the other end.
    useRealLoop();
    const code = "const fs = require('node:fs'); fs.writeSync(3, 'data'); fs.closeSync(3);";
    const child = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "ignore", "inherit", "pipe"] });
    const pipe = child.stdio[3] as net.Socket;
    const reader = new StreamReader({ loop, limit: 1 });
    const protocol = new StreamReaderProtocol(reader, null, loop);
    const [transport] = await loop.runUntilComplete(() => loop.connectReadPipe(() => protocol, pipe));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (status) => resolve(status)));
    const data = await loop.runUntilComplete(() => reader.read());
    expect(data).toEqual(b("data"));
    expect(await exited).toBe(0);
    transport.close();
  });
});

// Not ported:
// - test_IncompleteReadError_pickleable, test_LimitOverrunError_pickleable: pickle has no JavaScript counterpart.
// - test_unclosed_resource_warnings: JavaScript has no destructor to close a dropped StreamWriter (no ResourceWarning).
