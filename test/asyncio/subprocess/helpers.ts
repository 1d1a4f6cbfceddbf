// Helpers shared by the subprocess tests: `node -e` children, real-time loops (child
// processes need the real clock), and a protocol recording its callbacks.
import * as asyncio from "../../../src/asyncio/index.js";
import { currentAsyncLibrary } from "../../../src/flavor/sniffio.js";

/** `[node, -e, code]`: a child running `code`. */
export const node = (code: string): [string, string, string] => [process.execPath, "-e", code];
/** Copies stdin to stdout. */
export const CAT = node("process.stdin.pipe(process.stdout)");
/** Runs until killed. */
export const BLOCKED = node("setInterval(() => {}, 1e6)");
/** Says "ready" on stdout, then runs until killed (for tests that must know it started). */
export const READY_THEN_BLOCKED = node("process.stdout.write('ready\\n'); setInterval(() => {}, 1e6)");

/** `asyncio.run(fn)` on a real-clock loop, with a timeout so that a hang fails fast. */
export function runReal<T>(fn: () => Promise<T>, seconds = 10): Promise<T> {
  return asyncio.run(() => asyncio.timeout<T>(seconds, fn));
}

/** Whether process `pid` exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}

/**
 * A subprocess protocol recording its callbacks in `events` (`made`, `data 1 <text>`,
 * `pipe-lost 1 null`, `exited <returncode>`, `lost null`), the async library of each
 * callback, and whether one ran inside a task. `until(predicate)` waits on the loop.
 */
export class Recorder extends asyncio.SubprocessProtocol {
  events: string[] = [];
  output: Record<number, string> = { 1: "", 2: "" };
  libraries = new Set<string>();
  inTask = false;
  transport: asyncio.SubprocessTransport | null = null;
  lostWith: Error | null | undefined = undefined;
  private waiters: asyncio.Future<void>[] = [];

  private note(event: string): void {
    this.events.push(event);
    this.libraries.add(currentAsyncLibrary());
    if (asyncio.currentTask() !== null) this.inTask = true;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) if (!w.done()) w.setResult();
  }

  override connectionMade(transport: unknown): void {
    this.transport = transport as asyncio.SubprocessTransport;
    this.note("made");
  }

  override pipeDataReceived(fd: number, data: Buffer): void {
    this.output[fd] += data.toString();
    this.note(`data ${fd}`);
  }

  override pipeConnectionLost(fd: number, exc: Error | null): void {
    this.note(`pipe-lost ${fd} ${exc === null ? "null" : ((exc as { code?: string }).code ?? exc.name)}`);
  }

  override processExited(): void {
    this.note(`exited ${this.transport!.getReturncode()}`);
  }

  override connectionLost(exc: Error | null): void {
    this.lostWith = exc;
    this.note(`lost ${exc === null ? "null" : exc.name}`);
  }

  override pauseWriting(): void {
    this.note("pause");
  }

  override resumeWriting(): void {
    this.note("resume");
  }

  get lost(): boolean {
    return this.lostWith !== undefined;
  }

  /** The events without the data ones (their number depends on how the OS chunks). */
  get milestones(): string[] {
    return this.events.filter((e) => !e.startsWith("data"));
  }

  /** Waits until `predicate()` holds (checked after each callback). asyncio-flavored. */
  async until(predicate: () => boolean): Promise<void> {
    while (!predicate()) {
      const waiter = asyncio.getRunningLoop().createFuture<void>();
      this.waiters.push(waiter);
      await waiter;
    }
  }
}
