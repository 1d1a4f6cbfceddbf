import { describe, expect, it, vi } from "vitest";
import * as trio from "../../src/trio/index.js";
import { currentFrame } from "../../src/contextvars/frame.js";
import type { Task } from "../../src/loop/task.js";
import { ContextVar } from "../../src/contextvars/index.js";

const clock = () => new trio.testing.MockClock({ autojumpThreshold: 0 });
const runnerOf = () => (currentFrame()!.task as Task).runner;

describe("swallowed Cancelled", () => {
  async function warningsDuring(fn: () => Promise<unknown>): Promise<string[]> {
    const seen: string[] = [];
    const spy = vi.spyOn(process, "emitWarning").mockImplementation(((w: string | Error) => {
      seen.push(String(w));
    }));
    try {
      await fn();
    } finally {
      spy.mockRestore();
    }
    return seen;
  }

  it("is reported when a scope's body catches its Cancelled and finishes normally", async () => {
    const warnings = await warningsDuring(() =>
      trio.run(async () => {
        await new trio.CancelScope().run(async (scope) => {
          scope.cancel();
          try {
            await trio.checkpoint();
          } catch {
            // swallowed: the bug being reported
          }
        });
      }),
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/trio\.Cancelled raised in <trio\.CancelScope active, cancelled> in <Task .*> was caught and not re-thrown/);
  });

  it("is reported when a child task swallows its nursery's cancellation", async () => {
    const warnings = await warningsDuring(() =>
      trio.run(async () => {
        await trio.openNursery(async (n) => {
          n.startSoon({ name: "swallower" }, async () => {
            try {
              await trio.sleepForever();
            } catch {
              // swallowed
            }
          });
          await trio.testing.waitAllTasksBlocked();
          n.cancelScope.cancel();
        });
      }),
    );
    expect(warnings).toEqual([expect.stringMatching(/top level of <Task "swallower">/)]);
  });

  it("is not reported when Cancelled is re-thrown, or caught by its own scope", async () => {
    const warnings = await warningsDuring(() =>
      trio.run({ clock: clock() }, async () => {
        await trio.moveOnAfter(1, async () => {
          try {
            await trio.sleep(5);
          } catch (e) {
            await new trio.CancelScope({ shield: true }).run(() => trio.sleep(0.5));
            throw e;
          }
        });
        await trio.moveOnAfter(1, () => trio.sleepForever());
      }),
    );
    expect(warnings).toEqual([]);
  });
});

describe("deadlines", () => {
  it("a deadline in the past fires at the next checkpoint", async () => {
    await trio.run({ clock: clock() }, async () => {
      const events: string[] = [];
      const scope = new trio.CancelScope({ deadline: trio.currentTime() - 1 });
      await scope.run(async () => {
        events.push("entered");
        await trio.checkpoint();
        events.push("not reached");
      });
      expect(events).toEqual(["entered"]);
      expect(scope.cancelledCaught).toBe(true);
    });
  });

  it("the innermost deadline wins; currentEffectiveDeadline follows nesting and shields", async () => {
    await trio.run({ clock: clock() }, async () => {
      const t0 = trio.currentTime();
      expect(trio.currentEffectiveDeadline()).toBe(Infinity);
      await trio.moveOnAfter(10, async () => {
        expect(trio.currentEffectiveDeadline()).toBe(t0 + 10);
        await trio.moveOnAfter(3, async () => {
          expect(trio.currentEffectiveDeadline()).toBe(t0 + 3);
          await new trio.CancelScope({ shield: true }).run(async () => {
            expect(trio.currentEffectiveDeadline()).toBe(Infinity);
          });
          await trio.sleep(100);
        });
        expect(trio.currentTime() - t0).toBe(3);
      });
    });
  });

  it("the heap holds no entry for scopes that exited: 10k scopes leave it empty", async () => {
    await trio.run(async () => {
      const runner = runnerOf();
      for (let i = 0; i < 10_000; i++) await trio.moveOnAfter(60, () => trio.checkpoint());
      expect(runner.deadlineCount).toBe(0);
      let peak = 0;
      await trio.openNursery(async (n) => {
        for (let i = 0; i < 100; i++) n.startSoon(() => trio.sleep(60));
        await trio.testing.waitAllTasksBlocked();
        peak = runner.deadlineCount;
        n.cancelScope.cancel();
      });
      expect(peak).toBe(100);
      expect(runner.deadlineCount).toBe(0);
    });
  });

  it("moving a deadline later and earlier re-registers it once", async () => {
    await trio.run({ clock: clock() }, async () => {
      const runner = runnerOf();
      const t0 = trio.currentTime();
      await new trio.CancelScope({ deadline: t0 + 5 }).run(async (scope) => {
        for (let i = 0; i < 100; i++) scope.deadline = t0 + 5 + (i % 2);
        expect(runner.deadlineCount).toBe(1);
        scope.deadline = t0 + 2;
        await trio.sleep(10);
      });
      expect(trio.currentTime() - t0).toBe(2);
    });
  });
});

describe("the host gets its turn", () => {
  it("tasks spinning on checkpoints do not starve Node timers and I/O", async () => {
    await trio.run(async () => {
      let fired = false;
      setTimeout(() => (fired = true), 5);
      let spins = 0;
      await trio.openNursery(async (n) => {
        for (let i = 0; i < 2; i++) {
          n.startSoon(async () => {
            while (!fired) {
              spins++;
              await trio.checkpoint();
            }
          });
        }
      });
      expect(fired).toBe(true);
      expect(spins).toBeGreaterThan(10);
    });
  });

  it("a real-time deadline interrupts a task spinning on checkpoints", async () => {
    await trio.run(async () => {
      const t0 = performance.now();
      await trio.moveOnAfter(0.01, async () => {
        for (;;) await trio.checkpoint();
      });
      expect(performance.now() - t0).toBeLessThan(1000);
    });
  });
});

describe("wakes from Node callbacks", () => {
  it("a task woken by a Node callback made in its own context resumes before the host's next callbacks", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      const task = trio.lowlevel.currentTask();
      // The timer is made in the task's context, so its callback runs in that context
      // too: it is still a callback from outside, and the task resumes at once.
      setTimeout(() => {
        setImmediate(() => events.push("host: next callback"));
        trio.lowlevel.reschedule(task);
      }, 1);
      await trio.lowlevel.waitTaskRescheduled(() => trio.lowlevel.Abort.SUCCEEDED);
      events.push("task resumed");
      await trio.sleep(0.01);
    });
    expect(events).toEqual(["task resumed", "host: next callback"]);
  });
});

describe("tasks", () => {
  it("a child task gets a copy of its spawner's contextvars", async () => {
    const v = new ContextVar("v", { default: "root" });
    await trio.run(async () => {
      v.set("parent");
      await trio.openNursery(async (n) => {
        n.startSoon(async () => {
          expect(v.get()).toBe("parent");
          v.set("child");
          await trio.checkpoint();
          expect(v.get()).toBe("child");
        });
      });
      expect(v.get()).toBe("parent");
    });
    expect(v.get()).toBe("root");
  });

  it("the task tree lists every task with what it waits on", async () => {
    await trio.run({ clock: clock() }, async () => {
      await trio.openNursery(async (n) => {
        n.startSoon({ name: "sleeper" }, () => trio.sleep(5));
        n.startSoon({ name: "parent" }, async () => {
          await trio.openNursery(async (inner) => {
            inner.startSoon({ name: "grandchild" }, () => trio.sleepForever());
          });
        });
        await trio.testing.waitAllTasksBlocked();
        const dump = trio.lowlevel.formatTaskTree();
        expect(dump).toMatch(/^<init> \[waiting: nursery exit/);
        expect(dump).toMatch(/├─ <TrioToken\.runSyncSoon task> \[waiting: runSyncSoon queue\]/);
        expect(dump).toMatch(/sleeper \[waiting: trio\.sleep\(\) until 5\.000\]/);
        expect(dump).toMatch(/grandchild \[waiting: trio\.sleepForever\(\)\]/);
        expect(dump).toMatch(/parent \[waiting: nursery exit/);
        expect(dump).toMatch(/<main> \[running\]/);
        expect(trio.lowlevel.taskTree().name).toBe("<init>");
        n.cancelScope.cancel();
      });
    });
  });

  it("system tasks: no inherited contextvars, cancelled when main exits, errors crash the run", async () => {
    const v = new ContextVar("v", { default: "none" });
    const events: string[] = [];
    await trio.run(async () => {
      v.set("main");
      trio.lowlevel.spawnSystemTask(async () => {
        events.push(`system sees ${v.get()}`);
        try {
          await trio.sleepForever();
        } finally {
          events.push("system cancelled");
        }
      });
      await trio.checkpoint();
    });
    expect(events).toEqual(["system sees none", "system cancelled"]);
    const boom = new Error("boom");
    const error = await trio.run(async () => {
      trio.lowlevel.spawnSystemTask(async () => {
        throw boom;
      });
      await trio.sleepForever();
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(trio.TrioInternalError);
  });

  it("TrioToken.runSyncSoon works from plain Node callbacks, in order; fails after the run", async () => {
    const events: string[] = [];
    let token!: trio.lowlevel.TrioToken;
    await trio.run(async () => {
      token = trio.lowlevel.currentTrioToken();
      const done = new Promise<void>((resolve) => {
        setTimeout(() => {
          token.runSyncSoon((x: string) => events.push(x), "a");
          token.runSyncSoon({ idempotent: true }, resolveLater, resolve);
          token.runSyncSoon({ idempotent: true }, resolveLater, resolve);
          token.runSyncSoon((x: string) => events.push(x), "b");
        }, 1);
      });
      function resolveLater(resolve: () => void) {
        events.push("idempotent");
        resolve();
      }
      await trio.runAbortable(() => done);
    });
    expect(events).toEqual(["a", "idempotent", "b"]);
    expect(() => token.runSyncSoon(() => {})).toThrow(trio.RunFinishedError);
  });

  it("a throwing runSyncSoon callback ends the run with a TrioInternalError", async () => {
    const error = await trio
      .run(async () => {
        trio.lowlevel.currentTrioToken().runSyncSoon(() => {
          throw new Error("cb failed");
        });
        await trio.sleepForever();
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(trio.TrioInternalError);
  });

  it("a Cancelled escaping the main task is reported as such", async () => {
    let stolen: unknown;
    const warnings: string[] = [];
    const spy = vi.spyOn(process, "emitWarning").mockImplementation(((w: string | Error) => {
      warnings.push(String(w));
    }));
    const error = await trio
      .run(async () => {
        await new trio.CancelScope().run(async (scope) => {
          scope.cancel();
          try {
            await trio.checkpoint();
          } catch (e) {
            stolen = e;
          }
        });
        throw stolen;
      })
      .catch((e: unknown) => e)
      .finally(() => spy.mockRestore());
    expect(String(error)).toMatch(/A trio\.Cancelled escaped the main task/);
    expect((error as Error).cause).toBe(stolen);
    // Stealing it also meant swallowing it inside its scope: that is reported too.
    expect(warnings).toEqual([expect.stringMatching(/was caught and not re-thrown/)]);
  });
});
