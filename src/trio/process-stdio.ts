/**
 * The options of `trio.lowlevel.openProcess` and `trio.runProcess`: what each standard
 * stream of the child connects to, their validation (with Python's `subprocess` errors),
 * and the socket pair that lets stderr share a captured stdout.
 */
import net from "node:net";
import { ValueError } from "../errors/builtins.js";
import { describeValue } from "../errors/describe.js";
import { makeSocketPair } from "../loop/socket-pair.js";
import type { Task } from "../loop/task.js";
import { EventWaiter } from "./node-streams.js";
import { inRunFrame } from "./tcp-connect.js";

/**
 * What one of the child's standard streams connects to:
 * - `"pipe"`: a new pipe; the `Process` gets a Trio stream for our end (Python's `PIPE`);
 * - `"inherit"` or `null`: the same stream as this process (Python's `None`, the default);
 * - `"ignore"`: the null device (Python's `DEVNULL`);
 * - a file descriptor open in this process (a number; from a `FileHandle`, use `handle.fd`).
 */
export type StdioOption = "pipe" | "inherit" | "ignore" | number | null;

/** `StdioOption`, or `"stdout"` for stderr: the child's stderr goes wherever its stdout goes (Python's `STDOUT`). */
export type StderrOption = StdioOption | "stdout";

/**
 * Python's `subprocess` constants, for code ported from Python:
 * `const { PIPE, DEVNULL, STDOUT } = trio.subprocessConstants;` then
 * `{ stdout: PIPE, stderr: STDOUT }`. They are the strings the options take (`"pipe"`,
 * `"ignore"`, `"stdout"`, `"inherit"`), which read just as well written out.
 */
export const subprocessConstants = Object.freeze({
  /** A new pipe (`"pipe"`). */
  PIPE: "pipe",
  /** The null device (`"ignore"`, Node's name for it). */
  DEVNULL: "ignore",
  /** For stderr only: the same place as stdout (`"stdout"`). */
  STDOUT: "stdout",
  /** This process's own stream (`"inherit"`; also what `null` means, as Python's `None`). */
  INHERIT: "inherit",
} as const);

/** Options of `trio.lowlevel.openProcess`. */
export interface OpenProcessOptions {
  /** The child's standard input (default `"inherit"`). */
  stdin?: StdioOption;
  /** The child's standard output (default `"inherit"`). */
  stdout?: StdioOption;
  /** The child's standard error (default `"inherit"`); `"stdout"` merges it into stdout. */
  stderr?: StderrOption;
  /** The child's working directory (default: this process's). */
  cwd?: string | URL;
  /** The child's environment (default: `process.env`). */
  env?: NodeJS.ProcessEnv;
  /**
   * Run `command`, a string, through a shell (`/bin/sh -c` on Unix, `cmd.exe` on
   * Windows); a string names the shell to use. Default false: `command` is an array
   * `[file, ...args]`, run without a shell.
   */
  shell?: boolean | string;
}

/** Node's spelling of one stdio slot. */
type NodeStdio = "pipe" | "inherit" | "ignore" | number | net.Socket;

/** @internal A validated spawn request. */
export interface SpawnPlan {
  file: string;
  args: string[];
  /** The command as given, kept as `Process.args`. */
  command: readonly string[] | string;
  stdio: [NodeStdio, NodeStdio, NodeStdio];
  /** stderr goes to a piped stdout: both get one end of a socket pair. */
  mergeIntoStdoutPipe: boolean;
  cwd: string | URL | undefined;
  env: NodeJS.ProcessEnv | undefined;
  shell: boolean | string;
}

const OPEN_KEYS = new Set(["stdin", "stdout", "stderr", "cwd", "env", "shell"]);
const TEXT_KEYS = ["universal_newlines", "universalNewlines", "text", "encoding", "errors", "bufsize"];

/**
 * @internal Rejects option keys outside `allowed`, as Python rejects unknown keyword
 * arguments (with Trio's message for the text-mode options, which it does not support).
 */
export function checkOptionKeys(options: object, allowed: ReadonlySet<string>, call: string): void {
  for (const key of TEXT_KEYS) {
    if ((options as Record<string, unknown>)[key]) {
      throw new TypeError(`trio.Process only supports communicating over unbuffered byte streams; the '${key}' option is not supported`);
    }
  }
  for (const key of Object.keys(options)) {
    if (!allowed.has(key) && !TEXT_KEYS.includes(key)) throw new TypeError(`${call}: unknown option ${JSON.stringify(key)}`);
  }
}

/** @internal `OpenProcessOptions` keys. */
export const OPEN_PROCESS_KEYS: ReadonlySet<string> = OPEN_KEYS;

function checkStdio(value: unknown, name: string, call: string): NodeStdio {
  if (value === undefined || value === null || value === "inherit") return "inherit";
  if (value === "pipe" || value === "ignore") return value;
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 0) throw new ValueError(`${call}: ${name} must be a file descriptor (an integer >= 0), got ${value}`);
    return value;
  }
  if (value === "stdout") throw new ValueError(`${call}: "stdout" is only valid for stderr`);
  throw new TypeError(
    `${call}: ${name} must be "pipe", "inherit", "ignore", a file descriptor or null, got ${describeValue(value)}` +
      (name === "stdin" && typeof value === "string" ? " (to send data to the child, use runProcess with input)" : ""),
  );
}

/** @internal Validates `command` and `options` of openProcess (TypeError / ValueError, as Python's `subprocess`). */
export function planSpawn(command: unknown, options: OpenProcessOptions, call: string): SpawnPlan {
  if (typeof options !== "object" || options === null) throw new TypeError(`${call}: options must be an object, got ${describeValue(options)}`);
  checkOptionKeys(options, OPEN_KEYS, call);
  const shell = options.shell ?? false;
  if (typeof shell !== "boolean" && typeof shell !== "string") throw new TypeError(`${call}: shell must be a boolean or the path of a shell, got ${describeValue(shell)}`);
  let file: string;
  let args: string[];
  let kept: readonly string[] | string;
  if (shell !== false) {
    if (typeof command !== "string") throw new TypeError(`${call}: command must be a string (not an array) if shell is set`);
    checkNoNul(command, call);
    file = command;
    args = [];
    kept = command;
  } else {
    if (typeof command === "string") {
      throw new TypeError(`${call}: command must be an array [file, ...args] (not a string) if shell is false; pass shell: true to run a command line`);
    }
    if (!Array.isArray(command)) throw new TypeError(`${call}: command must be an array [file, ...args], got ${describeValue(command)}`);
    if (command.length === 0) throw new ValueError(`${call}: command must not be empty: it needs at least the program to run`);
    for (const arg of command as unknown[]) {
      if (typeof arg !== "string") throw new TypeError(`${call}: every element of command must be a string, got ${describeValue(arg)}`);
      checkNoNul(arg, call);
    }
    const list = [...(command as string[])];
    file = list[0];
    args = list.slice(1);
    kept = Object.freeze(list);
  }
  const stdin = checkStdio(options.stdin, "stdin", call);
  const stdout = checkStdio(options.stdout, "stdout", call);
  let stderr: NodeStdio;
  let mergeIntoStdoutPipe = false;
  if (options.stderr === "stdout") {
    // Python: stderr goes wherever stdout goes; `None` stdout means our own stdout (fd 1).
    if (stdout === "pipe") mergeIntoStdoutPipe = true;
    stderr = stdout === "inherit" ? 1 : stdout;
  } else {
    stderr = checkStdio(options.stderr, "stderr", call);
  }
  return { file, args, command: kept, stdio: [stdin, stdout, stderr], mergeIntoStdoutPipe, cwd: options.cwd, env: options.env, shell };
}

function checkNoNul(arg: string, call: string): void {
  if (arg.includes("\0")) throw new ValueError(`${call}: embedded null byte in ${JSON.stringify(arg)}`);
}

/**
 * @internal Two connected local sockets, `[reader, writer]` (see src/loop/socket-pair.ts):
 * the child gets `writer` as stdout and stderr; we read from `reader`. Not cancellable (the
 * caller shields it): it only waits for a loopback connection.
 */
export async function openSocketPair(task: Task): Promise<[net.Socket, net.Socket]> {
  const waiter = new EventWaiter();
  let result = null as { error: unknown; pair: [net.Socket, net.Socket] | null } | null;
  // In the run's frame: the sockets outlive this task.
  inRunFrame(task, () =>
    makeSocketPair("trio-stdout", (error, pair) => {
      result = { error, pair };
      waiter.wake();
    }),
  );
  while (result === null) await waiter.wait(task, "openProcess() (making the stdout pipe)");
  if (result.pair === null) throw result.error;
  return result.pair;
}
