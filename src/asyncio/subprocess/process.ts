/**
 * asyncio's high-level subprocess API (Python's `asyncio.subprocess`):
 * `createSubprocessExec` / `createSubprocessShell` give a `Process` whose pipes are
 * streams (`stdin` a StreamWriter, `stdout` / `stderr` StreamReaders), joined to the
 * subprocess transport by a `SubprocessStreamProtocol`.
 */
import type { BaseTrioEventLoop } from "../base-loop.js";
import { currentAioLoop, defaultLoop } from "../current.js";
import type { Future } from "../futures.js";
import { gather } from "../gather.js";
import { ConnectionResetError } from "../net/errors.js";
import { checkLimit, StreamReader } from "../net/stream-reader.js";
import { FlowControlMixin, StreamWriter } from "../net/streams.js";
import type { BytesLike, Transport } from "../net/transports.js";
import { DEFAULT_LIMIT } from "../net/constants.js";
import { checkOptionKeys, splitArgs, type CreateSubprocessOptions, type PathLike } from "./options.js";
import type { ChildProcessTransport, SubprocessProtocolLike, SubprocessTransport } from "./transport.js";

/**
 * The protocol of `createSubprocessExec` / `createSubprocessShell` (Python's
 * `SubprocessStreamProtocol`, like `StreamReaderProtocol` for a subprocess): makes the
 * `stdin` StreamWriter and the `stdout` / `stderr` StreamReaders of the pipes, feeds the
 * readers, and closes the transport once the child exited and its output pipes closed.
 * Sync, either flavor.
 */
export class SubprocessStreamProtocol extends FlowControlMixin implements SubprocessProtocolLike {
  /** @internal */ readonly _limit: number;
  /** The writer of the child's stdin pipe, or null. */
  stdin: StreamWriter | null = null;
  /** The reader of the child's stdout pipe, or null. */
  stdout: StreamReader | null = null;
  /** The reader of the child's stderr pipe, or null. */
  stderr: StreamReader | null = null;
  /** @internal */ _transport: SubprocessTransport | null = null;
  /** @internal */ _processExited = false;
  /** @internal The output pipes still open. */
  _pipeFds: number[] = [];
  /** @internal Settled when the stdin pipe closes (`stdin.waitClosed()`). */
  readonly _stdinClosed: Future<void>;

  constructor(limit: number = DEFAULT_LIMIT, loop?: BaseTrioEventLoop) {
    super(loop ?? defaultLoop.get());
    this._limit = limit;
    this._stdinClosed = this._loop.createFuture<void>();
  }

  override connectionMade(transport: SubprocessTransport): void {
    this._transport = transport;
    const stdoutTransport = transport.getPipeTransport(1);
    if (stdoutTransport !== null) {
      this.stdout = new StreamReader({ limit: this._limit, loop: this._loop });
      this.stdout.setTransport(stdoutTransport as never);
      this._pipeFds.push(1);
    }
    const stderrTransport = transport.getPipeTransport(2);
    if (stderrTransport !== null) {
      this.stderr = new StreamReader({ limit: this._limit, loop: this._loop });
      this.stderr.setTransport(stderrTransport as never);
      this._pipeFds.push(2);
    }
    const stdinTransport = transport.getPipeTransport(0);
    if (stdinTransport !== null) {
      // A pipe's writing end has what StreamWriter uses of a Transport.
      this.stdin = new StreamWriter(stdinTransport as unknown as Transport, this, null, this._loop);
    }
  }

  pipeDataReceived(fd: number, data: Buffer): void {
    const reader = fd === 1 ? this.stdout : fd === 2 ? this.stderr : null;
    reader?.feedData(data);
  }

  pipeConnectionLost(fd: number, exc: Error | null): void {
    if (fd === 0) {
      this.stdin?.close();
      this.connectionLost(exc);
      if (exc === null) {
        this._stdinClosed.setResult(undefined);
      } else {
        this._stdinClosed.setException(exc);
        // Nobody has to call waitClosed(): the error is not "never retrieved".
        this._stdinClosed.exception();
      }
      return;
    }
    const reader = fd === 1 ? this.stdout : fd === 2 ? this.stderr : null;
    if (reader !== null) {
      if (exc === null) reader.feedEof();
      else reader.setException(exc);
    }
    const index = this._pipeFds.indexOf(fd);
    if (index >= 0) this._pipeFds.splice(index, 1);
    this._maybeCloseTransport();
  }

  processExited(): void {
    this._processExited = true;
    this._maybeCloseTransport();
  }

  private _maybeCloseTransport(): void {
    if (this._pipeFds.length === 0 && this._processExited) {
      this._transport?.close();
      this._transport = null;
    }
  }

  /** @internal */
  override _getCloseWaiter(_stream: StreamWriter): Future<void> {
    return this._stdinClosed;
  }

  override toString(): string {
    const info = [this.constructor.name];
    if (this.stdin !== null) info.push(`stdin=${String(this.stdin)}`);
    if (this.stdout !== null) info.push(`stdout=${String(this.stdout)}`);
    if (this.stderr !== null) info.push(`stderr=${String(this.stderr)}`);
    return `<${info.join(" ")}>`;
  }
}

/** Whether `error` is one `communicate()` ignores while feeding stdin (Python's BrokenPipeError, ConnectionResetError). */
function isBrokenPipe(error: unknown): boolean {
  if (error instanceof ConnectionResetError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return code === "EPIPE" || code === "ECONNRESET";
}

/**
 * A child process started by `createSubprocessExec` / `createSubprocessShell` (Python's
 * `asyncio.subprocess.Process`). `stdin`, `stdout` and `stderr` are streams for the
 * standard streams opened with `PIPE`, else null. `wait()` and `communicate()` are
 * asyncio-flavored; a cancelled wait leaves the child running. The rest is sync, either
 * flavor.
 */
export class Process {
  /** The child's process ID. */
  readonly pid: number;
  /** A writer to the child's stdin (with `stdin: PIPE`), or null. */
  readonly stdin: StreamWriter | null;
  /** A reader of the child's stdout (with `stdout: PIPE`), or null. */
  readonly stdout: StreamReader | null;
  /** A reader of the child's stderr (with `stderr: PIPE`), or null. */
  readonly stderr: StreamReader | null;
  /** @internal */ readonly _transport: ChildProcessTransport;
  /** @internal */ readonly _protocol: SubprocessStreamProtocol;
  /** @internal */ readonly _loop: BaseTrioEventLoop;

  /** @internal Made by `createSubprocessExec` / `createSubprocessShell`. */
  constructor(transport: ChildProcessTransport, protocol: SubprocessStreamProtocol, loop: BaseTrioEventLoop) {
    this._transport = transport;
    this._protocol = protocol;
    this._loop = loop;
    this.stdin = protocol.stdin;
    this.stdout = protocol.stdout;
    this.stderr = protocol.stderr;
    this.pid = transport.getPid()!;
  }

  /** The exit status: the exit code, `-N` after a death by signal N, or null while it runs (as the loop knows it). */
  get returncode(): number | null {
    return this._transport.getReturncode();
  }

  /**
   * Waits until the child exits and returns its `returncode`. Cancelling the wait leaves
   * the child running. With `stdout: PIPE` or `stderr: PIPE`, read the output (or use
   * `communicate()`): a child that fills a pipe nobody reads never exits. asyncio-flavored.
   */
  async wait(): Promise<number> {
    return this._transport._wait("Process.wait()");
  }

  /** Sends signal `sig` (a name such as "SIGHUP", or a number) to the child; see `SubprocessTransport.sendSignal`. */
  sendSignal(sig: NodeJS.Signals | number): void {
    this._transport.sendSignal(sig);
  }

  /** Asks the child to exit (SIGTERM). */
  terminate(): void {
    this._transport.terminate();
  }

  /** Kills the child (SIGKILL). */
  kill(): void {
    this._transport.kill();
  }

  private async _feedStdin(input: BytesLike | null): Promise<void> {
    const stdin = this.stdin!;
    try {
      if (input !== null) stdin.write(input);
      await stdin.drain();
    } catch (error) {
      // communicate() ignores a child that stopped reading (BrokenPipeError, ConnectionResetError).
      if (!isBrokenPipe(error)) throw error;
    }
    stdin.close();
  }

  private async _readStream(fd: 1 | 2): Promise<Buffer> {
    const transport = this._transport.getPipeTransport(fd);
    const stream = fd === 2 ? this.stderr! : this.stdout!;
    const output = await stream.read();
    transport?.close();
    return output;
  }

  /**
   * Sends `input` (bytes-like, optional) to the child's stdin and closes it, reads stdout
   * and stderr to the end, waits for the child to exit, and returns `[stdout, stderr]`
   * (null for a stream that is not a pipe). Input is ignored without `stdin: PIPE`.
   * A child that stops reading its input is not an error. Cancelling it leaves the child
   * running. asyncio-flavored.
   */
  async communicate(input: BytesLike | null = null): Promise<[stdout: Buffer | null, stderr: Buffer | null]> {
    currentAioLoop("Process.communicate()");
    const noop = async (): Promise<null> => null;
    const [, stdout, stderr] = await gather(
      this.stdin !== null ? () => this._feedStdin(input) : noop,
      this.stdout !== null ? () => this._readStream(1) : noop,
      this.stderr !== null ? () => this._readStream(2) : noop,
    );
    await this.wait();
    return [stdout as Buffer | null, stderr as Buffer | null];
  }

  /** `<Process 1234>`. */
  toString(): string {
    return `<${this.constructor.name} ${this.pid}>`;
  }
}

/** The options for the loop method: stdin, stdout and stderr default to inherit (null) here. */
function loopOptions(options: CreateSubprocessOptions, call: string): [number, CreateSubprocessOptions] {
  if (typeof options !== "object" || options === null) throw new TypeError(`${call}: the options must be an object`);
  checkOptionKeys(options, call, ["limit"]);
  const { limit, stdin = null, stdout = null, stderr = null, ...rest } = options;
  return [limit === undefined ? DEFAULT_LIMIT : checkLimit(limit), { stdin, stdout, stderr, ...rest }];
}

/**
 * Starts `program` with `args` (no shell) and returns its `Process`
 * (`asyncio.create_subprocess_exec`):
 *
 * ```ts
 * const proc = await asyncio.createSubprocessExec("ls", "-l", { stdout: asyncio.subprocess.PIPE });
 * const [out] = await proc.communicate();
 * ```
 *
 * The last argument, if a plain object, is the options: `stdin`, `stdout`, `stderr`
 * (`PIPE`, `DEVNULL`, `STDOUT` for stderr, a file descriptor, or null — the default —
 * to inherit this process's), `limit` (the StreamReaders' limit), and those of
 * `loop.subprocessExec` (`cwd`, `env`, `startNewSession`, `executable`). Errors:
 * TypeError / ValueError for bad arguments; FileNotFoundError (code "ENOENT") when there
 * is no such program, PermissionError when it is not executable. Cancelled while
 * starting, the child is killed and waited for. asyncio-flavored.
 */
export async function createSubprocessExec(program: PathLike, ...args: [...PathLike[], CreateSubprocessOptions] | PathLike[]): Promise<Process> {
  const call = "asyncio.createSubprocessExec()";
  const loop = currentAioLoop(call);
  const [argv, options] = splitArgs<CreateSubprocessOptions>(args);
  const [limit, rest] = loopOptions(options, call);
  const factory = (): SubprocessStreamProtocol => new SubprocessStreamProtocol(limit, loop);
  const [transport, protocol] = await loop.subprocessExec(factory, program, ...(argv as PathLike[]), rest);
  return new Process(transport, protocol, loop);
}

/**
 * Runs the command line `cmd` through the shell (`/bin/sh -c` on Unix, `cmd.exe` on
 * Windows) and returns its `Process` (`asyncio.create_subprocess_shell`); options as
 * `createSubprocessExec`. Quote what you interpolate into `cmd`. asyncio-flavored.
 */
export async function createSubprocessShell(cmd: string, options: CreateSubprocessOptions = {}): Promise<Process> {
  const call = "asyncio.createSubprocessShell()";
  const loop = currentAioLoop(call);
  const [limit, rest] = loopOptions(options, call);
  const factory = (): SubprocessStreamProtocol => new SubprocessStreamProtocol(limit, loop);
  const [transport, protocol] = await loop.subprocessShell(factory, cmd, rest);
  return new Process(transport, protocol, loop);
}
