/**
 * What a cancel scope catches: every `Cancelled` in an error, including inside
 * ExceptionGroups (nurseries) and SuppressedErrors (`await using` builds one when a
 * resource's disposal throws while the block is already unwinding, for example a
 * disposal that is cancelled while the block unwinds from a Cancelled).
 */
import { ExceptionGroup, collapseExceptionGroup } from "../errors/exception-group.js";
import { Cancelled } from "./errors.js";

/** @internal Marks "no exception" where `undefined` could be a thrown value. */
export const NO_ERROR: unique symbol = Symbol("NO_ERROR");

interface SuppressedErrorLike extends Error {
  error: unknown;
  suppressed: unknown;
}

/** Native SuppressedError, or the one TypeScript's `using` helper builds on Node 20. */
function isSuppressedError(e: unknown): e is SuppressedErrorLike {
  return e instanceof Error && e.name === "SuppressedError" && "error" in e && "suppressed" in e;
}

function isCancelledLike(e: unknown): boolean {
  return e instanceof Cancelled || (isSuppressedError(e) && isCancelledLike(e.error) && isCancelledLike(e.suppressed));
}

function makeSuppressed(error: unknown, suppressed: unknown, message: string): Error {
  const Native = (globalThis as { SuppressedError?: new (e: unknown, s: unknown, m: string) => Error }).SuppressedError;
  if (Native !== undefined) return new Native(error, suppressed, message);
  return Object.assign(new Error(message), { name: "SuppressedError", error, suppressed });
}

/**
 * @internal Removes every Cancelled from `error`: returns whether there was one, and
 * what remains (NO_ERROR when nothing does).
 */
export function removeCancelled(error: unknown): [matched: boolean, rest: unknown] {
  if (error instanceof Cancelled) return [true, NO_ERROR];
  if (isSuppressedError(error)) {
    const [m1, r1] = removeCancelled(error.error);
    const [m2, r2] = removeCancelled(error.suppressed);
    if (!m1 && !m2) return [false, error];
    if (r1 === NO_ERROR) return [true, r2];
    if (r2 === NO_ERROR) return [true, r1];
    return [true, makeSuppressed(r1, r2, error.message)];
  }
  if (error instanceof ExceptionGroup) {
    // A SuppressedError that mixes a Cancelled with another error inside a group is left
    // whole: groups are split on whole members, keeping their shape.
    const [matched, rest] = error.split(isCancelledLike);
    if (matched === undefined) return [false, error];
    return [true, rest === undefined ? NO_ERROR : collapseExceptionGroup(rest)];
  }
  return [false, error];
}

/**
 * @internal Splits an error into its `trio.Cancelled` part and the rest (NO_ERROR for
 * none), as Python's `exc.split(trio.Cancelled)`: group members are split whole.
 */
export function splitCancelled(error: unknown): [cancelled: unknown, rest: unknown] {
  if (error instanceof Cancelled) return [error, NO_ERROR];
  if (error instanceof ExceptionGroup) {
    const [match, rest] = error.split(Cancelled);
    return [match === undefined ? NO_ERROR : collapseExceptionGroup(match), rest === undefined ? NO_ERROR : collapseExceptionGroup(rest)];
  }
  return [NO_ERROR, error];
}
