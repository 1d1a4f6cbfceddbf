import { describe, expect, it } from "vitest";
import * as asyncio from "../../src/asyncio/index.js";
import { TaskGroup } from "../../src/asyncio/taskgroup.js";
import { RuntimeError } from "../../src/errors/builtins.js";
import { ExceptionGroup } from "../../src/errors/exception-group.js";
import { FlavorError } from "../../src/flavor/flavor-error.js";
import { asyncWith } from "../../src/loop/async-context-manager.js";
import * as trio from "../../src/trio/index.js";
import { name, now, run } from "./helpers.js";

/** A task that sleeps and records how it ended. */
function sleeper(events: string[], label: string, seconds: number, result?: unknown): () => Promise<unknown> {
  return async () => {
    try {
      await asyncio.sleep(seconds);
    } catch (error) {
      events.push(`${label}: ${name(error)} at ${now()}`);
      throw error;
    }
    events.push(`${label}: done at ${now()}`);
    return result;
  };
}

describe("asyncio.TaskGroup", () => {
  it("waits for every task and returns the body's value", async () => {
    const events: string[] = [];
    await run(async () => {
      let a!: asyncio.Task<unknown>;
      let b!: asyncio.Task<unknown>;
      const value = await new TaskGroup().run(async (tg) => {
        a = tg.createTask(sleeper(events, "a", 2, "A"));
        b = tg.createTask(sleeper(events, "b", 1, "B"), { name: "bee" });
        events.push("body done");
        return "body value";
      });
      events.push(`after group at ${now()}: ${value}, ${String(a.result())}, ${String(b.result())}, ${b.getName()}`);
    });
    expect(events).toEqual(["body done", "b: done at 1", "a: done at 2", "after group at 2: body value, A, B, bee"]);
  });

  it("the first error cancels the other tasks and the body; errors come out as an ExceptionGroup", async () => {
    const events: string[] = [];
    class Boom extends Error {}
    await run(async () => {
      try {
        await new TaskGroup().run(async (tg) => {
          tg.createTask(sleeper(events, "long", 10));
          tg.createTask(async () => {
            await asyncio.sleep(1);
            events.push("failing task throws");
            throw new Boom("boom");
          });
          await sleeper(events, "body", 5)();
        });
        events.push("not reached");
      } catch (error) {
        const eg = error as ExceptionGroup;
        events.push(`${name(eg)}: [${eg.exceptions.map(name).join(", ")}] at ${now()}`);
      }
      events.push(`cancelling=${asyncio.currentTask()!.cancelling()}`);
    });
    expect(events).toEqual([
      "failing task throws",
      // The group cancels its tasks first, then the body (the parent task).
      "long: CancelledError at 1",
      "body: CancelledError at 1",
      "ExceptionGroup(unhandled errors in a TaskGroup): [Error(boom)] at 1",
      "cancelling=0",
    ]);
  });

  it("an error of the body joins the group after the tasks' errors; the tasks are cancelled", async () => {
    const events: string[] = [];
    await run(async () => {
      try {
        await new TaskGroup().run(async (tg) => {
          tg.createTask(async () => {
            try {
              await asyncio.sleep(10);
            } finally {
              events.push("task cleanup fails");
               
              throw new RangeError("cleanup");
            }
          });
          await asyncio.sleep(1);
          throw new TypeError("body");
        });
      } catch (error) {
        events.push(`[${(error as ExceptionGroup).exceptions.map(name).join(", ")}]`);
      }
    });
    expect(events).toEqual(["task cleanup fails", "[RangeError(cleanup), TypeError(body)]"]);
  });

  it("tasks that end cancelled are not errors", async () => {
    const events: string[] = [];
    await run(async () => {
      await new TaskGroup().run(async (tg) => {
        const t = tg.createTask(sleeper(events, "t", 10));
        tg.createTask(sleeper(events, "u", 2));
        await asyncio.sleep(1);
        t.cancel();
      });
      events.push(`group done at ${now()}`);
    });
    expect(events).toEqual(["t: CancelledError at 1", "u: done at 2", "group done at 2"]);
  });

  it("an outer cancel cancels the tasks and propagates as CancelledError", async () => {
    const events: string[] = [];
    await run(async () => {
      const parent = asyncio.createTask(async () => {
        try {
          await new TaskGroup().run(async (tg) => {
            tg.createTask(sleeper(events, "child", 10));
            await sleeper(events, "body", 10)();
          });
        } catch (error) {
          events.push(`parent: ${name(error)} cancelling=${asyncio.currentTask()!.cancelling()}`);
          throw error;
        }
      });
      await asyncio.sleep(1);
      parent.cancel("stop");
      await parent.catch(() => events.push(`main: cancelled=${parent.cancelled()}`));
    });
    expect(events).toEqual([
      "body: CancelledError(stop) at 1",
      "child: CancelledError at 1",
      "parent: CancelledError(stop) cancelling=1",
      "main: cancelled=true",
    ]);
  });

  it("an outer cancel while waiting at the exit cancels the tasks", async () => {
    const events: string[] = [];
    await run(async () => {
      const parent = asyncio.createTask(() =>
        new TaskGroup().run(async (tg) => {
          tg.createTask(sleeper(events, "child", 10));
          events.push("body done");
        }),
      );
      await asyncio.sleep(1);
      parent.cancel();
      await parent.catch((error: unknown) => events.push(`main: ${name(error)} cancelled=${parent.cancelled()}`));
    });
    expect(events).toEqual(["body done", "child: CancelledError at 1", "main: CancelledError cancelled=true"]);
  });

  it("errors win over an outer cancel, which stays pending for the next await", async () => {
    const events: string[] = [];
    await run(async () => {
      const parent = asyncio.createTask(async () => {
        try {
          await new TaskGroup().run(async (tg) => {
            tg.createTask(async () => {
              try {
                await asyncio.sleep(10);
              } finally {
                 
                throw new RangeError("cleanup");
              }
            });
            await asyncio.sleep(10);
          });
        } catch (error) {
          events.push(`parent: ${name(error)} cancelling=${asyncio.currentTask()!.cancelling()}`);
        }
        try {
          await asyncio.sleep(1);
          events.push("parent: not cancelled");
        } catch (error) {
          events.push(`parent's next await: ${name(error)}`);
          throw error;
        }
      });
      await asyncio.sleep(1);
      parent.cancel();
      await parent.catch(() => events.push(`main: cancelled=${parent.cancelled()}`));
    });
    expect(events).toEqual([
      "parent: ExceptionGroup(unhandled errors in a TaskGroup) cancelling=1",
      "parent's next await: CancelledError",
      "main: cancelled=true",
    ]);
  });

  it("createTask refuses before entry, after exit and while shutting down", async () => {
    const events: string[] = [];
    await run(async () => {
      const tg = new TaskGroup();
      expect(() => tg.createTask(async () => {})).toThrow(/has not been entered/);
      try {
        await tg.run(async () => {
          tg.createTask(async () => {
            throw new RangeError("x");
          });
          try {
            await asyncio.sleep(1);
          } catch (error) {
            events.push(`body: ${name(error)}`);
            try {
              tg.createTask(async () => {});
            } catch (refused) {
              events.push(String((refused as Error).message));
            }
            throw error;
          }
        });
      } catch (error) {
        events.push(name(error));
      }
      expect(() => tg.createTask(async () => {})).toThrow(/is finished/);
      await expect(tg.run(async () => {})).rejects.toThrow(/has already been entered/);
    });
    expect(events).toEqual(["body: CancelledError", "TaskGroup <TaskGroup errors=1 cancelling> is shutting down", "ExceptionGroup(unhandled errors in a TaskGroup)"]);
  });

  it("works as an AsyncContextManager with asyncWith", async () => {
    const events: string[] = [];
    await run(async () => {
      const tg = new TaskGroup();
      expect(String(tg)).toBe("<TaskGroup>");
      const value = await asyncWith(tg, async (g) => {
        events.push(`same: ${g === tg}, ${String(g)}`);
        g.createTask(sleeper(events, "t", 1));
        events.push(String(g));
        return 7;
      });
      events.push(`value ${value}`);
    });
    expect(events).toEqual(["same: true, <TaskGroup entered>", "<TaskGroup tasks=1 entered>", "t: done at 1", "value 7"]);
  });

  it("needs a parent task", async () => {
    await run(async () => {
      const loop = asyncio.getRunningLoop();
      const outcome = loop.createFuture<unknown>();
      loop.callSoon(() => {
        new TaskGroup().aenter().then(
          () => outcome.setResult("entered"),
          (error: unknown) => outcome.setResult(error),
        );
      });
      const error = await outcome;
      expect(error).toBeInstanceOf(RuntimeError);
      expect((error as Error).message).toMatch(/cannot determine the parent task/);
    });
  });

  it("rejects bad input with specific errors", async () => {
    await run(async () => {
      await expect(new TaskGroup().run(undefined as never)).rejects.toThrow(/needs a body function/);
      await new TaskGroup().run(async (tg) => {
        expect(() => tg.createTask((async () => {})() as never)).toThrow(/got a Promise: write tg.createTask\(\(\) => work\(\)\)/);
        expect(() => tg.createTask(42 as never)).toThrow(TypeError);
      });
      await expect(new TaskGroup().aexit(undefined, false)).rejects.toThrow(/has not been entered/);
    });
  });

  it("is asyncio-flavored: FlavorError from Trio code", async () => {
    await trio.run(async () => {
      await expect(new TaskGroup().run(async () => {})).rejects.toThrow(FlavorError);
      await expect(new TaskGroup().aenter()).rejects.toThrow(/asyncio\.TaskGroup\.aenter\(\) is asyncio-flavored/);
    });
  });

  it("nests: an inner group's error reaches the outer group as a nested ExceptionGroup", async () => {
    let caught: unknown;
    await run(async () => {
      try {
        await new TaskGroup().run(async (outer) => {
          outer.createTask(() => asyncio.sleep(10));
          await new TaskGroup().run(async (inner) => {
            inner.createTask(async () => {
              await asyncio.sleep(1);
              throw new RangeError("inner");
            });
          });
        });
      } catch (error) {
        caught = error;
      }
    });
    expect(caught).toBeInstanceOf(ExceptionGroup);
    const [nested] = (caught as ExceptionGroup).exceptions;
    expect(nested).toBeInstanceOf(ExceptionGroup);
    expect((nested as ExceptionGroup).exceptions.map(name)).toEqual(["RangeError(inner)"]);
  });
});
