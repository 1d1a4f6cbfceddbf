/**
 * The arguments of `loop.subprocessExec` / `loop.subprocessShell` (and of
 * `asyncio.createSubprocessExec` / `createSubprocessShell`): their validation, with the
 * errors Python's `base_events.subprocess_exec` / `subprocess_shell` and
 * `subprocess.Popen` raise, and the spawn request they make for `node:child_process`.
 */
import { NotImplementedError, ValueError } from "../../errors/builtins.js";
import { describeValue } from "../../errors/describe.js";
import { fspath, type PathArg } from "../../loop/fspath.js";
import { DEVNULL, PIPE, STDOUT, type StderrOption, type StdioOption } from "./constants.js";

/** A path: a string, a `file:` URL, or an object with `fspath()` (a `trio.Path`, Python's `os.PathLike`); the paths both flavors take. */
export type PathLike = PathArg;

/**
 * Options of `loop.subprocessExec` and `loop.subprocessShell`. Popen's options that Node's
 * `child_process` cannot honour (`preexecFn`, `passFds`, `user`, `group`, `umask`,
 * `processGroup`, `closeFds: false`...) throw NotImplementedError unless given the value
 * that means what Node does anyway; unknown names throw TypeError.
 */
export interface SubprocessOptions {
  /** The child's standard input (default `PIPE` for the loop methods, `null` — inherit — for `createSubprocess*`). */
  stdin?: StdioOption;
  /** The child's standard output (same defaults). */
  stdout?: StdioOption;
  /** The child's standard error (same defaults); `STDOUT` sends it where stdout goes. */
  stderr?: StderrOption;
  /** The child's working directory (default: this process's). */
  cwd?: PathLike | null;
  /** The child's environment (default: `process.env`); values are strings. */
  env?: Readonly<Record<string, string | undefined>> | null;
  /** Run the child in a new session, as `setsid()` (Node's `detached` on Unix). */
  startNewSession?: boolean;
  /**
   * The program to run instead of the first argument, which then only names the process
   * (its `argv[0]`); with a shell command, the shell to use instead of `/bin/sh`.
   */
  executable?: PathLike | null;
  /** Refused unless false: transports carry bytes (Python's ValueError). */
  universalNewlines?: boolean;
  /** Must be false for `subprocessExec`, true for `subprocessShell` (ValueError otherwise). */
  shell?: boolean;
  /** Must be 0 (ValueError otherwise). */
  bufsize?: number;
  /** Refused unless false (ValueError). */
  text?: boolean | null;
  /** Refused unless null (ValueError). */
  encoding?: string | null;
  /** Refused unless null (ValueError). */
  errors?: string | null;
}

/** Options of `asyncio.createSubprocessExec` / `createSubprocessShell`: the loop methods' and the readers' `limit`. */
export interface CreateSubprocessOptions extends SubprocessOptions {
  /** The StreamReaders' limit (default 64 KiB). */
  limit?: number;
}

/** Node's spelling of one stdio slot. */
export type NodeStdio = "pipe" | "inherit" | "ignore" | number;

/** @internal A validated spawn request. */
export interface SpawnPlan {
  /** What Node spawns: the program, or the shell command line. */
  file: string;
  args: string[];
  /** Run `file` through a shell: true (`/bin/sh`), or the shell to use. */
  shell: boolean | string;
  argv0: string | undefined;
  stdio: [NodeStdio, NodeStdio, NodeStdio];
  /** stderr goes to a piped stdout: both get the writing end of one socket pair. */
  mergeStderr: boolean;
  cwd: string | undefined;
  env: Record<string, string> | undefined;
  detached: boolean;
  /** The program (or command line), for messages. */
  program: string;
}

const KNOWN = new Set([
  "stdin",
  "stdout",
  "stderr",
  "cwd",
  "env",
  "startNewSession",
  "executable",
  "universalNewlines",
  "shell",
  "bufsize",
  "text",
  "encoding",
  "errors",
]);

/**
 * Popen options Node's `child_process` has no counterpart for: accepted only with the
 * value that means "what Node does anyway".
 */
const UNAVAILABLE: Readonly<Record<string, (value: unknown) => boolean>> = {
  closeFds: (v) => v === true, // Node never lets the child inherit other descriptors
  passFds: (v) => Array.isArray(v) && v.length === 0,
  restoreSignals: (v) => v === true, // libuv resets every signal in the child
  preexecFn: (v) => v === null,
  processGroup: (v) => v === null,
  user: (v) => v === null,
  group: (v) => v === null,
  extraGroups: (v) => v === null,
  umask: (v) => v === -1,
  pipesize: (v) => v === -1,
  startupinfo: (v) => v === null,
  creationflags: (v) => v === 0,
};

/** @internal The option keys `call` takes (for its TypeError on unknown ones). */
export function checkOptionKeys(options: object, call: string, extra: readonly string[] = []): void {
  for (const [key, value] of Object.entries(options)) {
    if (KNOWN.has(key) || extra.includes(key)) continue;
    const accepted = UNAVAILABLE[key];
    if (accepted !== undefined) {
      if (value === undefined || accepted(value)) continue;
      throw new NotImplementedError(
        `${call}: the ${key} option is not available: Node's child_process has no counterpart (${key}: ${describeValue(value)})`,
      );
    }
    throw new TypeError(`${call} got an unexpected option '${key}'`);
  }
}

/**
 * @internal Splits `[...args, options?]`: a trailing plain object is the options (unless
 * it is a path-like object, with `fspath()`).
 */
export function splitArgs<O extends object>(rest: readonly unknown[]): [unknown[], O] {
  const last = rest[rest.length - 1];
  if (typeof last === "object" && last !== null && typeof (last as { fspath?: unknown }).fspath !== "function") {
    const proto: unknown = Object.getPrototypeOf(last);
    if (proto === Object.prototype || proto === null) return [rest.slice(0, -1), last as O];
  }
  return [[...rest], {} as O];
}

/** @internal A path argument as a string: TypeError for anything else (Python's message), ValueError for a NUL. */
export function toPath(value: unknown, what: string): string {
  const path = fspath(value, what);
  if (path.includes("\0")) throw new ValueError(`${what}: embedded null byte`);
  return path;
}

function checkStdio(value: unknown, name: string, call: string): NodeStdio {
  if (value === null || value === "inherit") return "inherit";
  if (value === PIPE || value === DEVNULL) return value;
  let fd: unknown = value;
  if (typeof value === "object" && value !== null && typeof (value as { fileno?: unknown }).fileno === "function") fd = (value as { fileno(): unknown }).fileno();
  if (typeof fd === "number") {
    if (!Number.isInteger(fd) || fd < 0) throw new ValueError(`${call}: ${name} must be a file descriptor (an integer >= 0), got ${fd}`);
    return fd;
  }
  if (value === STDOUT) throw new ValueError(`${call}: STDOUT is only valid for stderr`);
  throw new TypeError(`${call}: ${name} must be PIPE, DEVNULL, null, a file descriptor or an object with fileno(), got ${describeValue(value)}`);
}

/**
 * @internal Python's checks of `subprocess_exec` / `subprocess_shell` (ValueError for the
 * text-mode options and a wrong `shell`), then Popen's (TypeError for bad types), and the
 * spawn request. A missing (undefined) stdin, stdout or stderr means `PIPE`, as in the
 * loop methods; `null` means inherit.
 */
export function planSpawn(command: { shell: false; program: unknown; args: readonly unknown[] } | { shell: true; cmd: unknown }, options: SubprocessOptions, call: string): SpawnPlan {
  if (typeof options !== "object" || options === null) throw new TypeError(`${call}: the options must be an object, got ${describeValue(options)}`);
  if (command.shell && typeof command.cmd !== "string") throw new ValueError("cmd must be a string");
  if (options.universalNewlines) throw new ValueError("universalNewlines must be false");
  if (command.shell) {
    if (options.shell !== undefined && !options.shell) throw new ValueError("shell must be true");
  } else if (options.shell) {
    throw new ValueError("shell must be false");
  }
  if (options.bufsize !== undefined && options.bufsize !== 0) throw new ValueError("bufsize must be 0");
  if (options.text) throw new ValueError("text must be false");
  if (options.encoding !== undefined && options.encoding !== null) throw new ValueError("encoding must be null");
  if (options.errors !== undefined && options.errors !== null) throw new ValueError("errors must be null");
  checkOptionKeys(options, call);

  const executable = options.executable === undefined || options.executable === null ? undefined : toPath(options.executable, `${call}: executable`);
  let file: string;
  let args: string[];
  let shell: boolean | string = false;
  let argv0: string | undefined;
  let program: string;
  if (command.shell) {
    file = program = command.cmd as string;
    if (file.includes("\0")) throw new ValueError("embedded null byte");
    args = [];
    shell = executable ?? true;
  } else {
    program = toPath(command.program, call);
    args = command.args.map((arg) => toPath(arg, call));
    if (executable !== undefined) {
      file = executable;
      argv0 = program;
    } else {
      file = program;
    }
  }

  const stdin = checkStdio(options.stdin === undefined ? PIPE : options.stdin, "stdin", call);
  const stdout = checkStdio(options.stdout === undefined ? PIPE : options.stdout, "stdout", call);
  let stderr: NodeStdio;
  let mergeStderr = false;
  if (options.stderr === STDOUT) {
    // Python: stderr goes wherever stdout goes; an inherited stdout is our fd 1.
    if (stdout === PIPE) mergeStderr = true;
    stderr = stdout === "inherit" ? 1 : stdout;
  } else {
    stderr = checkStdio(options.stderr === undefined ? PIPE : options.stderr, "stderr", call);
  }

  const cwd = options.cwd === undefined || options.cwd === null ? undefined : toPath(options.cwd, `${call}: cwd`);
  let env: Record<string, string> | undefined;
  if (options.env !== undefined && options.env !== null) {
    if (typeof options.env !== "object") throw new TypeError(`${call}: env must be an object of strings, got ${describeValue(options.env)}`);
    env = {};
    for (const [key, value] of Object.entries(options.env)) {
      if (value === undefined) continue;
      if (typeof value !== "string") throw new TypeError(`${call}: env[${JSON.stringify(key)}] must be a string, not ${describeValue(value)}`);
      if (key.includes("\0") || value.includes("\0")) throw new ValueError("embedded null byte");
      env[key] = value;
    }
  }
  const startNewSession = options.startNewSession ?? false;
  if (typeof startNewSession !== "boolean") throw new TypeError(`${call}: startNewSession must be a boolean, got ${describeValue(startNewSession)}`);
  return { file, args, shell, argv0, stdio: [stdin, stdout, stderr], mergeStderr, cwd, env, detached: startNewSession, program };
}
