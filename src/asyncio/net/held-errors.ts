/**
 * @internal Errors of Node sockets that have no transport yet: between a connection and
 * its transport's creation (a loop iteration later, after a Happy Eyeballs race or a TLS
 * handshake, or when a server starts serving) an `'error'` event without a listener
 * would end the process. The transport reports the held error as if it had been there.
 */
import type * as net from "node:net";

const heldErrors = new WeakMap<net.Socket, Error>();

function holdError(this: net.Socket, error: Error): void {
  if (!heldErrors.has(this)) heldErrors.set(this, error);
}

/** @internal Keeps `socket`'s first error until `takeHeldError`. */
export function holdErrors(socket: net.Socket): void {
  socket.off("error", holdError);
  socket.on("error", holdError);
}

/** @internal Stops holding `socket`'s errors (its transport listens now); the error held, if any. */
export function takeHeldError(socket: net.Socket): Error | undefined {
  socket.off("error", holdError);
  const error = heldErrors.get(socket);
  heldErrors.delete(socket);
  return error;
}
