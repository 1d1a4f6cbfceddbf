// How asyncio Tasks take turns on the loop: a Task resumes from an await through the
// loop's ready queue (in the order of the Future's done callbacks), and the loop runs a
// task's step to its next suspension before its next entry, as asyncio does.
import { describe, expect, it } from "vitest";
import * as asyncio from "../../src/asyncio/index.js";
import { currentFrame } from "../../src/contextvars/frame.js";
import { ContextVar } from "../../src/contextvars/index.js";
import { MockClock } from "../../src/loop/mock-clock.js";

function run<T>(fn: () => Promise<T>): Promise<T> {
  return asyncio.run(fn, { loopFactory: () => new asyncio.SyncTrioEventLoop({ clock: new MockClock({ autojumpThreshold: 0 }) }) });
}

describe("task steps", () => {
  it("tasks resume in the order their Futures completed, each step whole, before later callbacks", async () => {
    const events: string[] = [];
    await run(async () => {
      const loop = asyncio.getRunningLoop();
      const f1 = loop.createFuture<number>();
      const f2 = loop.createFuture<number>();
      // t1 waits through a helper: more microtask hops than t2, yet it resumes first.
      const viaHelper = async (): Promise<number> => await f1;
      const t1 = asyncio.createTask(async () => {
        await viaHelper();
        events.push("t1 woke");
      });
      const t2 = asyncio.createTask(async () => {
        await f2;
        events.push("t2 woke");
      });
      await asyncio.sleep(0);
      loop.callSoon(() => {
        f1.setResult(1);
        f2.setResult(2);
      });
      loop.callSoon(() => loop.callSoon(() => events.push("callback two iterations later")));
      await t1;
      await t2;
    });
    expect(events).toEqual(["t1 woke", "t2 woke", "callback two iterations later"]);
  });

  it("a task resumes after the callbacks that were scheduled before its Future completed", async () => {
    const events: string[] = [];
    await run(async () => {
      const loop = asyncio.getRunningLoop();
      const fut = loop.createFuture<string>();
      const waiter = asyncio.createTask(async () => {
        events.push(`resumed with ${await fut}`);
      });
      await asyncio.sleep(0);
      loop.callSoon(() => {
        loop.callSoon(() => events.push("scheduled before the result"));
        fut.setResult("x");
        loop.callSoon(() => events.push("scheduled after the result"));
      });
      await waiter;
    });
    expect(events).toEqual(["scheduled before the result", "resumed with x", "scheduled after the result"]);
  });

  it("done callbacks and task wake-ups of one Future run in registration order", async () => {
    const events: string[] = [];
    await run(async () => {
      const loop = asyncio.getRunningLoop();
      const fut = loop.createFuture<void>();
      fut.addDoneCallback(() => events.push("callback 1"));
      const waiter = asyncio.createTask(async () => {
        await fut;
        events.push("task");
      });
      await asyncio.sleep(0);
      fut.addDoneCallback(() => events.push("callback 2"));
      fut.setResult();
      await waiter;
    });
    expect(events).toEqual(["callback 1", "task", "callback 2"]);
  });

  it("a step that awaits plain resolved Promises is not interleaved with other tasks", async () => {
    const events: string[] = [];
    await run(async () => {
      const loop = asyncio.getRunningLoop();
      const fut = loop.createFuture<void>();
      const worker = (name: string) => async (): Promise<void> => {
        await fut;
        events.push(`${name} a`);
        await Promise.resolve();
        await new Promise<void>((resolve) => queueMicrotask(resolve));
        events.push(`${name} b`);
      };
      const tasks = [asyncio.createTask(worker("t1")), asyncio.createTask(worker("t2"))];
      await asyncio.sleep(0);
      fut.setResult();
      await Promise.all(tasks);
    });
    expect(events).toEqual(["t1 a", "t1 b", "t2 a", "t2 b"]);
  });

  it("a step waiting on host I/O does not hold the loop", async () => {
    const events: string[] = [];
    await asyncio.run(async () => {
      const slow = asyncio.createTask(async () => {
        events.push("slow: waits for a host timer");
        await new Promise((resolve) => setTimeout(resolve, 5));
        events.push("slow: done");
      });
      const busy = asyncio.createTask(async () => {
        for (let i = 0; i < 3; i++) {
          events.push(`busy ${i}`);
          await asyncio.sleep(0);
        }
      });
      await Promise.all([slow, busy]);
    });
    expect(events).toEqual(["slow: waits for a host timer", "busy 0", "busy 1", "busy 2", "slow: done"]);
  });

  it("a loop parked behind a batch's last step runs what arrives meanwhile only once that step suspends", async () => {
    const events: string[] = [];
    await run(async () => {
      const loop = asyncio.getRunningLoop();
      const fut = loop.createFuture<void>();
      const stepper = asyncio.createTask(async () => {
        await asyncio.sleep(0); // resumes as the only entry of its batch: the loop parks right after it
        events.push("step start");
        loop.callSoon(() => {
          events.push("callback");
          fut.setResult();
        });
        await Promise.resolve();
        await new Promise<void>((resolve) => queueMicrotask(resolve));
        events.push("step end");
        await fut;
        events.push("resumed");
      });
      await stepper;
    });
    expect(events).toEqual(["step start", "step end", "callback", "resumed"]);
  });

  it("a loop parked behind a step waiting on host I/O still runs a callback that arrives meanwhile", async () => {
    const events: string[] = [];
    await asyncio.run(async () => {
      const loop = asyncio.getRunningLoop();
      const slow = asyncio.createTask(async () => {
        await asyncio.sleep(0);
        events.push("slow: waits for a host timer");
        setTimeout(() => loop.callSoon(() => events.push("callback from the host")), 1);
        await new Promise((resolve) => setTimeout(resolve, 20));
        events.push("slow: done");
      });
      await slow;
    });
    expect(events).toEqual(["slow: waits for a host timer", "callback from the host", "slow: done"]);
  });

  it("the library's own await of a Future (_waitThen) gives what `await future` gives, cancel included", async () => {
    const events: string[] = [];
    await run(async () => {
      const loop = asyncio.getRunningLoop();
      const ok = loop.createFuture<string>();
      const failed = loop.createFuture<string>();
      const never = loop.createFuture<string>();
      const mapped = loop.createFuture<string>();
      const waiter = (f: asyncio.Future<string>, name: string, onRejected?: (e: unknown) => string) =>
        asyncio.createTask(async () => {
          try {
            events.push(`${name}: ${await f._waitThen((value) => value, currentFrame(), onRejected)}`);
          } catch (error) {
            events.push(`${name}: ${(error as Error).name}`);
          }
        });
      const tasks = [waiter(ok, "ok"), waiter(failed, "failed"), waiter(never, "cancelled"), waiter(mapped, "mapped", (e) => `caught ${(e as Error).name}`)];
      await asyncio.sleep(0);
      ok.setResult("value");
      failed.setException(new asyncio.InvalidStateError("x"));
      tasks[2].cancel();
      mapped.setException(new asyncio.InvalidStateError("y"));
      await asyncio.wait(tasks);
      expect(never.cancelled()).toBe(true);
      // A done Future gives its outcome without suspending; outside a task, as `then`.
      const done = loop.createFuture<string>();
      done.setResult("plain");
      events.push(await done._waitThen((value) => value, currentFrame()));
      events.push(await done._waitThen((value) => `${value}, no task`, undefined));
    });
    expect(events).toEqual(["ok: value", "failed: InvalidStateError", "cancelled: CancelledError", "mapped: caught InvalidStateError", "plain", "plain, no task"]);
  });

  it("_waitThen's continuation runs in the task's wake-up: before callbacks scheduled after the Future completed", async () => {
    const events: string[] = [];
    await run(async () => {
      const loop = asyncio.getRunningLoop();
      const f = loop.createFuture<string>();
      const task = asyncio.createTask(async () => {
        const value = await f._waitThen((v) => {
          events.push(`continuation (current task: ${asyncio.currentTask() === null ? "none" : "the task"})`);
          return v;
        }, currentFrame());
        events.push(`resumed with ${value}`);
      });
      await asyncio.sleep(0);
      f.setResult("v");
      loop.callSoon(() => events.push("callback"));
      await task;
    });
    expect(events).toEqual(["continuation (current task: the task)", "resumed with v", "callback"]);
  });

  it("a task's own future.then(callback) runs the callback in the task: its loop, its task, its context", async () => {
    const events: string[] = [];
    const variable = new ContextVar<string>("where", { default: "unset" });
    await run(async () => {
      const loop = asyncio.getRunningLoop();
      const f = loop.createFuture<string>();
      const failed = loop.createFuture<string>();
      const task = asyncio.createTask(async () => {
        variable.set("in the task");
        const describe = (what: string): string =>
          `${what}: loop ${asyncio.getRunningLoop() === loop ? "ok" : "wrong"}, task ${asyncio.currentTask() === task ? "ok" : "wrong"}, ${variable.get()}`;
        events.push(await f.then((value) => describe(value)));
        events.push(await failed.then(undefined, (error: unknown) => describe((error as Error).message)));
        // An asyncio call inside the callback works too.
        events.push(await f.then(async (value) => {
          await asyncio.sleep(0);
          return describe(`${value} after a sleep`);
        }));
      });
      await asyncio.sleep(0);
      f.setResult("fulfilled");
      failed.setException(new Error("rejected"));
      await task;
    });
    expect(events).toEqual([
      "fulfilled: loop ok, task ok, in the task",
      "rejected: loop ok, task ok, in the task",
      "fulfilled after a sleep: loop ok, task ok, in the task",
    ]);
  });

  it("Promise.all over Futures resumes the task once, when the last one completes", async () => {
    const events: string[] = [];
    await run(async () => {
      const loop = asyncio.getRunningLoop();
      const a = loop.createFuture<string>();
      const b = loop.createFuture<string>();
      const waiter = asyncio.createTask(async () => {
        const values = await Promise.all([a, b]);
        events.push(`all: ${values.join(",")}`);
        await Promise.resolve();
        events.push("all: step continues");
      });
      const other = asyncio.createTask(async () => {
        await b;
        events.push("other");
      });
      await asyncio.sleep(0);
      a.setResult("a");
      await asyncio.sleep(0);
      events.push("a done, waiter still waiting");
      b.setResult("b");
      await Promise.all([waiter, other]);
    });
    expect(events).toEqual(["a done, waiter still waiting", "all: a,b", "all: step continues", "other"]);
  });

  it("a cancel between a Future's completion and the task's resumption raises at that await", async () => {
    const events: string[] = [];
    await run(async () => {
      const loop = asyncio.getRunningLoop();
      const fut = loop.createFuture<string>();
      const task = asyncio.createTask(async () => {
        try {
          events.push(`got ${await fut}`);
        } catch (error) {
          events.push(`raised ${(error as Error).name}: ${(error as Error).message}`);
          throw error;
        }
      });
      await asyncio.sleep(0);
      fut.setResult("value");
      expect(task.cancel("late")).toBe(true);
      await Promise.allSettled([task]);
      events.push(`task cancelled: ${task.cancelled()}`);
    });
    expect(events).toEqual(["raised CancelledError: late", "task cancelled: true"]);
  });

  it("sleep(0) takes one loop iteration, and a cancel during it raises there", async () => {
    const events: string[] = [];
    await run(async () => {
      const loop = asyncio.getRunningLoop();
      loop.callSoon(() => {
        events.push("callback");
        loop.callSoon(() => events.push("callback's callback"));
      });
      await asyncio.sleep(0);
      events.push("resumed");
      const task = asyncio.currentTask()!;
      loop.callSoon(() => task.cancel());
      try {
        // The cancel runs while this task waits in the ready queue, behind it.
        await asyncio.sleep(0);
        events.push("not cancelled");
      } catch (error) {
        events.push(`sleep(0): ${(error as Error).name}`);
        task.uncancel();
      }
    });
    expect(events).toEqual(["callback", "resumed", "callback's callback", "sleep(0): CancelledError"]);
  });

  it("awaiting a done Future does not yield to the loop", async () => {
    const events: string[] = [];
    await run(async () => {
      const loop = asyncio.getRunningLoop();
      const done = loop.createFuture<number>();
      done.setResult(1);
      loop.callSoon(() => events.push("callback"));
      const value = await done;
      events.push(`value ${value}`);
      await asyncio.sleep(0);
    });
    expect(events).toEqual(["value 1", "callback"]);
  });
});
