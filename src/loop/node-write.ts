/**
 * Writing to a Node Writable without a callback per write, shared by the Trio streams
 * and the asyncio socket transports.
 *
 * A write callback costs Node a tick per write (and, with async hooks on, their init
 * hooks), while both flavors need to hear only when Node's buffer is flushed. So on a
 * plain socket a write into an empty buffer goes without one, and if the kernel did not
 * take it all, an empty write after it carries the callback: whenever the buffer holds
 * bytes, its last write carries it, and Node calls it once everything before it is out.
 *
 * @internal
 */
import { Socket } from "node:net";
import type { Writable } from "node:stream";

const EMPTY = new Uint8Array(0);

/**
 * Whether `writable` needs the callback on every write: anything but a plain (not TLS)
 * `net.Socket` (TCP, Unix, a pipe), as elsewhere an empty write is not a plain no-op
 * (TLS handles it apart).
 */
export function needsCallbackPerWrite(writable: Writable): boolean {
  return !(writable instanceof Socket) || (writable as { encrypted?: unknown }).encrypted === true;
}

/** Writes `bytes`; `onWritten` is called once Node's buffer is flushed (see the module comment). */
export function writeReportingFlush(writable: Writable, bytes: Uint8Array, onWritten: (error?: Error | null) => void, callbackPerWrite: boolean): void {
  if (callbackPerWrite || writable.writableLength > 0) {
    writable.write(bytes, onWritten);
    return;
  }
  writable.write(bytes);
  if (writable.writableLength > 0) writable.write(EMPTY, onWritten);
}
