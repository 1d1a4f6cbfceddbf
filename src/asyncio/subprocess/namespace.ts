/**
 * `asyncio.subprocess`, read as Python's module: `asyncio.subprocess.PIPE`, `STDOUT`,
 * `DEVNULL`, `Process`, `createSubprocessExec`, `createSubprocessShell`,
 * `SubprocessStreamProtocol`.
 * @packageDocumentation
 */
export { DEVNULL, PIPE, STDOUT, type StderrOption, type StdioOption } from "./constants.js";
export { createSubprocessExec, createSubprocessShell, Process, SubprocessStreamProtocol } from "./process.js";
export type { CreateSubprocessOptions } from "./options.js";
