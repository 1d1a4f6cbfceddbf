/** @internal Helpers shared by asyncio's networking modules. */
import { RuntimeError, ValueError } from "../../errors/builtins.js";
import { describeValue, typeName } from "../../errors/describe.js";
import type { BaseTrioEventLoop } from "../base-loop.js";
import { currentAioLoop } from "../current.js";
import type { Future } from "../futures.js";

/**
 * @internal The check of every networking coroutine: the caller is asyncio-flavored code
 * running on `loop` (its Futures would otherwise be awaited from another loop).
 */
export function checkLoopCall(loop: BaseTrioEventLoop, call: string): void {
  const running = currentAioLoop(call);
  if (running !== loop) {
    throw new RuntimeError(`${call} was called from a task of another event loop: await a loop's methods on that loop`);
  }
  loop._checkClosed();
}

/** @internal Settles `future` from a Node callback, unless it is done already or its loop is closed. */
export function resolveFromHost<T>(future: Future<T>, value: T): void {
  if (!future.done() && !future._loop.isClosed()) future.setResult(value);
}

/** @internal Fails `future` from a Node callback, unless it is done already or its loop is closed. */
export function rejectFromHost(future: Future<unknown>, error: unknown): void {
  if (!future.done() && !future._loop.isClosed()) future.setException(error);
}

/** @internal Sets a Future's result at the loop's next iteration, unless it was cancelled (asyncio's `_set_result_unless_cancelled`). */
export function setResultUnlessCancelled(future: Future<void>): void {
  if (!future.cancelled() && !future.done()) future.setResult(undefined);
}

/**
 * @internal Waits for `waiter`, which the new transport sets once the protocol's
 * `connectionMade` ran; a failed or cancelled wait closes the transport. asyncio-flavored.
 */
export async function waitConnectionMade(waiter: Future<void>, transport: { close(): void }): Promise<void> {
  try {
    await waiter;
  } catch (error) {
    transport.close();
    throw error;
  }
}

/** @internal TypeError unless `protocolFactory` is a function (every loop method that makes a protocol). */
export function checkProtocolFactory(protocolFactory: unknown, call: string): void {
  if (typeof protocolFactory !== "function") {
    throw new TypeError(`${call} needs a protocol factory (a function returning a protocol), got ${protocolFactory === null ? "null" : typeof protocolFactory}`);
  }
}

/**
 * @internal Bytes-like `data` (a Uint8Array such as a Buffer, another ArrayBuffer view,
 * or an ArrayBuffer) as a Buffer over the same memory: no copy. Strings are refused with
 * asyncio's TypeError: transports carry bytes only.
 */
export function bufferOf(data: unknown): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && data instanceof SharedArrayBuffer)) {
    return Buffer.from(data);
  }
  throw new TypeError(`data argument must be a bytes-like object, not '${typeName(data)}'`);
}

/** @internal A copy of bytes-like `data` as a Buffer (see `bufferOf`): the caller may then reuse its buffer. */
export function copyBytes(data: unknown): Buffer {
  return Buffer.from(bufferOf(data));
}

/** @internal Bytes-like `value` as a Uint8Array view (no copy), or a TypeError naming `what`. */
export function bytesView(value: unknown, what: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw new TypeError(`${what} must be a bytes-like object (a Uint8Array), not '${typeName(value)}'`);
}

/** @internal Throws TypeError on option names `call` does not know (Python's unexpected keyword arguments). */
export function checkOptions(options: unknown, allowed: readonly string[], call: string): void {
  if (options === undefined) return;
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(`${call}: the options must be an object, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new TypeError(`${call} got an unexpected option '${key}' (it takes: ${allowed.join(", ")})`);
    }
  }
}

/** @internal Validates an optional number of seconds. */
export function checkSeconds(value: unknown, name: string): void {
  if (value === undefined || value === null) return;
  if (typeof value !== "number" || Number.isNaN(value)) throw new TypeError(`${name} must be a number of seconds`);
  if (value <= 0) throw new ValueError(`${name} should be a positive number, got ${value}`);
}
