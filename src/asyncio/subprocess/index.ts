/**
 * asyncio's subprocesses on `node:child_process`: the subprocess transport and its pipe
 * transports, the loop methods (`loop.subprocessExec` / `loop.subprocessShell` delegate
 * here), and the high-level `createSubprocessExec` / `createSubprocessShell` API.
 */
export { DEVNULL, PIPE, STDOUT, type StderrOption, type StdioOption } from "./constants.js";
export type { CreateSubprocessOptions, PathLike, SubprocessOptions } from "./options.js";
export { ReadPipeTransport, WritePipeTransport } from "./pipe-transports.js";
export { connectReadPipe, connectWritePipe } from "./connect-pipe.js";
export {
  ChildProcessTransport,
  SubprocessTransport,
  subprocessExec,
  subprocessShell,
  type PipeTransport,
  type SubprocessProtocolLike,
} from "./transport.js";
export { createSubprocessExec, createSubprocessShell, Process, SubprocessStreamProtocol } from "./process.js";
