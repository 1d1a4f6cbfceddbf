/**
 * Context variables with PEP 567 semantics, on one AsyncLocalStorage. Sync, either flavor.
 * @packageDocumentation
 */
export { Context, copyContext } from "./context.js";
export { ContextVar, Token, type ContextVarOptions } from "./context-var.js";
export { LookupError } from "../errors/builtins.js";
