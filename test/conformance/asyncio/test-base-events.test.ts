// Ported from CPython Lib/test/test_asyncio/test_base_events.py (the callback, timer,
// run/stop/close, exception handler, task factory and debug parts of BaseEventLoopTests,
// and RunningLoopTests; Python 3.14 version). Python tests a bare BaseEventLoop with a
// mocked selector and drives it with `_run_once()`; here each test runs a
// SyncTrioEventLoop on a MockClock, and one `_run_once()` / `test_utils.run_briefly(loop)`
// becomes `runBriefly`: one `runUntilComplete` of an empty task. Sockets, subprocesses,
// executors, threads, signals and async generators are not part of this port: see the
// list at the end of the file.
import v8 from "node:v8";
import vm from "node:vm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as asyncio from "../../../src/asyncio/index.js";
import { RuntimeError, ValueError } from "../../../src/errors/builtins.js";
import { MockClock } from "../../../src/loop/mock-clock.js";

const { Handle, Task, TimerHandle } = asyncio;

v8.setFlagsFromString("--expose-gc");
const forceGc = vm.runInNewContext("gc") as () => void;

/** `support.gc_collect()`: full collections, then host turns so finalizers run. */
async function collect(): Promise<void> {
  for (let i = 0; i < 4; i++) {
    forceGc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Python's `1/0`. */
class ZeroDivisionError extends Error {}

function zeroDivision(): never {
  throw new ZeroDivisionError("division by zero");
}

function newTestLoop(): asyncio.SyncTrioEventLoop {
  return new asyncio.SyncTrioEventLoop({ clock: new MockClock({ autojumpThreshold: 0 }) });
}

/** `test_utils.run_briefly(loop)`, and this port's `loop._run_once()`. */
async function runBriefly(loop: asyncio.SyncTrioEventLoop): Promise<void> {
  await loop.runUntilComplete(async () => {});
}

/** `mock.patch('asyncio.base_events.logger')`: records `logger.error`/`warning` calls while `body` runs. */
async function withLogger(body: (log: { error: [string, unknown][]; warning: string[] }) => Promise<void>): Promise<void> {
  const saved = { ...asyncio.logger };
  const log = { error: [] as [string, unknown][], warning: [] as string[] };
  asyncio.logger.error = (message: string, error?: unknown) => {
    log.error.push([message, error]);
  };
  asyncio.logger.warning = (message: string) => {
    log.warning.push(message);
  };
  try {
    await body(log);
  } finally {
    Object.assign(asyncio.logger, saved);
  }
}

let loop: asyncio.SyncTrioEventLoop;
const extraLoops: asyncio.BaseTrioEventLoop[] = [];

beforeEach(() => {
  loop = newTestLoop();
  asyncio.setEventLoop(loop);
});

afterEach(async () => {
  for (const l of [loop, ...extraLoops.splice(0)]) {
    // A test that timed out leaves its loop running.
    if (l.isRunning()) await (l as asyncio.SyncTrioEventLoop).stop();
    if (!l.isClosed()) l.close();
  }
  asyncio.setEventLoop(null);
});

// A test that hangs (it waits on virtual time that never comes) fails in seconds, not 20.
const HANG = { timeout: 3000 };

describe("BaseEventLoopTests", HANG, () => {
  it("test_close", async () => {
    expect(loop.isClosed()).toBe(false);
    loop.close();
    expect(loop.isClosed()).toBe(true);
    // it should be possible to call close() more than once
    loop.close();
    loop.close();
    // operation blocked when the loop is closed
    const f = new asyncio.Future({ loop });
    await expect(loop.runForever()).rejects.toThrow(RuntimeError);
    await expect(loop.runUntilComplete(f)).rejects.toThrow(RuntimeError);
  });

  it("test_call_soon", () => {
    const cb = (): void => {};
    const h = loop.callSoon(cb);
    expect(h._callback).toBe(cb);
    expect(h).toBeInstanceOf(Handle);
    expect(loop._ready).toContain(h);
  });

  it("test_call_soon_non_callable", () => {
    loop.setDebug(true);
    expect(() => loop.callSoon(1 as never)).toThrow(/a callable object/);
  });

  it("test_call_later", () => {
    const cb = (): void => {};
    const h = loop.callLater(10.0, cb);
    expect(h).toBeInstanceOf(TimerHandle);
    // Python: in loop._scheduled; here timers live on the engine's deadline heap.
    expect(loop._timerCount).toBe(1);
    expect(loop._ready).not.toContain(h);
    expect(() => loop.callLater(null as never, cb)).toThrow(TypeError);
  });

  it("test_call_later_negative_delays", async () => {
    const calls: string[] = [];
    const cb = (arg: string): void => {
      calls.push(arg);
    };
    loop.callLater(-1, cb, "a");
    loop.callLater(-2, cb, "b");
    await runBriefly(loop);
    expect(calls).toEqual(["b", "a"]);
  });

  it("test_time_and_call_at", async () => {
    const cb = (): void => {
      void loop.stop();
    };
    const delay = 0.1;
    const when = loop.time() + delay;
    loop.callAt(when, cb);
    const t0 = loop.time();
    await loop.runForever();
    const dt = loop.time() - t0;
    // Virtual time: no clock resolution to allow for.
    expect(dt).toBeGreaterThanOrEqual(delay);
    expect(() => loop.callAt(null as never, cb)).toThrow(TypeError);
  });

  it("test_set_debug", () => {
    loop.setDebug(true);
    expect(loop.getDebug()).toBe(true);
    loop.setDebug(false);
    expect(loop.getDebug()).toBe(false);
  });

  it("test__run_once_cancelled_event_cleanup", () => {
    // Adapted: Python keeps cancelled timers in its heap until they are a large enough
    // fraction of it. Here a cancelled timer leaves the engine's heap at once, so only
    // the timers that were not cancelled are ever counted.
    const cb = (): void => {};
    let notCancelledCount = 1;
    loop.callLater(3000, cb);
    for (let x = 0; x < 2; x++) loop.callLater(3600, cb).cancel();
    for (let x = 0; x < 2; x++) loop.callLater(100, cb).cancel();
    expect(loop._timerCount).toBe(notCancelledCount);
    for (let x = 0; x < 50; x++) {
      loop.callLater(3600, cb);
      notCancelledCount++;
    }
    for (let x = 0; x < 60; x++) loop.callLater(3600, cb).cancel();
    expect(loop._timerCount).toBe(notCancelledCount);
  });

  it("test_run_until_complete_type_error", async () => {
    await expect(loop.runUntilComplete("blah" as never)).rejects.toThrow(TypeError);
  });

  it("test_run_until_complete_loop", async () => {
    const task = new asyncio.Future({ loop });
    const otherLoop = newTestLoop();
    extraLoops.push(otherLoop);
    await expect(otherLoop.runUntilComplete(task)).rejects.toThrow(ValueError);
  });

  it("test_run_until_complete_loop_orphan_future_close_loop", async () => {
    // Adapted: Python ends the first run with a SystemExit raised by a callback, which
    // escapes the loop. Errors in callbacks go to the exception handler here, so the
    // first run is ended by stop() instead. Either way the first future is left pending,
    // and its done-callback must not stop the second run early.
    const foo = async (delay: number): Promise<void> => {
      await asyncio.sleep(delay);
    };
    loop.callSoon(() => void loop.stop());
    await expect(loop.runUntilComplete(() => foo(0.1))).rejects.toThrow("Event loop stopped before Future completed.");
    // This call fails if run_until_complete does not clean up done-callback for the
    // previous future.
    await loop.runUntilComplete(() => foo(0.2));
  });

  it("test_default_exc_handler_callback", async () => {
    const zeroError = (fut: asyncio.Future<boolean>): void => {
      fut.setResult(true);
      zeroDivision();
    };
    // Test call_soon (events.Handle)
    await withLogger(async (log) => {
      const fut = loop.createFuture<boolean>();
      loop.callSoon(zeroError, fut);
      fut.addDoneCallback(() => void loop.stop());
      await loop.runForever();
      const [message, error] = log.error[log.error.length - 1];
      expect(message).toMatch(/Exception in callback.*zero/);
      expect(error).toBeInstanceOf(ZeroDivisionError);
    });
    // Test call_later (events.TimerHandle)
    await withLogger(async (log) => {
      const fut = loop.createFuture<boolean>();
      loop.callLater(0.01, zeroError, fut);
      fut.addDoneCallback(() => void loop.stop());
      await loop.runForever();
      const [message, error] = log.error[log.error.length - 1];
      expect(message).toMatch(/Exception in callback.*zero/);
      expect(error).toBeInstanceOf(ZeroDivisionError);
    });
  });

  it("test_default_exc_handler_coro", async () => {
    const zeroErrorCoro = async (): Promise<void> => {
      await asyncio.sleep(0.01);
      zeroDivision();
    };
    // Test Future.__del__
    await withLogger(async (log) => {
      (() => {
        const fut = asyncio.ensureFuture(zeroErrorCoro, { loop });
        fut.addDoneCallback(() => void loop.stop());
      })();
      await loop.runForever();
      await collect(); // Trigger the Future's finalizer
      // The finalizer logs an error with an actual exception context.
      const [message, error] = log.error[log.error.length - 1] ?? [];
      expect(message).toMatch(/exception was never retrieved/);
      expect(error).toBeInstanceOf(ZeroDivisionError);
    });
  });

  it("test_set_exc_handler_invalid", () => {
    expect(() => loop.setExceptionHandler("spam" as never)).toThrow(/A callable object or None/);
  });

  it("test_set_exc_handler_custom", async () => {
    const zeroError = (): void => {
      zeroDivision();
    };
    const runLoop = async (): Promise<asyncio.Handle> => {
      const handle = loop.callSoon(zeroError);
      await runBriefly(loop);
      return handle;
    };
    loop.setDebug(true);
    expect(loop.getExceptionHandler()).toBeNull();
    const calls: [asyncio.BaseTrioEventLoop, asyncio.ExceptionContext][] = [];
    const mockHandler = (l: asyncio.BaseTrioEventLoop, context: asyncio.ExceptionContext): void => {
      calls.push([l, context]);
    };
    loop.setExceptionHandler(mockHandler);
    expect(loop.getExceptionHandler()).toBe(mockHandler);
    const handle = await runLoop();
    expect(calls.length).toBe(1);
    expect(calls[0][0]).toBe(loop);
    // Python's dict also has 'source_traceback' (debug mode): no counterpart here.
    expect(calls[0][1]).toEqual({
      exception: expect.any(ZeroDivisionError) as unknown,
      message: expect.stringMatching(/Exception in callback.*zeroError/) as unknown,
      handle,
    });
    calls.length = 0;

    loop.setExceptionHandler(null);
    await withLogger(async (log) => {
      await runLoop();
      const [message, error] = log.error[log.error.length - 1];
      expect(message).toMatch(/Exception in callback.*zero/);
      expect(error).toBeInstanceOf(ZeroDivisionError);
    });
    expect(calls).toEqual([]);
  });

  it("test_set_exc_handler_broken", async () => {
    class AttributeError extends Error {}
    const runLoop = async (): Promise<void> => {
      loop.callSoon(() => zeroDivision());
      await runBriefly(loop);
    };
    loop.setExceptionHandler(() => {
      throw new AttributeError("spam");
    });
    await withLogger(async (log) => {
      await runLoop();
      const [message, error] = log.error[log.error.length - 1];
      expect(message).toMatch(/Unhandled error in exception handler/);
      expect(error).toBeInstanceOf(AttributeError);
    });
  });

  it("test_default_exc_handler_broken", async () => {
    let savedContext: asyncio.ExceptionContext | null = null;
    class Loop extends asyncio.SyncTrioEventLoop {
      override defaultExceptionHandler(context: asyncio.ExceptionContext): void {
        savedContext = context;
        // Simulates custom buggy "default_exception_handler"
        throw new ValueError("spam");
      }
    }
    const l = new Loop({ clock: new MockClock({ autojumpThreshold: 0 }) });
    extraLoops.push(l);
    asyncio.setEventLoop(l);
    const runLoop = async (): Promise<void> => {
      l.callSoon(() => zeroDivision());
      await runBriefly(l);
    };
    await withLogger(async (log) => {
      await runLoop();
      expect(log.error[log.error.length - 1][0]).toBe("Exception in default exception handler");
    });

    l.setExceptionHandler(() => {
      throw new ValueError("ham");
    });
    savedContext = null;
    await withLogger(async (log) => {
      await runLoop();
      expect(log.error[log.error.length - 1][0]).toMatch(/Exception in default exception.*while handling.*in custom/);
      // Check that original context was passed to default exception handler.
      expect(savedContext).toHaveProperty("context");
      expect((savedContext!.context as asyncio.ExceptionContext).exception).toBeInstanceOf(ZeroDivisionError);
    });
  });

  it("test_set_task_factory_invalid", () => {
    // JavaScript's "null" stands for Python's "None" in the message.
    expect(() => loop.setTaskFactory(1 as never)).toThrow(/task factory must be a callable or (None|null)/);
    expect(loop.getTaskFactory()).toBeNull();
  });

  it("test_set_task_factory", async () => {
    class MyTask<T> extends Task<T> {}
    const coro = async (): Promise<void> => {};
    const factory: asyncio.TaskFactory = (l, fn) => new MyTask(fn, { loop: l });
    expect(loop.getTaskFactory()).toBeNull();
    loop.setTaskFactory(factory);
    expect(loop.getTaskFactory()).toBe(factory);
    let task = loop.createTask(coro);
    expect(task).toBeInstanceOf(MyTask);
    await loop.runUntilComplete(task);

    loop.setTaskFactory(null);
    expect(loop.getTaskFactory()).toBeNull();
    task = loop.createTask(coro);
    expect(task).toBeInstanceOf(Task);
    expect(task).not.toBeInstanceOf(MyTask);
    await loop.runUntilComplete(task);
  });

  it("test_create_task", async () => {
    class MyTask<T> extends Task<T> {}
    class EventLoop extends asyncio.SyncTrioEventLoop {
      override createTask<T>(fn: () => PromiseLike<T> | T): asyncio.Task<T> {
        return new MyTask(fn, { loop: this });
      }
    }
    const l = new EventLoop({ clock: new MockClock({ autojumpThreshold: 0 }) });
    extraLoops.push(l);
    asyncio.setEventLoop(l);
    const task = asyncio.ensureFuture(async () => {}, { loop: l });
    expect(task).toBeInstanceOf(MyTask);
    await l.runUntilComplete(task);
  });

  it("test_create_task_error_closes_coro", () => {
    const l = asyncio.newEventLoop();
    l.close();
    expect(() => asyncio.ensureFuture(async () => {}, { loop: l })).toThrow(RuntimeError);
  });

  it("test_create_named_task_with_default_factory", async () => {
    const l = newTestLoop();
    extraLoops.push(l);
    const task = l.createTask(async () => {}, { name: "test_task" });
    try {
      expect(task.getName()).toBe("test_task");
    } finally {
      await l.runUntilComplete(task);
      l.close();
    }
  });

  it("test_create_named_task_with_custom_factory", async () => {
    const taskFactory: asyncio.TaskFactory = (l, fn, options) => new Task(fn, { loop: l, ...options });
    const l = newTestLoop();
    extraLoops.push(l);
    l.setTaskFactory(taskFactory);
    const task = l.createTask(async () => {}, { name: "test_task" });
    try {
      expect(task.getName()).toBe("test_task");
    } finally {
      await l.runUntilComplete(task);
      l.close();
    }
  });

  it("test_run_until_complete_baseexception", async () => {
    // Adapted: Python raises KeyboardInterrupt (a BaseException). The point holds for
    // any error: run_until_complete() must not leave a pending call to stop() behind.
    class KeyboardInterrupt extends Error {}
    await expect(
      loop.runUntilComplete(async () => {
        throw new KeyboardInterrupt();
      }),
    ).rejects.toThrow(KeyboardInterrupt);
    let called = false;
    const func = (): void => {
      void loop.stop();
      called = true;
    };
    loop.callSoon(() => loop.callSoon(func));
    await loop.runForever();
    expect(called).toBe(true);
  });

  it("test_run_once", async () => {
    // The idiom loop.call_soon(loop.stop); loop.run_forever() (test_utils.run_once).
    let count = 0;
    loop.callSoon(() => {
      count += 1;
    });
    loop.callSoon(() => void loop.stop());
    await loop.runForever();
    expect(count).toBe(1);
  });

  it("test_run_forever_pre_stopped", async () => {
    // Test that the old idiom for pre-stopping the loop works: run_forever() does one
    // iteration (without blocking) and returns. (Python checks that the selector was
    // polled with a zero timeout; here: the callbacks already scheduled ran once.)
    let count = 0;
    loop.callSoon(() => {
      count += 1;
    });
    await loop.stop();
    await loop.runForever();
    expect(count).toBe(1);
    expect(loop.isRunning()).toBe(false);
  });

  it("test_call_coroutine", () => {
    const simpleCoroutine = async (): Promise<void> => {};
    loop.setDebug(true);
    const coroObj = simpleCoroutine();
    for (const func of [simpleCoroutine, coroObj] as never[]) {
      expect(() => loop.callSoon(func)).toThrow(TypeError);
      expect(() => loop.callSoonThreadsafe(func)).toThrow(TypeError);
      expect(() => loop.callLater(60, func)).toThrow(TypeError);
      expect(() => loop.callAt(loop.time() + 60, func)).toThrow(TypeError);
    }
  });

  it("test_log_slow_callbacks", async () => {
    const stopLoopCb = (l: asyncio.SyncTrioEventLoop): void => {
      void l.stop();
    };
    const stopLoopCoro = async (l: asyncio.SyncTrioEventLoop): Promise<void> => {
      void l.stop();
    };
    loop.setDebug(true);
    loop.slowCallbackDuration = 0.0;
    await withLogger(async (log) => {
      // slow callback
      loop.callSoon(stopLoopCb, loop);
      await loop.runForever();
      expect(log.warning[log.warning.length - 1]).toMatch(/^Executing <Handle.*stopLoopCb.*> took .* seconds$/);
      // slow task (Python's repr also names the coroutine; a Task's toString does not)
      asyncio.ensureFuture(() => stopLoopCoro(loop), { loop });
      await loop.runForever();
      expect(log.warning[log.warning.length - 1]).toMatch(/^Executing <Task.*> took .* seconds$/);
    });
  });
});

describe("RunningLoopTests", HANG, () => {
  it("test_running_loop_within_a_loop", async () => {
    const l = asyncio.newEventLoop() as asyncio.SyncTrioEventLoop;
    const outerLoop = newTestLoop();
    extraLoops.push(l, outerLoop);
    await expect(
      outerLoop.runUntilComplete(async () => {
        await l.runForever();
      }),
    ).rejects.toThrow(/while another loop is running/);
  });
});

// Not ported (also listed in test/conformance/README.md):
// - BaseEventTests (test_ipaddr_info, test_port_parameter_types, ...), MyProto,
//   BaseEventLoopWithSelectorTests, BaseLoopSockSendfileTests, TestSelectorUtils,
//   test_getnameinfo, test_subprocess_*_invalid_args, test_accept_connection_*:
//   sockets, DNS and subprocesses.
// - test_not_implemented: private transport factory hooks of BaseEventLoop.
// - test__add_callback_handle, test__add_callback_cancelled_handle, test__run_once,
//   test__run_once_schedule_handle, test_custom_run_forever_integration: private
//   `_add_callback`, `_run_once`, `_run_forever_setup` internals and the selector timeout.
// - test_set_default_executor(_error), test_shutdown_default_executor_timeout: no
//   executors in this release.
// - test_check_thread: threads.
// - test_env_var_debug: PYTHONASYNCIODEBUG / -X dev.
// - test_run_forever_keyboard_interrupt: KeyboardInterrupt (no BaseException).
// - test_single_selecter_event_callback_after_stopping: selector events.
// - test_asyncgen_finalization_by_gc(_in_other_thread): async generator hooks.
