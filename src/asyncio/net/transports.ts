/**
 * asyncio's transport interfaces (Python's `asyncio.transports`): abstract classes whose
 * methods throw NotImplementedError until a concrete transport overrides them, and the
 * write flow control every writing transport shares (`_FlowControlMixin`).
 */
import { NotImplementedError, ValueError } from "../../errors/builtins.js";
import type { BaseTrioEventLoop } from "../base-loop.js";
import type { BaseProtocolLike } from "./protocols.js";
import { bytesView } from "./util.js";

function abstract(method: string): NotImplementedError {
  return new NotImplementedError(`${method} is not implemented by this transport`);
}

/**
 * What transports write: a Uint8Array (a Buffer), any other ArrayBuffer view (DataView,
 * typed arrays: their bytes), or an ArrayBuffer (Python's bytes-like objects). Strings are not.
 */
export type BytesLike = ArrayBufferView | ArrayBuffer;

/** Write buffer limits: `setWriteBufferLimits(high, low)` or `setWriteBufferLimits({ high, low })`. */
export interface WriteBufferLimits {
  high?: number | null;
  low?: number | null;
}

/** The base of all transports (`asyncio.BaseTransport`). Sync, either flavor. */
export class BaseTransport {
  /** @internal Python's `_extra`: what `getExtraInfo` knows. */
  protected _extra: Record<string, unknown>;

  constructor(extra: Record<string, unknown> = {}) {
    this._extra = extra;
  }

  /**
   * Optional information about the transport: `"peername"`, `"sockname"`, `"socket"`,
   * `"sslcontext"`, `"peercert"`, `"cipher"`, `"compression"`, `"ssl_object"`...;
   * `defaultValue` (default null) if the transport does not know it.
   */
  getExtraInfo(name: string, defaultValue: unknown = null): unknown {
    return Object.prototype.hasOwnProperty.call(this._extra, name) ? this._extra[name] : defaultValue;
  }

  /** Whether the transport is closing or closed. */
  isClosing(): boolean {
    throw abstract("isClosing()");
  }

  /** Closes the transport: buffered data is flushed, then `connectionLost(null)` is called. */
  close(): void {
    throw abstract("close()");
  }

  /** `<ClassName>`; concrete transports add their state. */
  toString(): string {
    return `<${this.constructor.name}>`;
  }

  /** Sets a new protocol (it must be ready: its callbacks may run from now on). */
  setProtocol(_protocol: unknown): void {
    throw abstract("setProtocol()");
  }

  /** The current protocol. */
  getProtocol(): unknown {
    throw abstract("getProtocol()");
  }
}

/** The read side of a transport (`asyncio.ReadTransport`). Sync, either flavor. */
export class ReadTransport extends BaseTransport {
  /** `transport instanceof ReadTransport` holds for every `Transport` (Python's multiple inheritance). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return Function.prototype[Symbol.hasInstance].call(this, value) || (this === ReadTransport && value instanceof Transport);
  }

  /** Whether the transport is receiving. */
  isReading(): boolean {
    throw abstract("isReading()");
  }

  /** Stops calling the protocol's `dataReceived` until `resumeReading()`. */
  pauseReading(): void {
    throw abstract("pauseReading()");
  }

  /** Resumes receiving after `pauseReading()`. */
  resumeReading(): void {
    throw abstract("resumeReading()");
  }
}

/** The write side of a transport (`asyncio.WriteTransport`). Sync, either flavor. */
export class WriteTransport extends BaseTransport {
  /** `transport instanceof WriteTransport` holds for every `Transport` (Python's multiple inheritance). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return Function.prototype[Symbol.hasInstance].call(this, value) || (this === WriteTransport && value instanceof Transport);
  }

  /** Sets the high- and low-water marks of write flow control (see `Transport`). */
  setWriteBufferLimits(_high?: number | null | WriteBufferLimits, _low?: number | null): void {
    throw abstract("setWriteBufferLimits()");
  }

  /** The number of bytes waiting in the write buffer. */
  getWriteBufferSize(): number {
    throw abstract("getWriteBufferSize()");
  }

  /** `[low, high]`: the water marks. */
  getWriteBufferLimits(): [low: number, high: number] {
    throw abstract("getWriteBufferLimits()");
  }

  /** Writes bytes (never blocks: what cannot be sent now is buffered). */
  write(_data: BytesLike): void {
    throw abstract("write()");
  }

  /** Writes a list (any iterable) of bytes objects. */
  writelines(listOfData: Iterable<BytesLike>): void {
    const parts = [...listOfData].map((data) => bytesView(data, "data"));
    this.write(Buffer.concat(parts));
  }

  /** Closes the write end after flushing buffered data (the peer sees EOF). */
  writeEof(): void {
    throw abstract("writeEof()");
  }

  /** Whether `writeEof()` is supported. */
  canWriteEof(): boolean {
    throw abstract("canWriteEof()");
  }

  /** Closes at once: buffered data is lost; `connectionLost(null)` follows. */
  abort(): void {
    throw abstract("abort()");
  }
}

/**
 * A bidirectional stream transport (`asyncio.Transport`: a `ReadTransport` and a
 * `WriteTransport`). The transports of `loop.createConnection` and `loop.createServer`
 * are Transports. Sync, either flavor.
 */
export class Transport extends WriteTransport {
  /** See `ReadTransport.isReading`. */
  isReading(): boolean {
    throw abstract("isReading()");
  }

  /** See `ReadTransport.pauseReading`. */
  pauseReading(): void {
    throw abstract("pauseReading()");
  }

  /** See `ReadTransport.resumeReading`. */
  resumeReading(): void {
    throw abstract("resumeReading()");
  }
}

/** A datagram (UDP) transport (`asyncio.DatagramTransport`). Sync, either flavor. */
export class DatagramTransport extends BaseTransport {
  /** Sends `data` to `addr` (default: the remote address the endpoint is connected to). */
  sendto(_data: BytesLike, _addr?: unknown): void {
    throw abstract("sendto()");
  }

  /** Closes at once: buffered datagrams are lost. */
  abort(): void {
    throw abstract("abort()");
  }
}

/**
 * @internal Write flow control (Python's `_FlowControlMixin`): calls the protocol's
 * `pauseWriting` when the write buffer goes over the high-water mark and
 * `resumeWriting` when it falls to the low-water mark; errors in them go to the loop's
 * exception handler.
 */
export class WriteFlowControl {
  high = 64 * 1024;
  low = 16 * 1024;
  protocolPaused = false;

  constructor(
    private readonly loop: BaseTrioEventLoop,
    private readonly transport: { getWriteBufferSize(): number; _protocolForFlowControl(): BaseProtocolLike | null },
  ) {}

  /** Python's `_set_write_buffer_limits`. */
  setLimits(high: number | null | undefined, low: number | null | undefined): void {
    for (const [name, value] of [
      ["high", high],
      ["low", low],
    ] as const) {
      if (value !== null && value !== undefined && (typeof value !== "number" || Number.isNaN(value))) {
        throw new TypeError(`${name} must be a number of bytes or null`);
      }
    }
    let h = high ?? null;
    let l = low ?? null;
    if (h === null) h = l === null ? 64 * 1024 : 4 * l;
    if (l === null) l = Math.floor(h / 4);
    if (!(h >= l && l >= 0)) throw new ValueError(`high (${h}) must be >= low (${l}) must be >= 0`);
    this.high = h;
    this.low = l;
  }

  /** Python's `_maybe_pause_protocol`: called after the buffer grew. */
  maybePause(): void {
    if (this.transport.getWriteBufferSize() <= this.high) return;
    if (this.protocolPaused) return;
    this.protocolPaused = true;
    const protocol = this.transport._protocolForFlowControl();
    try {
      protocol?.pauseWriting?.();
    } catch (error) {
      this.loop.callExceptionHandler({ message: "protocol.pauseWriting() failed", exception: error, transport: this.transport, protocol });
    }
  }

  /** Python's `_maybe_resume_protocol`: called after the buffer shrank. */
  maybeResume(): void {
    if (!this.protocolPaused || this.transport.getWriteBufferSize() > this.low) return;
    this.protocolPaused = false;
    const protocol = this.transport._protocolForFlowControl();
    try {
      protocol?.resumeWriting?.();
    } catch (error) {
      this.loop.callExceptionHandler({ message: "protocol.resumeWriting() failed", exception: error, transport: this.transport, protocol });
    }
  }
}

/** @internal `setWriteBufferLimits(high, low)` or `setWriteBufferLimits({ high, low })`. */
export function limitsArguments(high: number | null | undefined | WriteBufferLimits, low: number | null | undefined): [number | null | undefined, number | null | undefined] {
  if (typeof high === "object" && high !== null) return [high.high, high.low];
  return [high, low];
}
