/**
 * The worker threads behind `trio.toThread`: one process-wide pool, shared by every
 * Trio run. A worker runs one job at a time and is reused for the next; idle workers
 * are unref'd (they never keep the process alive) and exit after
 * `poolSettings.idleTimeoutMs` of real time. How many workers run at once is the
 * business of the callers' CapacityLimiters, not of the pool: it starts a worker
 * whenever none is idle.
 *
 * Everything here runs on Node's event loop, outside any Trio run; the job's owner
 * (a `JobClient`) decides how to get back into its run.
 */
import { MessageChannel, Worker, type MessagePort } from "node:worker_threads";
import { BOOTSTRAP_SOURCE, FLAG_CANCEL, FLAG_COUNT, FLAG_REPLY } from "./worker-bootstrap.js";
import type { CallableSpec, ErrorRecord } from "./job.js";

/** @internal A worker's request to run a function in the Trio thread. */
export interface CallMessage {
  readonly type: "call";
  readonly jobId: number;
  readonly callId: number;
  readonly kind: "run" | "runSync";
  readonly fn: CallableSpec;
  readonly args: unknown[];
}

interface DoneMessage {
  readonly type: "done";
  readonly jobId: number;
  readonly ok: boolean;
  readonly value?: unknown;
  readonly error?: ErrorRecord;
}

type WorkerMessage = CallMessage | DoneMessage;

/** @internal The owner of a running job; called from Node's event loop, outside any run. */
export interface JobClient {
  /** The job asked to run a function in the Trio thread; the worker blocks until `reply`. */
  onCall(message: CallMessage): void;
  /** The job finished: its value, or the record of its error. The worker is back in the pool. */
  onDone(ok: boolean, valueOrRecord: unknown): void;
  /** The worker died before the job finished; `reason` completes "the worker thread running <job> ...". */
  onCrash(reason: string, cause: unknown): void;
}

/** @internal Tunables, for tests. */
export const poolSettings = {
  /** How long (real milliseconds) an idle worker waits for a job before it exits. */
  idleTimeoutMs: 10_000,
};

const idle: PooledWorker[] = [];
const live = new Set<PooledWorker>();
let nextJobId = 0;

/** @internal One worker thread of the pool. */
export class PooledWorker {
  readonly worker: Worker;
  readonly threadId: number;
  private readonly flags: Int32Array;
  private readonly replyPort: MessagePort;
  private client: JobClient | null = null;
  private jobId = 0;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;
  private dead = false;
  private retiring = false;

  constructor() {
    const { port1, port2 } = new MessageChannel();
    const buffer = new SharedArrayBuffer(FLAG_COUNT * Int32Array.BYTES_PER_ELEMENT);
    this.flags = new Int32Array(buffer);
    this.replyPort = port1;
    this.worker = new Worker(BOOTSTRAP_SOURCE, {
      eval: true,
      workerData: { replyPort: port2, flags: buffer },
      transferList: [port2],
    });
    this.threadId = this.worker.threadId;
    this.worker.on("message", this.onMessage);
    this.worker.on("error", this.onError);
    this.worker.on("messageerror", this.onMessageError);
    this.worker.on("exit", this.onExit);
    live.add(this);
  }

  /** Starts a job; throws TypeError (and stays idle) if the arguments cannot be cloned. */
  private start(spec: CallableSpec, args: unknown[], client: JobClient): number {
    this.clearIdleTimer();
    // Ids stay positive int32s: the cancel flag holds one.
    const jobId = (nextJobId = (nextJobId % 0x7fffffff) + 1);
    try {
      this.worker.postMessage({ type: "job", jobId, job: spec, args });
    } catch (error) {
      this.toIdle();
      throw new TypeError(
        `trio.toThread.runSync(): the arguments for ${spec.label} could not be sent to the worker thread ` +
          `(they must be structured-cloneable): ${(error as Error).message}`,
        { cause: error },
      );
    }
    this.client = client;
    this.jobId = jobId;
    this.worker.ref();
    return jobId;
  }

  /**
   * Answers a call of the running job: posts the reply, then raises the flag the worker
   * waits on. A value that cannot be cloned becomes a TypeError for the job.
   */
  reply(callId: number, ok: boolean, value: unknown, encode: (error: unknown) => ErrorRecord, what: string): void {
    if (this.dead) return;
    if (ok) {
      try {
        this.replyPort.postMessage({ type: "reply", callId, ok: true, value });
        this.raise(FLAG_REPLY);
        return;
      } catch (error) {
        value = new TypeError(
          `${what}: the result could not be sent to the worker thread (it must be structured-cloneable): ${(error as Error).message}`,
          { cause: error },
        );
      }
    }
    this.replyPort.postMessage({ type: "reply", callId, ok: false, error: encode(value) });
    this.raise(FLAG_REPLY);
  }

  /** Tells the running job that its caller was cancelled (what `fromThread.checkCancelled()` reads). */
  signalCancel(jobId: number, record: ErrorRecord): void {
    if (this.dead || jobId !== this.jobId) return;
    this.replyPort.postMessage({ type: "cancelled", jobId, error: record });
    Atomics.store(this.flags, FLAG_CANCEL, jobId);
  }

  /** The job's caller left: the busy worker must not keep the process alive (as Trio's daemon threads). */
  abandon(): void {
    if (!this.dead) this.worker.unref();
  }

  private raise(index: number): void {
    Atomics.store(this.flags, index, 1);
    Atomics.notify(this.flags, index);
  }

  private readonly onMessage = (message: WorkerMessage): void => {
    const client = this.client;
    if (client === null || message.jobId !== this.jobId) return;
    if (message.type === "done") {
      this.client = null;
      this.toIdle();
      client.onDone(message.ok, message.ok ? message.value : message.error);
    } else {
      client.onCall(message);
    }
  };

  private readonly onError = (error: unknown): void => {
    const described = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    this.die(
      `crashed: an error escaped the job (uncaught ${described}; from code the job left running, ` +
        "such as a timer callback or a promise nobody awaited?)",
      error,
    );
  };

  private readonly onMessageError = (error: unknown): void => {
    this.die("sent a message that could not be deserialized", error);
    void this.worker.terminate();
  };

  private readonly onExit = (code: number): void => {
    if (this.retiring) {
      this.dead = true;
      live.delete(this);
      return;
    }
    this.die(`exited (exit code ${code}) before the job finished (process.exit() in the job?)`, undefined);
  };

  private die(reason: string, cause: unknown): void {
    if (this.dead) return;
    this.dead = true;
    live.delete(this);
    this.clearIdleTimer();
    const i = idle.indexOf(this);
    if (i >= 0) idle.splice(i, 1);
    this.replyPort.close();
    const client = this.client;
    this.client = null;
    if (client !== null) {
      client.onCrash(reason, cause);
    } else {
      // Nobody is waiting for this worker, but its death must not go unnoticed.
      process.emitWarning(`an idle trio.toThread worker thread ${reason.replace(" before the job finished", "")}`, {
        type: "TrioWarning",
        code: "TRIO_THREAD_CRASHED",
      });
    }
  }

  private toIdle(): void {
    if (this.dead) return;
    this.worker.unref();
    idle.push(this);
    this.idleTimer = setTimeout(this.retire, poolSettings.idleTimeoutMs);
    this.idleTimer.unref();
  }

  private clearIdleTimer(): void {
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  private readonly retire = (): void => {
    this.idleTimer = null;
    const i = idle.indexOf(this);
    if (i < 0) return;
    idle.splice(i, 1);
    this.retiring = true;
    void this.worker.terminate();
  };

  /** @internal Takes an idle worker (the most recently used, so that the others can expire) or starts one, and starts a job on it. */
  static run(spec: CallableSpec, args: unknown[], client: JobClient): { worker: PooledWorker; jobId: number } {
    const worker = idle.pop() ?? new PooledWorker();
    const jobId = worker.start(spec, args, client);
    return { worker, jobId };
  }
}

/** @internal The pool's state, for tests. */
export function poolStatistics(): { idle: number; live: number; threadIds: number[] } {
  return { idle: idle.length, live: live.size, threadIds: [...live].map((w) => w.threadId) };
}
