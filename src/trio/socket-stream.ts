/**
 * `trio.SocketStream`: a Trio `HalfCloseableStream` over a Node `net.Socket` (TCP, Unix
 * domain socket, or TLS socket).
 */
import type { Socket } from "node:net";
import { currentTrioTask } from "../loop/current.js";
import { checkpoint } from "../loop/traps.js";
import { NodeReceiveStream, NodeSendStream } from "./node-streams.js";
import type { HalfCloseableStream } from "./stream-abc.js";

/**
 * A connected socket as a Trio stream (`trio.SocketStream`): `sendAll`, `receiveSome`,
 * `sendEof`, `waitSendAllMightNotBlock`, `aclose`. As in Trio, TCP sockets get
 * `TCP_NODELAY` (no Nagle delay) by default. The Node socket is `socket`, for options
 * this class does not wrap. Stream methods are Trio-flavored; the others are sync,
 * either flavor.
 */
export class SocketStream implements HalfCloseableStream {
  private readonly receiver: NodeReceiveStream;
  private readonly sender: NodeSendStream;
  private closed = false;

  constructor(
    /** The Node socket (already connected). */
    readonly socket: Socket,
  ) {
    if (typeof socket !== "object" || socket === null || typeof (socket as Partial<Socket>).setNoDelay !== "function") {
      throw new TypeError("SocketStream needs a connected net.Socket");
    }
    socket.setNoDelay(true);
    this.receiver = new NodeReceiveStream(socket);
    this.sender = new NodeSendStream(socket);
  }

  /** See `trio.abc.ReceiveStream.receiveSome`. Trio-flavored. */
  receiveSome(maxBytes?: number): Promise<Uint8Array> {
    return this.receiver.receiveSome(maxBytes);
  }

  /** See `trio.abc.SendStream.sendAll`. Trio-flavored. */
  sendAll(data: Uint8Array | string): Promise<void> {
    return this.sender.sendAll(data);
  }

  /** See `trio.abc.SendStream.waitSendAllMightNotBlock`. Trio-flavored. */
  waitSendAllMightNotBlock(): Promise<void> {
    return this.sender.waitSendAllMightNotBlock();
  }

  /** Shuts down the sending side (the peer reads the end of the stream); receiving goes on. Trio-flavored. */
  sendEof(): Promise<void> {
    return this.sender.sendEof();
  }

  /**
   * Closes the socket: what `sendAll` already accepted is still flushed, then the socket
   * is closed (at once, dropping it, when the caller is cancelled: `acloseForcefully`);
   * tasks using the stream get `ClosedResourceError`. Trio-flavored.
   */
  async aclose(): Promise<void> {
    const task = currentTrioTask("SocketStream.aclose()");
    if (!this.closed) {
      this.closed = true;
      this.sender._closeNow();
      this.receiver._closeNow(false);
      // A close under a cancel (acloseForcefully) drops what Node has not sent yet.
      if (task._cancelStatus!.effectivelyCancelled) this.socket.destroy();
      else this.socket.destroySoon();
    }
    await checkpoint();
  }

  /** `await using`: closes the socket. Trio-flavored. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.aclose();
  }

  /** Iterates the received chunks until the end of the stream. Each step is Trio-flavored. */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this.receiver[Symbol.asyncIterator]();
  }

  /** Turns Nagle's algorithm off (true, the default) or on (`TCP_NODELAY`). Sync, either flavor. */
  setNoDelay(noDelay = true): void {
    this.socket.setNoDelay(noDelay);
  }

  /** Turns TCP keepalive on or off; `initialDelay` in seconds. Sync, either flavor. */
  setKeepAlive(enable: boolean, initialDelay = 0): void {
    this.socket.setKeepAlive(enable, initialDelay * 1000);
  }

  /** The peer's address, as Node gives it (`{ address, family, port }`). Sync, either flavor. */
  get remoteAddress(): { address?: string; family?: string; port?: number } {
    return { address: this.socket.remoteAddress, family: this.socket.remoteFamily, port: this.socket.remotePort };
  }

  /** This side's address (`socket.address()`). Sync, either flavor. */
  get localAddress(): ReturnType<Socket["address"]> {
    return this.socket.address();
  }
}
