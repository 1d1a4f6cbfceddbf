/**
 * asyncio's subprocess transport (Python's `asyncio.SubprocessTransport`, implemented as
 * in `base_subprocess.BaseSubprocessTransport` and `unix_events._UnixSubprocessTransport`)
 * on `node:child_process`, and the loop methods that make one (`loop.subprocessExec`,
 * `loop.subprocessShell`).
 *
 * The protocol's callbacks run as loop callbacks, in asyncio's order:
 * `connectionMade(transport)` first (before `subprocessExec` returns), then
 * `pipeDataReceived(fd, data)` as the child writes, `pipeConnectionLost(fd, exc)` as
 * each pipe closes, `processExited()` when the child exits (Node's `exit` event: the
 * exit code, or `-N` for a death by signal N), and `connectionLost(null)` last, once the
 * child exited and every pipe closed. Waiting for the exit (`Process.wait()`) ends then.
 *
 * Node destroys the child's stdin pipe when the child exits; the stdin pipe transport
 * takes that as the reading end closing (Python notices it by polling the pipe), so a
 * grandchild that keeps the child's stdin open does not keep it open here.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import type net from "node:net";
import { copyContext, type Context } from "../../contextvars/context.js";
import { NotImplementedError } from "../../errors/builtins.js";
import type { BaseTrioEventLoop } from "../base-loop.js";
import type { Future } from "../futures.js";
import { logger } from "../log.js";
import type { BaseProtocolLike } from "../net/protocols.js";
import { BaseTransport } from "../net/transports.js";
import { checkLoopCall, checkProtocolFactory, rejectFromHost } from "../net/util.js";
import { killChild, signalNumber } from "../../loop/signal-table.js";
import { checkSignal } from "../signals.js";
import { ProcessLookupError, toOSError } from "../../errors/os-errors.js";
import { planSpawn, splitArgs, type PathLike, type SpawnPlan, type SubprocessOptions } from "./options.js";
import { ReadPipeTransport, WritePipeTransport } from "./pipe-transports.js";
import { openSocketPair } from "./socket-pair.js";

/**
 * The callbacks of a subprocess protocol (Python's `SubprocessProtocol`): subclass
 * `asyncio.SubprocessProtocol`, or pass any object with some of these methods (a missing
 * one does nothing).
 */
export interface SubprocessProtocolLike extends BaseProtocolLike {
  /** The child wrote `data` to its stdout (`fd` 1) or stderr (`fd` 2). */
  pipeDataReceived?(fd: number, data: Buffer): void;
  /** One of the child's pipes closed: `exc` is the error that closed it, or null. */
  pipeConnectionLost?(fd: number, exc: Error | null): void;
  /** The child exited (`transport.getReturncode()` tells how). */
  processExited?(): void;
}

/** A pipe transport of a subprocess: the writing end of its stdin, or the reading end of its stdout or stderr. */
export type PipeTransport = WritePipeTransport | ReadPipeTransport;

function abstract(method: string): NotImplementedError {
  return new NotImplementedError(`${method} is not implemented by this transport`);
}

/**
 * The interface of subprocess transports (`asyncio.SubprocessTransport`): what
 * `loop.subprocessExec` and `loop.subprocessShell` return with the protocol. Its
 * methods throw NotImplementedError until a concrete transport overrides them.
 * Sync, either flavor.
 */
export class SubprocessTransport extends BaseTransport {
  /** The child's process ID (null if it never started). */
  getPid(): number | null {
    throw abstract("getPid()");
  }

  /** How the child exited: its exit code, `-N` after a death by signal N; null while it runs. */
  getReturncode(): number | null {
    throw abstract("getReturncode()");
  }

  /** The pipe transport of the child's `fd` (0, 1 or 2), or null if that stream is not a pipe. */
  getPipeTransport(_fd: number): PipeTransport | null {
    throw abstract("getPipeTransport()");
  }

  /** Sends signal `sig` (a name such as "SIGHUP", or a number) to the child. */
  sendSignal(_sig: NodeJS.Signals | number): void {
    throw abstract("sendSignal()");
  }

  /** Asks the child to exit: SIGTERM (on Windows, TerminateProcess). */
  terminate(): void {
    throw abstract("terminate()");
  }

  /** Kills the child: SIGKILL (on Windows, TerminateProcess). */
  kill(): void {
    throw abstract("kill()");
  }
}

/**
 * Python's `WriteSubprocessPipeProto`: the protocol of a subprocess's pipe transport,
 * reporting to the subprocess transport.
 */
class WriteSubprocessPipeProto implements BaseProtocolLike {
  pipe: PipeTransport | null = null;
  disconnected = false;

  constructor(
    readonly proc: ChildProcessTransport,
    readonly fd: number,
  ) {}

  connectionMade(transport: PipeTransport): void {
    this.pipe = transport;
  }

  connectionLost(exc: Error | null): void {
    this.disconnected = true;
    this.proc._pipeConnectionLost(this.fd, exc);
  }

  pauseWriting(): void {
    this.proc._protocol?.pauseWriting?.();
  }

  resumeWriting(): void {
    this.proc._protocol?.resumeWriting?.();
  }

  toString(): string {
    return `<${this.constructor.name} fd=${this.fd} pipe=${String(this.pipe)}>`;
  }
}

/** Python's `ReadSubprocessPipeProto`. */
class ReadSubprocessPipeProto extends WriteSubprocessPipeProto {
  dataReceived(data: Buffer): void {
    this.proc._pipeDataReceived(this.fd, data);
  }

  eofReceived(): void {}
}

function ignore(): void {}

type ProtocolMethod = "connectionMade" | "pipeDataReceived" | "pipeConnectionLost" | "processExited";

/**
 * The subprocess transport of a Node child process (Python's `_UnixSubprocessTransport`).
 * Made by `loop.subprocessExec` / `loop.subprocessShell`; not constructed by user code.
 * `getExtraInfo("subprocess")` is the Node `ChildProcess`. Sync, either flavor.
 */
export class ChildProcessTransport extends SubprocessTransport {
  /** @internal */ readonly _loop: BaseTrioEventLoop;
  /** @internal */ _protocol: SubprocessProtocolLike | null;
  /** @internal The Context the protocol's callbacks run in. */
  readonly _context: Context;
  /** @internal The child (Python's `_proc`); null once the protocol was told the connection is lost. */
  _child: ChildProcess | null = null;
  /** @internal */ _pid: number | null = null;
  private _returncode: number | null = null;
  private _exitWaiters: Future<number>[] | null = [];
  /** Calls made before `connectionMade` was scheduled, scheduled right after it. */
  private _pendingCalls: [(...args: never[]) => unknown, unknown[]][] | null = [];
  private readonly _pipes = new Map<number, WriteSubprocessPipeProto | null>();
  private _finished = false;
  private _closed = false;
  private readonly _bound = new Map<ProtocolMethod, (...args: unknown[]) => void>();

  /** @internal Spawns the child per `plan`; `waiter` is settled once it runs (or failed to start). */
  constructor(loop: BaseTrioEventLoop, protocol: SubprocessProtocolLike, plan: SpawnPlan, waiter: Future<void>, context: Context, pair: [net.Socket, net.Socket] | null) {
    super();
    this._loop = loop;
    this._protocol = protocol;
    this._context = context;
    if (plan.stdio[0] === "pipe") this._pipes.set(0, null);
    if (plan.stdio[1] === "pipe") this._pipes.set(1, null);
    if (plan.stdio[2] === "pipe" && !plan.mergeStderr) this._pipes.set(2, null);
    const stdio: (string | number | net.Socket)[] = [...plan.stdio];
    if (pair !== null) stdio[1] = stdio[2] = pair[1];
    let child: ChildProcess;
    try {
      child = spawn(plan.file, plan.args, {
        stdio: stdio as ("pipe" | "inherit" | "ignore" | number | net.Socket)[],
        cwd: plan.cwd,
        env: plan.env,
        shell: plan.shell,
        argv0: plan.argv0,
        detached: plan.detached,
        windowsHide: true,
      });
    } catch (error) {
      pair?.[0].destroy();
      throw toSpawnError(error, plan);
    } finally {
      // The child has its own copy of the socket it writes to.
      pair?.[1].destroy();
    }
    this._child = child;
    this._extra.subprocess = child;
    if (child.pid === undefined) {
      // It failed to start (no such program, not executable...): Node says why on the next tick.
      pair?.[0].destroy();
      child.once("error", (error: unknown) => rejectFromHost(waiter, toSpawnError(error, plan)));
      return;
    }
    this._pid = child.pid;
    // Later 'error' events (a refused kill) are reported by sendSignal; never let one crash the process.
    child.on("error", ignore);
    child.on("exit", this._onExit);
    child.unref();
    if (child.stdin !== null) this._connectPipe(0, new WritePipeTransport(loop, child.stdin, this._pipeProto(0, false), context));
    const stdout = pair !== null ? pair[0] : child.stdout;
    if (stdout !== null) this._connectPipe(1, new ReadPipeTransport(loop, stdout, this._pipeProto(1, true), context));
    if (child.stderr !== null) this._connectPipe(2, new ReadPipeTransport(loop, child.stderr, this._pipeProto(2, true), context));
    // After the pipe transports' connectionMade (scheduled by their constructors).
    this._schedule(this._pipesConnected, waiter);
  }

  private _pipeProto(fd: number, read: boolean): WriteSubprocessPipeProto {
    const proto = read ? new ReadSubprocessPipeProto(this, fd) : new WriteSubprocessPipeProto(this, fd);
    this._pipes.set(fd, proto);
    return proto;
  }

  private _connectPipe(fd: number, pipe: PipeTransport): void {
    this._pipes.get(fd)!.pipe = pipe;
  }

  private readonly _onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
    const returncode = code !== null ? code : -(signalNumber(signal ?? "") ?? 0);
    this._schedule(this._processExited, returncode);
  };

  /** Runs `fn(...args)` as a loop callback in the transport's Context (dropped once the loop is closed). */
  private _schedule<A extends unknown[]>(fn: (...args: A) => unknown, ...args: A): void {
    if (this._loop.isClosed()) return;
    this._loop.callSoon(fn, ...args, { context: this._context });
  }

  /** Python's `_call`: a loop callback, held back until `connectionMade` is scheduled. */
  private _call<A extends unknown[]>(fn: (...args: A) => unknown, ...args: A): void {
    if (this._pendingCalls !== null) this._pendingCalls.push([fn, args]);
    else this._schedule(fn, ...args);
  }

  /** A function calling the protocol's `method` (none: nothing), named like it for error reports. */
  private _protocolCall(method: ProtocolMethod): (...args: unknown[]) => void {
    let fn = this._bound.get(method);
    if (fn === undefined) {
      fn = (...args: unknown[]): void => {
        const protocol = this._protocol as Record<string, unknown> | null;
        const callback = protocol?.[method];
        if (typeof callback === "function") (callback as (...a: unknown[]) => unknown).apply(protocol, args);
      };
      Object.defineProperty(fn, "name", { value: `${this._protocol?.constructor?.name ?? "protocol"}.${method}` });
      this._bound.set(method, fn);
    }
    return fn;
  }

  /** Python's end of `_connect_pipes`: `connectionMade`, the calls held back, then the waiter. */
  private readonly _pipesConnected = (waiter: Future<void>): void => {
    this._schedule(this._protocolCall("connectionMade"), this);
    const pending = this._pendingCalls ?? [];
    this._pendingCalls = null;
    for (const [fn, args] of pending) this._schedule(fn as (...a: unknown[]) => unknown, ...args);
    if (!waiter.done()) waiter.setResult(undefined);
  };

  /** @internal */
  _pipeConnectionLost(fd: number, exc: Error | null): void {
    this._call(this._protocolCall("pipeConnectionLost"), fd, exc);
    this._tryFinish();
  }

  /** @internal */
  _pipeDataReceived(fd: number, data: Buffer): void {
    this._call(this._protocolCall("pipeDataReceived"), fd, data);
  }

  private readonly _processExited = (returncode: number): void => {
    if (this._returncode !== null) return;
    this._returncode = returncode;
    this._call(this._protocolCall("processExited"));
    this._tryFinish();
  };

  private _tryFinish(): void {
    if (this._finished || this._returncode === null) return;
    for (const proto of this._pipes.values()) if (proto === null || !proto.disconnected) return;
    this._finished = true;
    this._call(this._callConnectionLost, null);
  }

  private readonly _callConnectionLost = (exc: Error | null): void => {
    const protocol = this._protocol;
    try {
      protocol?.connectionLost?.(exc);
    } finally {
      // Wake up the tasks waiting in wait().
      const waiters = this._exitWaiters ?? [];
      this._exitWaiters = null;
      for (const waiter of waiters) if (!waiter.done()) waiter.setResult(this._returncode!);
      this._child = null;
      this._protocol = null;
    }
  };

  /**
   * @internal Waits until the child exited and the protocol was told the connection is
   * lost; returns the returncode (at once if the child already exited). A cancelled wait
   * leaves the child alone. asyncio-flavored.
   */
  async _wait(call = "SubprocessTransport._wait()"): Promise<number> {
    checkLoopCall(this._loop, call);
    if (this._returncode !== null) return this._returncode;
    const waiter = this._loop.createFuture<number>();
    this._exitWaiters!.push(waiter);
    try {
      return await waiter;
    } finally {
      // A cancelled wait does not stay registered.
      const waiters = this._exitWaiters;
      const index = waiters === null ? -1 : waiters.indexOf(waiter);
      if (index >= 0) waiters!.splice(index, 1);
    }
  }

  // ------------------------------------------------------------ the SubprocessTransport API

  override getPid(): number | null {
    return this._pid;
  }

  override getReturncode(): number | null {
    return this._returncode;
  }

  override getPipeTransport(fd: number): PipeTransport | null {
    return this._pipes.get(fd)?.pipe ?? null;
  }

  /** Whether `close()` was called. */
  override isClosing(): boolean {
    return this._closed;
  }

  /**
   * Closes the pipe transports and, if the child is still running, kills it (SIGKILL);
   * `processExited` and `connectionLost` follow as usual. Calling it again does nothing.
   */
  override close(): void {
    if (this._closed) return;
    this._closed = true;
    for (const proto of this._pipes.values()) proto?.pipe?.close();
    const child = this._child;
    if (child !== null && this._pid !== null && this._returncode === null && child.exitCode === null && child.signalCode === null) {
      if (this._loop.getDebug()) logger.warning(`Close running child process: kill ${String(this)}`);
      try {
        child.kill("SIGKILL");
      } catch {
        // It may have exited meanwhile, or may not be ours to kill (setuid).
      }
    }
  }

  private _checkProc(): ChildProcess {
    if (this._child === null || this._pid === null) throw new ProcessLookupError();
    return this._child;
  }

  /**
   * Sends signal `sig` (a name, or a number; 0 only checks the process exists) to the
   * child. Nothing once the child has exited; ProcessLookupError once the protocol was
   * told the connection is lost; TypeError / ValueError for a bad signal; Node's error as
   * an OSError (PermissionError...) if the OS refuses.
   */
  override sendSignal(sig: NodeJS.Signals | number): void {
    const { number, name } = checkSignal(sig, "sendSignal()", true);
    const child = this._checkProc();
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (name === null && number !== 0) {
      // A signal Node has no name for (a real-time signal): os.kill, as Python does.
      try {
        process.kill(this._pid!, number);
      } catch (error) {
        if ((error as { code?: unknown }).code !== "ESRCH") throw toOSError(error);
      }
      return;
    }
    try {
      killChild(child, name ?? number);
    } catch (error) {
      throw toOSError(error);
    }
  }

  /** `sendSignal("SIGTERM")` (on Windows, Node terminates the process). */
  override terminate(): void {
    this.sendSignal("SIGTERM");
  }

  /** `sendSignal("SIGKILL")` (on Windows, Node terminates the process). */
  override kill(): void {
    this.sendSignal("SIGKILL");
  }

  override setProtocol(protocol: unknown): void {
    if (typeof protocol !== "object" || protocol === null) throw new TypeError(`a protocol object was expected, got ${protocol === null ? "null" : typeof protocol}`);
    this._protocol = protocol;
    this._bound.clear();
  }

  override getProtocol(): SubprocessProtocolLike | null {
    return this._protocol;
  }

  /** `<ChildProcessTransport pid=123 running stdin=<...> stdout=<...>>`, as Python's repr. */
  override toString(): string {
    const info = [this.constructor.name];
    if (this._closed) info.push("closed");
    if (this._pid !== null) info.push(`pid=${this._pid}`);
    if (this._returncode !== null) info.push(`returncode=${this._returncode}`);
    else info.push(this._pid !== null ? "running" : "not started");
    const stdin = this._pipes.get(0);
    if (stdin) info.push(`stdin=${String(stdin.pipe)}`);
    const stdout = this._pipes.get(1);
    const stderr = this._pipes.get(2);
    if (stdout) info.push(`stdout=${String(stdout.pipe)}`);
    if (stderr) info.push(`stderr=${String(stderr.pipe)}`);
    return `<${info.join(" ")}>`;
  }
}

/** Node's spawn error as Python's OSError; a missing working directory is named as such (Node blames the program). */
function toSpawnError(error: unknown, plan: SpawnPlan): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "ENOENT" && plan.cwd !== undefined && !existsSync(plan.cwd)) {
    return toOSError(error, `No such file or directory: the working directory ${JSON.stringify(plan.cwd)} does not exist (${(error as Error).message})`, plan.cwd);
  }
  return toOSError(error);
}

/**
 * Python's `_make_subprocess_transport`: spawns, waits until the pipes are connected and
 * `connectionMade` is scheduled; if that fails or is cancelled, kills the child and
 * waits for it before throwing. asyncio-flavored.
 */
async function makeSubprocessTransport(loop: BaseTrioEventLoop, protocol: SubprocessProtocolLike, plan: SpawnPlan): Promise<ChildProcessTransport> {
  const pair = plan.mergeStderr ? await openSocketPair(loop) : null;
  const waiter = loop.createFuture<void>();
  const transport = new ChildProcessTransport(loop, protocol, plan, waiter, copyContext(), pair);
  try {
    await waiter;
  } catch (error) {
    if (transport._pid !== null) {
      transport.close();
      await transport._wait();
    }
    throw error;
  }
  return transport;
}

/**
 * @internal `loop.subprocessExec(protocolFactory, program, ...args, options?)`: runs
 * `program` with `args` (no shell); `[transport, protocol]` once `connectionMade` ran.
 * stdin, stdout and stderr default to `PIPE`. asyncio-flavored.
 */
export async function subprocessExec<P extends SubprocessProtocolLike>(
  loop: BaseTrioEventLoop,
  protocolFactory: () => P,
  program: PathLike,
  rest: readonly unknown[],
): Promise<[ChildProcessTransport, P]> {
  const call = "loop.subprocessExec()";
  checkLoopCall(loop, call);
  checkProtocolFactory(protocolFactory, call);
  const [args, options] = splitArgs<SubprocessOptions>(rest);
  const plan = planSpawn({ shell: false, program, args }, options, call);
  const protocol = protocolFactory();
  const transport = await makeSubprocessTransport(loop, protocol, plan);
  return [transport, protocol];
}

/**
 * @internal `loop.subprocessShell(protocolFactory, cmd, options?)`: runs the command line
 * `cmd` through the shell (`/bin/sh -c` on Unix, `cmd.exe` on Windows). asyncio-flavored.
 */
export async function subprocessShell<P extends SubprocessProtocolLike>(
  loop: BaseTrioEventLoop,
  protocolFactory: () => P,
  cmd: string,
  options: SubprocessOptions = {},
): Promise<[ChildProcessTransport, P]> {
  const call = "loop.subprocessShell()";
  checkLoopCall(loop, call);
  checkProtocolFactory(protocolFactory, call);
  const plan = planSpawn({ shell: true, cmd }, options, call);
  const protocol = protocolFactory();
  const transport = await makeSubprocessTransport(loop, protocol, plan);
  return [transport, protocol];
}
