/**
 * `trio.runProcess` (Trio's `run_process`): runs a command to completion like Python's
 * `subprocess.run`, with Trio's cancellation, and `CompletedProcess` /
 * `CalledProcessError` for its results.
 */
import { nameError, ValueError } from "../errors/builtins.js";
import { describeError, describeValue } from "../errors/describe.js";
import { CancelScope } from "../loop/cancel-scope.js";
import { currentTrioTask } from "../loop/current.js";
import { BrokenResourceError } from "../loop/errors.js";
import { openNursery, TASK_STATUS_IGNORED, type TaskStatus } from "../loop/nursery.js";
import { toBytes } from "./node-streams.js";
import { openProcess, type Process } from "./process.js";
import { checkOptionKeys, OPEN_PROCESS_KEYS, type OpenProcessOptions, type StdioOption } from "./process-stdio.js";
import { toSignalName } from "./signals.js";
import { sleep } from "./timeouts.js";
import type { ReceiveStream, SendStream } from "./stream-abc.js";

const EMPTY = new Uint8Array(0);

function signalLabel(number: number): string {
  try {
    return `${toSignalName(number, "")} (${number})`;
  } catch {
    return String(number);
  }
}

function describeCommand(cmd: readonly string[] | string): string {
  return JSON.stringify(cmd);
}

/**
 * Thrown by `runProcess` (with `check`, the default) and by
 * `CompletedProcess.checkReturncode()` when a process exits with a non-zero status
 * (Python's `subprocess.CalledProcessError`). The captured output is kept on it.
 * Sync, either flavor.
 */
export class CalledProcessError extends Error {
  /** The exit status: the exit code, or `-N` for a death by signal N. */
  readonly returncode: number;
  /** The command that failed, as given. */
  readonly cmd: readonly string[] | string;
  /** The captured standard output, or null if it was not captured. */
  readonly stdout: Uint8Array | null;
  /** The captured standard error, or null if it was not captured. */
  readonly stderr: Uint8Array | null;

  constructor(returncode: number, cmd: readonly string[] | string, stdout: Uint8Array | null = null, stderr: Uint8Array | null = null) {
    super(
      returncode < 0
        ? `Command ${describeCommand(cmd)} died with signal ${signalLabel(-returncode)}.`
        : `Command ${describeCommand(cmd)} returned non-zero exit status ${returncode}.`,
    );
    this.returncode = returncode;
    this.cmd = cmd;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /** Python's alias of `stdout`. */
  get output(): Uint8Array | null {
    return this.stdout;
  }
}
nameError(CalledProcessError, "CalledProcessError");

/**
 * What `runProcess` returns (Python's `subprocess.CompletedProcess`): the command, its
 * exit status, and the output it captured. Sync, either flavor.
 */
export class CompletedProcess {
  constructor(
    /** The command, as given. */
    readonly args: readonly string[] | string,
    /** The exit status: the exit code, or `-N` for a death by signal N. */
    readonly returncode: number,
    /** The captured standard output (a Node Buffer, so `.toString()` decodes UTF-8), or null. */
    readonly stdout: Uint8Array | null = null,
    /** The captured standard error, or null. */
    readonly stderr: Uint8Array | null = null,
  ) {}

  /** Throws `CalledProcessError` if `returncode` is not 0. Sync, either flavor. */
  checkReturncode(): void {
    if (this.returncode !== 0) throw new CalledProcessError(this.returncode, this.args, this.stdout, this.stderr);
  }

  /** `CompletedProcess(args=[...], returncode=0)`, as Python's repr. Sync, either flavor. */
  toString(): string {
    return `CompletedProcess(args=${describeCommand(this.args)}, returncode=${this.returncode})`;
  }
}

/** Options of `trio.runProcess`: those of `openProcess`, plus: */
export interface RunProcessOptions extends Omit<OpenProcessOptions, "stdin"> {
  /**
   * Bytes to feed to the child's standard input (a string is sent as UTF-8), which is
   * then closed. When neither `input` nor `stdin` is given, the child gets an empty
   * input (as Trio: less confusing than sharing ours).
   */
  input?: Uint8Array | string;
  /**
   * The child's standard input, when not fed from `input`: `"inherit"`/`null` for ours,
   * `"ignore"`, a file descriptor, or `"pipe"` (only with `taskStatus`: write to
   * `process.stdin`). Bytes here mean the same as `input`, as in Trio.
   */
  stdin?: StdioOption | Uint8Array;
  /** Collect the child's standard output into `CompletedProcess.stdout` (default false). */
  captureStdout?: boolean;
  /** Collect the child's standard error into `CompletedProcess.stderr` (default false). */
  captureStderr?: boolean;
  /** Throw `CalledProcessError` if the child exits with a non-zero status (default true). */
  check?: boolean;
  /**
   * What a cancel does to the child, which `runProcess` then waits for: called with the
   * `Process` in a task of its own, and cancelled once the process has exited. The
   * default sends SIGTERM, waits 5 seconds, warns and sends SIGKILL (on Windows:
   * terminates at once).
   */
  deliverCancel?: (process: Process) => Promise<unknown>;
  /**
   * From `nursery.start`: `started(process)` is called once the child runs, so the
   * caller gets the `Process` while `runProcess` supervises it in the background.
   */
  taskStatus?: TaskStatus<Process>;
}

const RUN_KEYS: ReadonlySet<string> = new Set([...OPEN_PROCESS_KEYS, "input", "captureStdout", "captureStderr", "check", "deliverCancel", "taskStatus"]);

function warn(message: string): void {
  process.emitWarning(message, { type: "RuntimeWarning" });
}

/** An error from the OS (Python's `OSError`): Node gives these a string `code` and a numeric `errno`. */
function isSystemError(error: unknown): boolean {
  return error instanceof Error && typeof (error as { code?: unknown }).code === "string" && typeof (error as { errno?: unknown }).errno === "number";
}

/** The default `deliverCancel` (Trio's `_posix_deliver_cancel` / `_windows_deliver_cancel`). */
async function defaultDeliverCancel(proc: Process): Promise<void> {
  try {
    proc.terminate();
    if (process.platform === "win32") return;
    await sleep(5);
    warn(`process ${String(proc)} ignored SIGTERM for 5 seconds. (Maybe you should pass a custom deliverCancel?) Trying SIGKILL.`);
    proc.kill();
  } catch (error) {
    if (!isSystemError(error)) throw error;
    warn(`tried to kill process ${String(proc)}, but failed with: ${describeError(error)}`);
  }
}

async function feedInput(stream: SendStream, input: Uint8Array): Promise<void> {
  try {
    await stream.sendAll(input);
  } catch (error) {
    // The child closed its input without reading it all: its business, as in Trio.
    if (!(error instanceof BrokenResourceError)) throw error;
  } finally {
    await stream.aclose();
  }
}

async function readOutput(stream: ReceiveStream, chunks: Uint8Array[]): Promise<void> {
  try {
    for await (const chunk of stream) chunks.push(chunk);
  } finally {
    await stream.aclose();
  }
}

function pipeOnlyWithStart(name: string): ValueError {
  return new ValueError(
    `${name}: "pipe" is only valid with nursery.start, since that's the only way to access the pipe` +
      (name === "stdin" ? "; use nursery.start or pass the data you want to write as input" : ""),
  );
}

/**
 * Runs `command` in a child process and waits for it to exit (`trio.run_process`):
 * `[file, ...args]`, or a command line string with `shell: true`.
 *
 * Called directly, it returns a `CompletedProcess`:
 * `const { stdout } = await trio.runProcess(["git", "status"], { captureStdout: true })`.
 * Started with `nursery.start`, it hands back the `Process` at once and supervises it
 * in the background:
 * `const proc = await nursery.start((taskStatus: trio.TaskStatus<trio.Process>) => trio.runProcess(cmd, { taskStatus, stdout: "pipe" }))`.
 *
 * Input: `input` bytes (default: an empty input), or `stdin` as in `openProcess`.
 * Output: inherited unless captured (`captureStdout`, `captureStderr`; with
 * `stderr: "stdout"` both land in `stdout`, in order) or redirected (`stdout`,
 * `stderr`). With `check` (the default) a non-zero exit throws `CalledProcessError`,
 * which keeps the captured output.
 *
 * Cancellation: a cancel calls `deliverCancel(process)` (by default SIGTERM, then SIGKILL
 * after 5 seconds), waits until the process has exited, then throws the Cancelled. The
 * process has always exited when this returns or throws. Errors in feeding input,
 * reading output or `deliverCancel` come out in an ExceptionGroup (from its nursery).
 *
 * Errors before the start: ValueError for conflicting options (`captureStdout` with
 * `stdout`, `input` with `stdin`, `"pipe"` without `taskStatus`), TypeError / ValueError
 * for bad arguments, Node's spawn error (code "ENOENT"...) if the program cannot start.
 * Trio-flavored.
 */
export async function runProcess(command: readonly string[] | string, options: RunProcessOptions = {}): Promise<CompletedProcess> {
  currentTrioTask("trio.runProcess()");
  if (typeof options !== "object" || options === null) throw new TypeError(`runProcess(): options must be an object, got ${describeValue(options)}`);
  checkOptionKeys(options, RUN_KEYS, "runProcess()");
  const { input: inputOption, stdin, captureStdout = false, captureStderr = false, check = true, deliverCancel = defaultDeliverCancel, taskStatus, ...rest } = options;
  for (const [name, value] of [["captureStdout", captureStdout], ["captureStderr", captureStderr], ["check", check]] as const) {
    if (typeof value !== "boolean") throw new TypeError(`runProcess(): ${name} must be a boolean, got ${describeValue(value)}`);
  }
  if (typeof deliverCancel !== "function") throw new TypeError(`runProcess(): deliverCancel must be an async function, got ${describeValue(deliverCancel)}`);
  const status: TaskStatus<Process> = taskStatus ?? TASK_STATUS_IGNORED;

  let input: Uint8Array | undefined;
  if (inputOption !== undefined) {
    if (stdin !== undefined) throw new ValueError("runProcess(): stdin and input arguments may not both be used.");
    input = toBytes(inputOption, "runProcess() input");
  } else if (stdin instanceof Uint8Array) {
    input = stdin;
  } else if (stdin === undefined) {
    input = EMPTY;
  }
  if (status === TASK_STATUS_IGNORED) {
    if (stdin === "pipe") throw pipeOnlyWithStart("stdin");
    if (rest.stdout === "pipe") throw pipeOnlyWithStart("stdout");
    if (rest.stderr === "pipe") throw pipeOnlyWithStart("stderr");
  }
  const openOptions: OpenProcessOptions = { ...rest, stdin: input !== undefined ? "pipe" : (stdin as StdioOption) };
  if (captureStdout) {
    if (rest.stdout !== undefined) throw new ValueError("can't specify both stdout and captureStdout");
    openOptions.stdout = "pipe";
  }
  if (captureStderr) {
    if (rest.stderr !== undefined) throw new ValueError("can't specify both stderr and captureStderr");
    openOptions.stderr = "pipe";
  }

  // Outside the nursery, so that a spawn error comes out as itself.
  const proc = await openProcess(command, openOptions);
  const stdoutChunks: Uint8Array[] = [];
  const stderrChunks: Uint8Array[] = [];
  await openNursery(async (nursery) => {
    try {
      if (input !== undefined) {
        nursery.startSoon({ name: "runProcess feedInput" }, feedInput, proc.stdin!, input);
        proc.stdin = null;
        proc.stdio = null;
      }
      if (captureStdout) {
        nursery.startSoon({ name: "runProcess readOutput (stdout)" }, readOutput, proc.stdout!, stdoutChunks);
        proc.stdout = null;
        proc.stdio = null;
      }
      if (captureStderr) {
        nursery.startSoon({ name: "runProcess readOutput (stderr)" }, readOutput, proc.stderr!, stderrChunks);
        proc.stderr = null;
      }
      status.started(proc);
      await proc.wait();
    } catch (error) {
      await new CancelScope({ shield: true }).run(async () => {
        const killerScope = new CancelScope({ shield: true });
        nursery.startSoon({ name: "runProcess deliverCancel" }, async () => {
          await killerScope.run(() => deliverCancel(proc));
        });
        await proc.wait();
        killerScope.cancel("the process exited");
      });
      throw error;
    }
  });

  const stdout = captureStdout ? Buffer.concat(stdoutChunks) : null;
  const stderr = captureStderr ? Buffer.concat(stderrChunks) : null;
  const returncode = proc.returncode!;
  if (returncode !== 0 && check) throw new CalledProcessError(returncode, proc.args, stdout, stderr);
  return new CompletedProcess(proc.args, returncode, stdout, stderr);
}
