/**
 * `trio.abc`: the interfaces of Trio's channels and byte streams.
 * @packageDocumentation
 */
export type { Channel, ReceiveChannel, SendChannel } from "./channel-abc.js";
export type { AsyncResource, HalfCloseableStream, Listener, ReceiveStream, SendStream, Stream } from "./stream-abc.js";
