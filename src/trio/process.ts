/**
 * Trio's `Process` and `trio.lowlevel.openProcess` on `node:child_process`: a child
 * process whose pipes are Trio byte streams and whose exit is a Trio wait.
 */
import { spawn, type ChildProcess } from "node:child_process";
import type net from "node:net";
import { CancelScope } from "../loop/cancel-scope.js";
import { currentTrioTask } from "../loop/current.js";
import { ParkingLot } from "../loop/parking-lot.js";
import type { Task } from "../loop/task.js";
import { cancelShieldedCheckpoint, checkpointIfCancelled } from "../loop/traps.js";
import { EventWaiter, NodeReceiveStream, NodeSendStream } from "./node-streams.js";
import { openSocketPair, planSpawn, type OpenProcessOptions, type SpawnPlan } from "./process-stdio.js";
import { killChild, signalNumber } from "../loop/signal-table.js";
import { toSignalName } from "./signals.js";
import { StapledStream } from "./stapled-stream.js";
import type { AsyncResource, ReceiveStream, SendStream } from "./stream-abc.js";
import { inRunFrame } from "./tcp-connect.js";

/**
 * A child process (`trio.Process`, Python's `subprocess.Popen` made async). Get one from
 * `trio.lowlevel.openProcess(...)`, or from `nursery.start` with `trio.runProcess(...)`,
 * which also supervises it. It has no public constructor.
 *
 * The `stdin`, `stdout` and `stderr` streams exist for the standard streams opened with
 * `"pipe"` (else they are null); `stdio` staples `stdin` and `stdout` into one stream
 * when both exist. They are plain fields: `runProcess` takes the ones it drives.
 *
 * `wait()` and `aclose()` are Trio-flavored; everything else is sync, either flavor.
 */
export class Process implements AsyncResource {
  /** The command, as given: `[file, ...args]`, or the shell command line. */
  readonly args: readonly string[] | string;
  /** The child's process ID. */
  readonly pid: number;
  /** A stream to the child's standard input (with `stdin: "pipe"`), or null. */
  stdin: SendStream | null;
  /** A stream from the child's standard output (with `stdout: "pipe"`), or null. */
  stdout: ReceiveStream | null;
  /** A stream from the child's standard error (with `stderr: "pipe"`), or null. */
  stderr: ReceiveStream | null;
  /** `stdin` and `stdout` stapled together, when both are pipes; else null. */
  stdio: StapledStream<SendStream, ReceiveStream> | null;
  /** @internal The Node child process. */
  readonly _child: ChildProcess;
  private readonly exitLot = new ParkingLot();

  /** @internal Use `trio.lowlevel.openProcess`. */
  constructor(child: ChildProcess, args: readonly string[] | string, stdin: SendStream | null, stdout: ReceiveStream | null, stderr: ReceiveStream | null) {
    this._child = child;
    this.args = args;
    this.pid = child.pid!;
    this.stdin = stdin;
    this.stdout = stdout;
    this.stderr = stderr;
    this.stdio = stdin !== null && stdout !== null ? new StapledStream(stdin, stdout) : null;
    child.on("exit", () => this.exitLot.unparkAll());
  }

  /**
   * The exit status: the exit code, `-N` if signal N killed the process (as Python on
   * Unix), or null while it runs. Always current, without calling `poll()` or `wait()`:
   * Node reaps children as soon as they exit. Sync, either flavor.
   */
  get returncode(): number | null {
    const child = this._child;
    if (child.exitCode !== null) return child.exitCode;
    if (child.signalCode !== null) return -(signalNumber(child.signalCode) ?? 0);
    return null;
  }

  /**
   * Waits until the process exits and returns its `returncode`. Several tasks may wait
   * at once; a cancelled wait leaves the process alone. A checkpoint, even when the
   * process has already exited. Trio-flavored.
   */
  async wait(): Promise<number> {
    const task = currentTrioTask("Process.wait()");
    await checkpointIfCancelled();
    if (this.returncode === null) await this.exitLot._park(task, `Process.wait() (pid ${this.pid})`);
    else await cancelShieldedCheckpoint();
    return this.returncode!;
  }

  /** `returncode`, under the name `subprocess.Popen` uses. Sync, either flavor. */
  poll(): number | null {
    return this.returncode;
  }

  /**
   * Sends signal `sig` (a name such as "SIGINT", or a number) to the process; does
   * nothing once it has exited. ValueError for an unknown signal; Node's error (EPERM...)
   * if the OS refuses. On Windows, Node emulates a few signals (see `subprocess.kill`).
   * Sync, either flavor.
   */
  sendSignal(sig: NodeJS.Signals | number): void {
    if (!(sig === 0 && typeof sig === "number")) toSignalName(sig, "Process.sendSignal()");
    if (this.returncode !== null) return;
    killChild(this._child, sig);
  }

  /**
   * Asks the process to exit: SIGTERM on Unix (it may catch or ignore it); on Windows,
   * the same as `kill()`. Sync, either flavor.
   */
  terminate(): void {
    this.sendSignal("SIGTERM");
  }

  /**
   * Kills the process: SIGKILL on Unix, TerminateProcess on Windows. It cannot refuse,
   * but the exit is asynchronous: `wait()` for it. Sync, either flavor.
   */
  kill(): void {
    this.sendSignal("SIGKILL");
  }

  /**
   * Closes our ends of the pipes (the child sees the end of its input) and waits for the
   * process to exit. If cancelled while waiting, kills the process and still waits for
   * it to exit before the Cancelled propagates (Trio's former `Process.aclose`).
   * Trio-flavored.
   */
  async aclose(): Promise<void> {
    currentTrioTask("Process.aclose()");
    await new CancelScope({ shield: true }).run(async () => {
      if (this.stdin !== null) await this.stdin.aclose();
      if (this.stdout !== null) await this.stdout.aclose();
      if (this.stderr !== null) await this.stderr.aclose();
    });
    try {
      await this.wait();
    } finally {
      if (this.returncode === null) {
        this.kill();
        await new CancelScope({ shield: true }).run(() => this.wait());
      }
    }
  }

  /** `await using proc = await trio.lowlevel.openProcess(...)`: `aclose()`. Trio-flavored. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.aclose();
  }

  /** Entering `asyncWith(proc, body)`: gives the process itself. Either flavor. */
  aenter(): Promise<this> {
    return Promise.resolve(this);
  }

  /** Leaving `asyncWith(proc, body)`: `aclose()`; never swallows the body's error. Trio-flavored. */
  async aexit(): Promise<boolean> {
    await this.aclose();
    return false;
  }

  /** `<trio.Process ["ls","-l"]: running with PID 123>`, or `exited with status 0` / `exited with signal 9`. Sync, either flavor. */
  toString(): string {
    const code = this.returncode;
    const status = code === null ? `running with PID ${this.pid}` : code < 0 ? `exited with signal ${-code}` : `exited with status ${code}`;
    return `<trio.Process ${JSON.stringify(this.args)}: ${status}>`;
  }
}

/**
 * Starts `command` in a child process and returns its `Process`
 * (`trio.lowlevel.open_process`). `command` is `[file, ...args]`, or a command line
 * string with `shell: true`. Each standard stream is inherited unless `options` says
 * otherwise; `"pipe"` gives the `Process` a Trio stream for it.
 *
 * Unlike `trio.runProcess`, nothing supervises the child: waiting for it, killing it
 * and closing its streams are up to you (`await using` does all three via `aclose()`).
 *
 * Errors: TypeError / ValueError for bad arguments (as Python's `subprocess`), thrown
 * before anything starts; Node's spawn error if the program cannot start (`code`
 * "ENOENT" when there is no such program, "EACCES" when it is not executable). It
 * checks for cancellation first, then cannot be cancelled until the child has started
 * (as Trio, which spawns in a thread). Trio-flavored.
 */
export async function openProcess(command: readonly string[] | string, options: OpenProcessOptions = {}): Promise<Process> {
  const task = currentTrioTask("trio.lowlevel.openProcess()");
  const plan = planSpawn(command, options, "openProcess()");
  await checkpointIfCancelled();
  const result = await new CancelScope({ shield: true }).run(() => spawnProcess(task, plan));
  return result!;
}

/** @internal Spawns per `plan` and waits until the child runs (or failed to start). */
async function spawnProcess(task: Task, plan: SpawnPlan): Promise<Process> {
  let pair: [net.Socket, net.Socket] | null = null;
  const stdio = plan.stdio;
  if (plan.mergeIntoStdoutPipe) {
    pair = await openSocketPair(task);
    stdio[1] = stdio[2] = pair[1];
  }
  let child: ChildProcess;
  try {
    child = inRunFrame(task, () => spawn(plan.file, plan.args, { stdio, cwd: plan.cwd, env: plan.env, shell: plan.shell }));
  } catch (error) {
    pair?.[0].destroy();
    pair?.[1].destroy();
    throw error;
  }
  // Wrap the pipes at once, so that nothing they receive meanwhile is missed.
  const stdin = child.stdin !== null ? new NodeSendStream(child.stdin) : null;
  const stdout = pair !== null ? new NodeReceiveStream(pair[0]) : child.stdout !== null ? new NodeReceiveStream(child.stdout) : null;
  const stderr = child.stderr !== null ? new NodeReceiveStream(child.stderr) : null;
  // Node reports the outcome of the spawn on the next tick: 'spawn', or 'error'.
  const waiter = new EventWaiter();
  let started = false;
  let error: unknown = null;
  const onSpawn = (): void => {
    started = true;
    waiter.wake();
  };
  const onError = (e: unknown): void => {
    error ??= e;
    waiter.wake();
  };
  child.once("spawn", onSpawn);
  child.once("error", onError);
  try {
    while (!started && error === null) await waiter.wait(task, `openProcess(${JSON.stringify(plan.file)}) (starting)`);
  } finally {
    child.off("spawn", onSpawn);
    child.off("error", onError);
    // The child has its own copy of the socket it writes to.
    pair?.[1].destroy();
  }
  if (error !== null) {
    stdin?._closeNow();
    stdout?._closeNow();
    stderr?._closeNow();
    throw error;
  }
  // Later 'error' events (a refused kill) are reported by sendSignal; never let one crash the process.
  child.on("error", ignore);
  return new Process(child, plan.command, stdin, stdout, stderr);
}

function ignore(): void {}
