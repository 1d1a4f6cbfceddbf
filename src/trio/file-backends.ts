/**
 * How `AsyncFile` does its I/O (file.ts): Node async calls waited for as Trio waits
 * (`hostWait`, `fsCall`), and two backends, a FileHandle (positional I/O) and a Node
 * stream. See file.ts for the cancellation rules.
 */
import { type Stats } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { Readable, Writable } from "node:stream";
import { finished } from "node:stream/promises";
import { isatty } from "node:tty";
import { Abort, type Task } from "../loop/task.js";
import { checkpointIfCancelled } from "../loop/traps.js";
import { currentTrioTask } from "../loop/current.js";
import { toOSError } from "../errors/os-errors.js";
import { UnsupportedOperation } from "./file-modes.js";

export const CHUNK = 64 * 1024;
export const EMPTY = new Uint8Array(0);
export const LF = 0x0a;
export const noop = (): void => undefined;

// ------------------------------------------------------------------ waiting for Node

/** @internal What happens to a host call whose caller is cancelled. */
export interface HostWaitHooks<T> {
  /** Called when the wait is abandoned (before Cancelled is raised). */
  onAbort?: () => void;
  /** Called with the value of an abandoned call, when it arrives (to release it). */
  onDropped?: (value: T) => void;
}

/**
 * @internal Waits for a Node promise as a Trio wait of `task`. `abandon`: a cancellation
 * raises Cancelled at once and the promise's outcome is dropped; otherwise a
 * cancellation waits for the outcome, which is returned (or thrown), and the next
 * checkpoint raises.
 */
export async function hostWait<T>(task: Task, pending: Promise<T>, what: string, abandon: boolean, hooks?: HostWaitHooks<T>): Promise<T> {
  const runner = task.runner;
  let state = 0; // 0 pending, 1 value, 2 error
  let result: unknown;
  let parked = false;
  let dropped = false;
  const settle = (s: number, v: unknown): void => {
    state = s;
    result = v;
    if (parked) {
      parked = false;
      runner._reschedule(task);
    }
  };
  pending.then(
    (v) => {
      if (!dropped) settle(1, v);
      else if (hooks?.onDropped !== undefined) {
        try {
          hooks.onDropped(v);
        } catch {
          // Releasing a dropped result is best effort: nobody is left to tell.
        }
      }
    },
    (e) => {
      if (!dropped) settle(2, e);
    },
  );
  if (state === 0) {
    parked = true;
    await runner._park(
      task,
      abandon
        ? () => {
            dropped = true;
            parked = false;
            try {
              hooks?.onAbort?.();
            } catch {
              // Clean-up on abandon (removing listeners, destroying a stream) is best effort.
            }
            return Abort.SUCCEEDED;
          }
        : () => Abort.FAILED,
      what,
    );
  }
  if (state === 2) throw result;
  return result as T;
}

/**
 * @internal One Node call as a Trio-flavored checkpoint: flavor check, a pending
 * cancellation raises before `start` runs, then `hostWait`; Node's system errors become
 * OSErrors.
 */
export async function fsCall<T>(what: string, abandon: boolean, start: () => Promise<T>, hooks?: HostWaitHooks<T>): Promise<T> {
  const task = currentTrioTask(what);
  await checkpointIfCancelled();
  try {
    return await hostWait(task, start(), what, abandon, hooks);
  } catch (error) {
    throw toOSError(error);
  }
}

// ------------------------------------------------------------------ backends

/** What an AsyncFile does its I/O on: a FileHandle, or a Node stream. */
export interface Backend {
  readonly target: FileHandle | Readable | Writable;
  /** Positional I/O (regular files): reads and writes take a position, and seeking works. */
  readonly seekable: boolean;
  readonly canRead: boolean;
  readonly canWrite: boolean;
  /** Reads up to `length` bytes (at `position`, or sequentially if null); empty at the end. */
  read(task: Task, length: number, position: number | null, what: string): Promise<Uint8Array>;
  /** Writes all of `data` (at `position`, or sequentially / appending if null). Never abandoned. */
  write(task: Task, data: Uint8Array, position: number | null, what: string): Promise<void>;
  size(task: Task, what: string): Promise<number>;
  truncate(task: Task, size: number, what: string): Promise<void>;
  close(task: Task, what: string): Promise<void>;
  isClosed(): boolean;
  fd(): number | undefined;
}

export function isSeekable(stats: Stats, fd: number): boolean {
  return stats.isFile() || stats.isBlockDevice() || (stats.isCharacterDevice() && !isatty(fd));
}

export class HandleBackend implements Backend {
  readonly canRead = true;
  readonly canWrite = true;

  constructor(
    readonly target: FileHandle,
    readonly seekable: boolean,
  ) {}

  read(task: Task, length: number, position: number | null, what: string): Promise<Uint8Array> {
    const buffer = new Uint8Array(length);
    const reading = this.target.read(buffer, 0, length, position).then(({ bytesRead }) =>
      bytesRead === length ? buffer : bytesRead > length / 2 ? buffer.subarray(0, bytesRead) : buffer.slice(0, bytesRead),
    );
    // A sequential read (a pipe) consumes what it reads: it must not be dropped.
    return hostWait(task, reading, what, position !== null);
  }

  write(task: Task, data: Uint8Array, position: number | null, what: string): Promise<void> {
    const fh = this.target;
    const writing = async (): Promise<void> => {
      for (let done = 0; done < data.length; ) {
        const { bytesWritten } = await fh.write(data, done, data.length - done, position === null ? null : position + done);
        done += bytesWritten;
      }
    };
    return hostWait(task, writing(), what, false);
  }

  size(task: Task, what: string): Promise<number> {
    return hostWait(
      task,
      this.target.stat().then((s) => s.size),
      what,
      true,
    );
  }

  truncate(task: Task, size: number, what: string): Promise<void> {
    return hostWait(task, this.target.truncate(size), what, false);
  }

  close(task: Task, what: string): Promise<void> {
    // Node closes a FileHandle after its pending operations.
    return hostWait(task, this.target.close(), what, false);
  }

  isClosed(): boolean {
    return this.target.fd === -1;
  }

  fd(): number | undefined {
    return this.target.fd === -1 ? undefined : this.target.fd;
  }
}

export class StreamBackend implements Backend {
  readonly seekable = false;
  readonly canRead: boolean;
  readonly canWrite: boolean;
  private error: unknown = null;

  constructor(readonly target: Readable | Writable) {
    this.canRead = target instanceof Readable;
    this.canWrite = target instanceof Writable;
    // A stream that errors with no 'error' listener would crash the process.
    target.on("error", (error) => {
      this.error ??= error;
    });
  }

  async read(task: Task, length: number, _position: number | null, what: string): Promise<Uint8Array> {
    const r = this.target as Readable;
    for (;;) {
      if (this.error !== null) throw this.error;
      const available = r.readableLength;
      if (available > 0) {
        const chunk = r.read(Math.min(length, available)) as Uint8Array | null;
        if (chunk !== null) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      } else {
        r.read(0); // lets Node notice the end, or fetch more
      }
      if (r.readableEnded || r.destroyed) return EMPTY;
      // Waiting takes nothing from the stream: a cancelled wait loses no data.
      let cleanup = noop;
      const woken = new Promise<void>((resolve) => {
        const wake = (): void => {
          cleanup();
          resolve();
        };
        cleanup = () => {
          for (const event of ["readable", "end", "error", "close"]) r.off(event, wake);
        };
        for (const event of ["readable", "end", "error", "close"]) r.on(event, wake);
      });
      await hostWait(task, woken, what, true, { onAbort: () => cleanup() });
    }
  }

  write(task: Task, data: Uint8Array, _position: number | null, what: string): Promise<void> {
    if (this.error !== null) return Promise.reject(this.error);
    const w = this.target as Writable;
    const writing = new Promise<void>((resolve, reject) => {
      w.write(data, (error) => (error ? reject(error) : resolve()));
    });
    return hostWait(task, writing, what, false);
  }

  size(): Promise<number> {
    return Promise.reject(new UnsupportedOperation("File or stream is not seekable."));
  }

  truncate(): Promise<void> {
    return Promise.reject(new UnsupportedOperation("File or stream is not seekable."));
  }

  async close(task: Task, what: string): Promise<void> {
    const s = this.target;
    try {
      if (this.canWrite && this.error === null && !s.destroyed && !(s as Writable).writableEnded) {
        const w = s as Writable;
        w.end();
        // A graceful end waits for the data to be flushed; a cancel makes it forceful.
        await hostWait(task, finished(w, { readable: false }), what, true, { onAbort: () => s.destroy() });
      }
    } finally {
      s.destroy();
    }
  }

  isClosed(): boolean {
    // A stream destroys itself after its end (autoDestroy): that is not a closed file.
    return false;
  }

  fd(): number | undefined {
    const fd = (this.target as { fd?: unknown }).fd;
    return typeof fd === "number" && fd >= 0 ? fd : undefined;
  }
}

