/**
 * Async library detection with sniffio's API: `currentAsyncLibrary()` says "trio" or
 * "asyncio" depending on the flavor of the calling code. Sync, either flavor.
 * @packageDocumentation
 */
export {
  AsyncLibraryNotFoundError,
  currentAsyncLibrary,
  currentAsyncLibraryVar,
  threadLocal,
  withAsyncLibrary,
} from "./sniffio.js";
