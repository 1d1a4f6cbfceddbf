/**
 * The JavaScript that runs in the worker threads of `trio.toThread`, kept as source text:
 * the pool starts each worker with `new Worker(source, { eval: true })`, so the package
 * needs no extra build entry, and the text is the same whether the package was loaded
 * as ESM, as CommonJS, or from TypeScript sources under a test runner.
 *
 * SHARED_SOURCE is also evaluated once on the main thread (see job.ts): validating a
 * shipped function, compiling it, and encoding errors must follow the same rules on both
 * sides of the thread boundary, so they are written once, here. It is plain ES2022 with
 * no template literals (it lives inside one).
 */

/**
 * The helpers both threads use: the body of a function of `deps` (`pathToFileURL`,
 * `resolvePath`) that returns them.
 */
export const SHARED_SOURCE = String.raw`
"use strict";
var ERROR_RECORD = "trio-asyncio:error";
var ERROR_ID = Symbol.for("trio-asyncio.errorId");
var BUILTIN_ERRORS = { Error: Error, TypeError: TypeError, RangeError: RangeError, ReferenceError: ReferenceError,
  SyntaxError: SyntaxError, EvalError: EvalError, URIError: URIError };
var SCOPE_NAMES = ["fromThread", "trio"];
var SHIP_ADVICE = "pass values as arguments, or use { module, export } for code that needs imports";

function describeValue(value) {
  if (value === null) return "null";
  switch (typeof value) {
    case "object":
      return typeof value.then === "function" ? "a Promise" : "an object (" + Object.prototype.toString.call(value) + ")";
    case "function":
      return "a function" + (value.name ? " (" + value.name + ")" : "");
    case "string":
      return "the string " + JSON.stringify(value.length > 40 ? value.slice(0, 37) + "..." : value);
    case "undefined":
      return "undefined";
    case "symbol":
      return "a symbol";
    default:
      return typeof value + " " + String(value);
  }
}

function isThenable(value) {
  return value !== null && (typeof value === "object" || typeof value === "function") && typeof value.then === "function";
}

function compile(source) {
  return new Function(SCOPE_NAMES[0], SCOPE_NAMES[1], "return (" + source + "\n);");
}

/** What a function or a module reference becomes to cross a thread: { kind, source | url + exportName, label }. */
function callableSpec(fn, what) {
  if (isThenable(fn)) {
    throw new TypeError(what + " got a Promise: pass the function itself (and its arguments after it), not the result of calling it");
  }
  if (typeof fn === "function") {
    var label = fn.name ? "function " + fn.name : "an anonymous function";
    var source = Function.prototype.toString.call(fn);
    if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) {
      throw new TypeError(what + ": " + label + " is a native or bound function, whose source cannot be shipped to another thread. " +
        "Wrap the call in a function written in JavaScript (values as arguments), or pass { module, export }.");
    }
    try {
      compile(source);
    } catch (error) {
      throw new TypeError(what + ": the source of " + label + " does not evaluate as a function expression, so it cannot be " +
        "shipped to another thread (a method written in shorthand form, name() {}, or an accessor?). " +
        "Write it as a function or an arrow function, or pass { module, export }.", { cause: error });
    }
    return { kind: "source", source: source, label: label };
  }
  if (fn !== null && typeof fn === "object" && "module" in fn) return moduleSpec(fn, what);
  throw new TypeError(what + " needs a function, or a { module, export } reference to an exported function; got " + describeValue(fn));
}

function moduleSpec(ref, what) {
  var exportName = ref.export === undefined ? "default" : ref.export;
  if (typeof exportName !== "string" || exportName === "") {
    throw new TypeError(what + ": export must be the name of an exported function (default: \"default\"), got " + describeValue(exportName));
  }
  var module = ref.module;
  var url;
  if (module !== null && typeof module === "object" && typeof module.href === "string" && typeof module.protocol === "string") {
    url = module.href;
  } else if (typeof module === "string" && module !== "") {
    // A scheme of two letters or more (file:, node:, data:); a single letter is a Windows drive.
    url = /^[a-zA-Z][a-zA-Z0-9+.-]+:/.test(module) ? module : deps.pathToFileURL(deps.resolvePath(module)).href;
  } else {
    throw new TypeError(what + ": module must be a file path or a file URL (a string or a URL), got " + describeValue(module));
  }
  return { kind: "module", url: url, exportName: exportName, label: "export " + JSON.stringify(exportName) + " of " + url };
}

var compiled = new Map();

/** The function a source spec describes, evaluated with fromThread and trio in scope (cached by source). */
function loadSource(spec, scope) {
  var fn = compiled.get(spec.source);
  if (fn === undefined) {
    fn = compile(spec.source)(scope[0], scope[1]);
    if (compiled.size >= 256) compiled.clear();
    compiled.set(spec.source, fn);
  }
  return fn;
}

function loadModule(spec, importer) {
  return importer(spec.url).then(function (namespace) {
    var fn = namespace[spec.exportName];
    if (typeof fn !== "function") {
      var names = Object.keys(namespace).filter(function (k) { return typeof namespace[k] === "function"; });
      throw new TypeError(spec.label + " is " + (fn === undefined ? "missing" : "not a function (" + describeValue(fn) + ")") +
        (names.length > 0 ? "; the module exports these functions: " + names.join(", ") : ""));
    }
    return fn;
  });
}

/** A ReferenceError for a name the shipped source uses but that only existed where it was written: say why. */
function clarifyReferenceError(error, spec, what, where) {
  if (spec.kind !== "source" || !(error instanceof ReferenceError)) return error;
  var match = /^([\w$\u0080-\uffff]+) is not defined$/.exec(String(error.message));
  if (match === null) return error;
  var name = match[1];
  var used = new RegExp("(^|[^\\w$.\\u0080-\\uffff])" + name.replace(/\$/g, "\\$") + "($|[^\\w$\\u0080-\\uffff])");
  if (!used.test(spec.source)) return error;
  var clear = new ReferenceError(name + " is not defined " + where + ": " + what + " ships " + spec.label +
    " by source, so it cannot use variables of the scope where it was written (closures and imports do not cross threads); " +
    SHIP_ADVICE + ".", { cause: error });
  if (typeof error.stack === "string") {
    var frames = error.stack.indexOf("\n    at ");
    if (frames >= 0) clear.stack = "ReferenceError: " + clear.message + error.stack.slice(frames);
  }
  return clear;
}

function isErrorLike(value) {
  return value instanceof Error || Object.prototype.toString.call(value) === "[object Error]";
}

function safeString(value, fallback) {
  try {
    return typeof value === "string" ? value : value === undefined ? fallback : String(value);
  } catch (e) {
    return fallback;
  }
}

/** A structured-cloneable record of a thrown value: errors keep their name, message, stack, cause and own data. */
function encodeError(error, depth) {
  depth = depth || 0;
  try {
    if (isErrorLike(error)) {
      var record = { t: ERROR_RECORD, kind: "error", name: safeString(error.name, "Error"), message: safeString(error.message, ""),
        stack: typeof error.stack === "string" ? error.stack : undefined, props: {} };
      var id = error[ERROR_ID];
      if (typeof id === "number") record.id = id;
      var keys = Object.keys(error);
      for (var i = 0; i < keys.length; i++) {
        var key = keys[i];
        if (key === "name" || key === "message" || key === "stack" || key === "cause" || key === "errors") continue;
        try {
          record.props[key] = structuredClone(error[key]);
        } catch (e) {
          // Not cloneable (a function, a class instance holding one): left behind.
        }
      }
      if (depth < 8) {
        if ("cause" in error) record.cause = encodeError(error.cause, depth + 1);
        if (Array.isArray(error.errors)) record.errors = error.errors.map(function (e) { return encodeError(e, depth + 1); });
      }
      return record;
    }
    return { t: ERROR_RECORD, kind: "value", value: structuredClone(error) };
  } catch (e) {
    return { t: ERROR_RECORD, kind: "error", name: "TypeError", props: {},
      message: "a thrown value could not be sent to another thread (it is not structured-cloneable): " + describeValue(error) };
  }
}

function defineHidden(target, key, value) {
  Object.defineProperty(target, key, { value: value, writable: true, configurable: true, enumerable: false });
}

/** The error a record describes; lookup(id) may return the original object for errors that crossed before. */
function decodeError(record, lookup) {
  if (record === null || typeof record !== "object" || record.t !== ERROR_RECORD) return record;
  if (record.id !== undefined && lookup) {
    var original = lookup(record.id);
    if (original !== undefined) return original;
  }
  if (record.kind === "value") return record.value;
  var Ctor = Object.prototype.hasOwnProperty.call(BUILTIN_ERRORS, record.name) ? BUILTIN_ERRORS[record.name] : Error;
  var errors = Array.isArray(record.errors) ? record.errors.map(function (e) { return decodeError(e, lookup); }) : undefined;
  var error = record.name === "AggregateError" && errors !== undefined ? new AggregateError(errors, record.message) : new Ctor(record.message);
  if (error.name !== record.name) defineHidden(error, "name", record.name);
  if (record.stack !== undefined) defineHidden(error, "stack", record.stack);
  if ("cause" in record) defineHidden(error, "cause", decodeError(record.cause, lookup));
  if (errors !== undefined && !(error instanceof AggregateError)) defineHidden(error, "errors", errors);
  var keys = Object.keys(record.props);
  for (var i = 0; i < keys.length; i++) error[keys[i]] = record.props[keys[i]];
  if (record.id !== undefined) defineHidden(error, ERROR_ID, record.id);
  return error;
}

return { describeValue: describeValue, isThenable: isThenable, callableSpec: callableSpec, loadSource: loadSource,
  loadModule: loadModule, clarifyReferenceError: clarifyReferenceError, encodeError: encodeError, decodeError: decodeError };
`;

/** Indexes in each worker's shared Int32Array. */
export const FLAG_REPLY = 0;
export const FLAG_CANCEL = 1;
export const FLAG_COUNT = 2;

/** The key under which a worker publishes its bridge for the package's `trio.fromThread`. */
export const BRIDGE_KEY = "trio-asyncio.fromThread";

/**
 * The worker's program. Messages: main -> worker `{ type: "job", jobId, job, args }` on
 * the worker's own port; worker -> main `{ type: "done", jobId, ok, value | error }` and
 * `{ type: "call", jobId, callId, kind, fn, args }`; main -> worker replies
 * `{ type: "reply", callId, ok, value | error }` and `{ type: "cancelled", jobId, error }`
 * on the reply port, which the worker reads synchronously while it blocks in
 * `Atomics.wait` (a blocked thread runs no event loop). The worker needs nothing but
 * Node's built-in modules.
 */
export const BOOTSTRAP_SOURCE =
  String.raw`
"use strict";
// Evaluated as a script or, when the process runs with --input-type=module (which
// workers inherit), as a module: so no require, no top-level await, no import statement.
(async () => {
const { parentPort, workerData, receiveMessageOnPort } = await import("node:worker_threads");
const { pathToFileURL } = await import("node:url");
const { resolve: resolvePath } = await import("node:path");
const shared = (function (deps) {` +
  SHARED_SOURCE +
  String.raw`})({ pathToFileURL: pathToFileURL, resolvePath: resolvePath });
const replyPort = workerData.replyPort;
const flags = new Int32Array(workerData.flags);
const REPLY = ${FLAG_REPLY};
const CANCEL = ${FLAG_CANCEL};
const OUTSIDE = " only works inside a job started by trio.toThread.runSync(), in its worker thread while the job runs: " +
  "no job is running in this worker now";
let current = null;
let nextCallId = 0;

function runtimeError(message) {
  const error = new Error(message);
  Object.defineProperty(error, "name", { value: "RuntimeError", writable: true, configurable: true, enumerable: false });
  return error;
}

/** The next message on the reply port that is not a cancellation notice (those are recorded for the job). */
function poll() {
  for (;;) {
    const got = receiveMessageOnPort(replyPort);
    if (got === undefined) return undefined;
    const message = got.message;
    if (message.type === "cancelled") {
      if (current !== null && message.jobId === current.jobId) current.cancelled = message.error;
      continue;
    }
    return message;
  }
}

function callTrio(kind, what, fn, args) {
  if (current === null) throw runtimeError(what + OUTSIDE);
  const spec = shared.callableSpec(fn, what);
  const callId = ++nextCallId;
  Atomics.store(flags, REPLY, 0);
  try {
    parentPort.postMessage({ type: "call", jobId: current.jobId, callId: callId, kind: kind, fn: spec, args: args });
  } catch (error) {
    throw new TypeError(what + ": the arguments could not be sent to the Trio thread (they must be structured-cloneable): " +
      String(error && error.message), { cause: error });
  }
  for (;;) {
    const message = poll();
    if (message !== undefined) {
      if (message.type !== "reply" || message.callId !== callId) continue;
      if (message.ok) return message.value;
      throw shared.decodeError(message.error);
    }
    // The main thread posts the reply, then raises the flag: a raised flag with no
    // message left is stale (an earlier reply read before its flag went up).
    if (Atomics.load(flags, REPLY) !== 0) {
      Atomics.store(flags, REPLY, 0);
      continue;
    }
    Atomics.wait(flags, REPLY, 0);
  }
}

function checkCancelled() {
  const what = "trio.fromThread.checkCancelled()";
  if (current === null) throw runtimeError(what + OUTSIDE);
  // The flag holds the id of the last job whose caller was cancelled (maybe before this job even started here).
  if (Atomics.load(flags, CANCEL) !== current.jobId) return;
  poll();
  if (current.cancelled !== null) throw shared.decodeError(current.cancelled);
}

const fromThread = Object.freeze({
  run: (fn, ...args) => callTrio("run", "trio.fromThread.run()", fn, args),
  runSync: (fn, ...args) => callTrio("runSync", "trio.fromThread.runSync()", fn, args),
  checkCancelled: checkCancelled,
});

// What a shipped job sees as "trio": only fromThread reaches the Trio run from here.
const trio = new Proxy(Object.freeze({ fromThread: fromThread }), {
  get(target, key) {
    if (key in target || typeof key === "symbol" || key === "then") return target[key];
    throw new TypeError("trio." + String(key) + " is not available in a worker thread: a job reaches its Trio run only through " +
      "trio.fromThread, for example trio.fromThread.runSync(() => trio.currentTime())");
  },
});

Object.defineProperty(globalThis, Symbol.for("${BRIDGE_KEY}"), {
  value: Object.freeze({
    version: 1,
    active: () => current !== null,
    run: (fn, args) => callTrio("run", "trio.fromThread.run()", fn, args),
    runSync: (fn, args) => callTrio("runSync", "trio.fromThread.runSync()", fn, args),
    checkCancelled: checkCancelled,
  }),
});

function postDone(jobId, ok, value) {
  if (ok) {
    try {
      parentPort.postMessage({ type: "done", jobId: jobId, ok: true, value: value });
      return;
    } catch (error) {
      value = new TypeError("trio.toThread.runSync(): the job's result could not be sent back to the Trio thread " +
        "(it must be structured-cloneable): " + String(error && error.message), { cause: error });
    }
  }
  parentPort.postMessage({ type: "done", jobId: jobId, ok: false, error: shared.encodeError(value) });
}

async function runJob(message) {
  const job = { jobId: message.jobId, cancelled: null };
  current = job;
  let ok = true;
  let value;
  try {
    const fn = message.job.kind === "source"
      ? shared.loadSource(message.job, [fromThread, trio])
      : await shared.loadModule(message.job, (url) => import(url));
    value = await fn(...message.args);
  } catch (error) {
    ok = false;
    value = shared.clarifyReferenceError(error, message.job, "trio.toThread.runSync()", "in the worker thread");
  }
  if (current === job) current = null;
  postDone(message.jobId, ok, value);
}

// Messages that arrived before this point were queued by the port.
parentPort.on("message", (message) => {
  if (message.type === "job") void runJob(message);
});
})();
`;
