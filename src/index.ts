/**
 * trio-asyncio for TypeScript: Trio-flavored structured concurrency and asyncio-flavored
 * event loops in one Node.js program, with explicit adapters between them.
 * @packageDocumentation
 */
export * from "./decorators/index.js";
export * as contextvars from "./contextvars/index.js";
export * as trio from "./trio/index.js";
export * as asyncio from "./asyncio/index.js";
export * as sniffio from "./flavor/index.js";
export { FlavorError, type Flavor } from "./flavor/flavor-error.js";
export { currentAsyncLibrary, AsyncLibraryNotFoundError } from "./flavor/sniffio.js";
export { ExceptionGroup } from "./errors/exception-group.js";
export { asyncWith, isAsyncContextManager, type AsyncContextManager } from "./loop/async-context-manager.js";
export { RuntimeError, ValueError, LookupError, KeyError, NotImplementedError } from "./errors/builtins.js";
export {
  BrokenPipeError,
  ConnectionAbortedError,
  ConnectionError,
  ConnectionResetError,
  FileExistsError,
  FileNotFoundError,
  IsADirectoryError,
  NotADirectoryError,
  OSError,
  PermissionError,
  ProcessLookupError,
} from "./errors/os-errors.js";
