/**
 * `loop.connectReadPipe` and `loop.connectWritePipe`: asyncio's pipe transports over a
 * pipe the caller already has. Python takes a file object (a pipe, socket or character
 * device); Node's equivalent is a stream: `process.stdin`, a child's stdout, a
 * `net.Socket` made with `{ fd }`, or a `fs.ReadStream` / `fs.WriteStream` on a FIFO.
 */
import { Readable, Writable } from "node:stream";
import { copyContext } from "../../contextvars/context.js";
import { ValueError } from "../../errors/builtins.js";
import { typeName } from "../../errors/describe.js";
import type { BaseTrioEventLoop } from "../base-loop.js";
import type { BaseProtocolLike, ProtocolLike } from "../net/protocols.js";
import { checkLoopCall, checkProtocolFactory, setResultUnlessCancelled, waitConnectionMade } from "../net/util.js";
import { ReadPipeTransport, WritePipeTransport } from "./pipe-transports.js";

/** Waits until the transport's `connectionMade` ran; a cancelled wait closes the transport. */
async function connected(loop: BaseTrioEventLoop, transport: ReadPipeTransport | WritePipeTransport): Promise<void> {
  const waiter = loop.createFuture<void>();
  // Queued after the transport's connectionMade callback, which its constructor queued.
  loop.callSoon(setResultUnlessCancelled, waiter);
  await waitConnectionMade(waiter, transport);
}

/**
 * @internal `loop.connectReadPipe(protocolFactory, pipe)`: `[transport, protocol]` once
 * `connectionMade` ran; the protocol then gets `dataReceived`, `eofReceived` and
 * `connectionLost`. Closing the transport destroys the stream. asyncio-flavored.
 */
export async function connectReadPipe<P extends ProtocolLike>(loop: BaseTrioEventLoop, protocolFactory: () => P, pipe: Readable): Promise<[ReadPipeTransport, P]> {
  const call = "loop.connectReadPipe()";
  checkLoopCall(loop, call);
  checkProtocolFactory(protocolFactory, call);
  if (!(pipe instanceof Readable)) {
    throw new TypeError(`${call} needs a readable Node stream (process.stdin, new net.Socket({ fd }), fs.createReadStream(fifo)...), got ${typeName(pipe)}`);
  }
  if (pipe.destroyed) throw new ValueError(`${call}: I/O operation on a destroyed stream`);
  const protocol = protocolFactory();
  const transport = new ReadPipeTransport(loop, pipe, protocol, copyContext());
  await connected(loop, transport);
  return [transport, protocol];
}

/**
 * @internal `loop.connectWritePipe(protocolFactory, pipe)`: `[transport, protocol]` once
 * `connectionMade` ran; `transport.write()` writes to the stream, with flow control. A
 * stream that closes under it calls `connectionLost`. asyncio-flavored.
 */
export async function connectWritePipe<P extends BaseProtocolLike>(loop: BaseTrioEventLoop, protocolFactory: () => P, pipe: Writable): Promise<[WritePipeTransport, P]> {
  const call = "loop.connectWritePipe()";
  checkLoopCall(loop, call);
  checkProtocolFactory(protocolFactory, call);
  if (!(pipe instanceof Writable)) {
    throw new TypeError(`${call} needs a writable Node stream (process.stdout, new net.Socket({ fd }), fs.createWriteStream(fifo)...), got ${typeName(pipe)}`);
  }
  if (pipe.destroyed) throw new ValueError(`${call}: I/O operation on a destroyed stream`);
  const protocol = protocolFactory();
  const transport = new WritePipeTransport(loop, pipe, protocol, copyContext());
  await connected(loop, transport);
  return [transport, protocol];
}
