// The adapters: values and errors crossing, nesting, flavors, contextvars, context
// managers, async iterables, several loops, and bad input.
import { describe, expect, it } from "vitest";
import * as asyncio from "../../src/asyncio/index.js";
import { ContextVar } from "../../src/contextvars/index.js";
import {
  aioAsTrio,
  allowAsyncio,
  asyncioAsTrio,
  currentLoop,
  flavorOf,
  openLoop,
  run,
  runAioCoroutine,
  runAioGenerator,
  runTrio,
  runTrioTask,
  trioAsAio,
  trioAsAsyncio,
} from "../../src/decorators/index.js";
import { FlavorError } from "../../src/flavor/flavor-error.js";
import { currentAsyncLibrary } from "../../src/flavor/sniffio.js";
import { asyncWith, type AsyncContextManager } from "../../src/loop/async-context-manager.js";
import * as trio from "../../src/trio/index.js";

function clock(): trio.testing.MockClock {
  return new trio.testing.MockClock({ autojumpThreshold: 0 });
}

describe("values and errors cross intact", () => {
  it("both ways, with the same objects", async () => {
    const payload = { big: [1, 2, 3] };
    class Custom extends Error {}
    const custom = new Custom("x");
    await run(async () => {
      expect(await aioAsTrio(async (p: object) => p)(payload)).toBe(payload);
      await expect(
        aioAsTrio(async () => {
          throw custom;
        })(),
      ).rejects.toBe(custom);
      const viaAio = await aioAsTrio(async () => {
        const value = await trioAsAio(async (p: object) => p)(payload);
        let caught: unknown;
        try {
          await trioAsAio(async () => {
            throw custom;
          })();
        } catch (error) {
          caught = error;
        }
        return [value, caught];
      })();
      expect(viaAio).toEqual([payload, custom]);
      expect(viaAio[0]).toBe(payload);
      expect(viaAio[1]).toBe(custom);
    });
  });

  it("nested crossings aio -> trio -> aio -> trio keep the flavor of each level", async () => {
    const flavors: string[] = [];
    const result = await run({ clock: clock() }, async () => {
      flavors.push(currentAsyncLibrary());
      return aioAsTrio(async () => {
        flavors.push(currentAsyncLibrary());
        await asyncio.sleep(1);
        return trioAsAio(async () => {
          flavors.push(currentAsyncLibrary());
          await trio.sleep(1);
          return aioAsTrio(async () => {
            flavors.push(currentAsyncLibrary());
            await asyncio.sleep(1);
            return trioAsAio(async () => {
              flavors.push(currentAsyncLibrary());
              await trio.sleep(1);
              return trio.currentTime();
            })();
          })();
        })();
      })();
    });
    expect(result).toBe(4);
    expect(flavors).toEqual(["trio", "asyncio", "trio", "asyncio", "trio"]);
  });

  it("aliases are the same adapters", () => {
    expect(asyncioAsTrio).toBe(aioAsTrio);
    expect(trioAsAsyncio).toBe(trioAsAio);
  });
});

describe("flavor inside every adapter", () => {
  it("callbacks, context manager entry and exit, and generator steps see the right library", async () => {
    const seen: string[] = [];
    const aioCm: AsyncContextManager<string> = {
      async aenter() {
        seen.push(`aio aenter: ${currentAsyncLibrary()}`);
        await asyncio.sleep(0);
        return "value";
      },
      async aexit() {
        seen.push(`aio aexit: ${currentAsyncLibrary()}`);
        await asyncio.sleep(0);
      },
    };
    const trioCm: AsyncContextManager<string> = {
      async aenter() {
        seen.push(`trio aenter: ${currentAsyncLibrary()}`);
        await trio.sleep(0);
        return "trio value";
      },
      async aexit() {
        seen.push(`trio aexit: ${currentAsyncLibrary()}`);
        await trio.sleep(0);
      },
    };
    async function* aioGen(): AsyncGenerator<number> {
      for (let i = 0; i < 2; i++) {
        seen.push(`aio gen step ${i}: ${currentAsyncLibrary()}`);
        await asyncio.sleep(0);
        yield i;
      }
    }
    async function* trioGen(): AsyncGenerator<number> {
      for (let i = 0; i < 2; i++) {
        seen.push(`trio gen step ${i}: ${currentAsyncLibrary()}`);
        await trio.sleep(0);
        yield i;
      }
    }
    await run(async (): Promise<void> => {
      const loop = asyncio.getEventLoop();
      await asyncWith(aioAsTrio(aioCm), async (value) => {
        seen.push(`trio body got ${value}: ${currentAsyncLibrary()}`);
      });
      const fromAio: number[] = [];
      for await (const x of aioAsTrio(aioGen())) fromAio.push(x);
      seen.push(`trio got ${fromAio.join(",")}`);
      await aioAsTrio(async () => {
        loop.callSoon(() => seen.push(`callback: ${currentAsyncLibrary()}`));
        await asyncWith(trioAsAio(trioCm), async (value) => {
          seen.push(`aio body got ${value}: ${currentAsyncLibrary()}`);
        });
        const fromTrio: number[] = [];
        for await (const x of trioAsAio(trioGen())) fromTrio.push(x);
        seen.push(`aio got ${fromTrio.join(",")}`);
      })();
    });
    expect(seen).toEqual([
      "aio aenter: asyncio",
      "trio body got value: trio",
      "aio aexit: asyncio",
      "aio gen step 0: asyncio",
      "aio gen step 1: asyncio",
      "trio got 0,1",
      "callback: asyncio",
      "trio aenter: trio",
      "aio body got trio value: asyncio",
      "trio aexit: trio",
      "trio gen step 0: trio",
      "trio gen step 1: trio",
      "aio got 0,1",
    ]);
  });

  it("leaving an adapted generator early closes it on its own side", async () => {
    const events: string[] = [];
    async function* aioGen(): AsyncGenerator<number> {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        events.push(`aio generator closed: ${currentAsyncLibrary()}`);
      }
    }
    await run(async () => {
      for await (const x of aioAsTrio(aioGen())) if (x === 2) break;
    });
    expect(events).toEqual(["aio generator closed: asyncio"]);
  });

  it("calling the other flavor without an adapter throws FlavorError naming the adapter", async () => {
    await run(async () => {
      await expect(asyncio.sleep(0)).rejects.toThrow(/aioAsTrio/);
      await aioAsTrio(async () => {
        await expect((async () => trio.sleep(0))()).rejects.toThrow(FlavorError);
        await expect((async () => trio.sleep(1))()).rejects.toThrow(/trioAsAio/);
      })();
    });
  });
});

describe("contextvars flow one way, by copy", () => {
  it("each crossing copies the caller's context; sets on the far side stay there", async () => {
    const v = new ContextVar<string>("v", { default: "unset" });
    const events: string[] = [];
    await run(async () => {
      v.set("trio caller");
      await aioAsTrio(async () => {
        events.push(`aio sees ${v.get()}`);
        v.set("aio callee");
        await trioAsAio(async () => {
          events.push(`trio sees ${v.get()}`);
          v.set("trio callee");
        })();
        events.push(`aio after: ${v.get()}`);
      })();
      events.push(`trio after: ${v.get()}`);
    });
    expect(events).toEqual(["aio sees trio caller", "trio sees aio callee", "aio after: aio callee", "trio after: trio caller"]);
  });
});

describe("decorators and flavor metadata", () => {
  it("standard decorators keep `this` and record the flavor", async () => {
    class Service {
      factor = 3;

      @aioAsTrio
      async aioTimes(x: number): Promise<number> {
        await asyncio.sleep(0);
        expect(currentAsyncLibrary()).toBe("asyncio");
        return x * this.factor;
      }

      @trioAsAio
      async trioPlus(x: number): Promise<number> {
        await trio.sleep(0);
        expect(currentAsyncLibrary()).toBe("trio");
        return x + this.factor;
      }
    }
    const service = new Service();
    const proto = Service.prototype as unknown as Record<string, unknown>;
    expect(flavorOf(proto.aioTimes)).toBe("trio");
    expect(flavorOf(proto.trioPlus)).toBe("asyncio");
    expect(flavorOf(async () => {})).toBeUndefined();
    const result = await run(async () => {
      const a = await service.aioTimes(2);
      const b = await aioAsTrio(async () => service.trioPlus(a))();
      return [a, b];
    });
    expect(result).toEqual([6, 9]);
  });

  it("wrapped functions are flavored", () => {
    expect(flavorOf(aioAsTrio(async () => {}))).toBe("trio");
    expect(flavorOf(trioAsAio(async () => {}))).toBe("asyncio");
  });
});

describe("loops", () => {
  it("concurrent and nested openLoop blocks: each task sees its own loop", async () => {
    const seen: string[] = [];
    await trio.run(async () => {
      await trio.openNursery(async (nursery) => {
        for (const name of ["a", "b"]) {
          nursery.startSoon(async () => {
            await openLoop(async (outer) => {
              expect(asyncio.getEventLoop()).toBe(outer);
              await openLoop(async (inner) => {
                expect(inner).not.toBe(outer);
                expect(asyncio.getEventLoop()).toBe(inner);
                await aioAsTrio(async () => {
                  expect(asyncio.getRunningLoop()).toBe(inner);
                })();
                await aioAsTrio(
                  async () => {
                    expect(asyncio.getRunningLoop()).toBe(outer);
                  },
                  { loop: outer },
                )();
                // Callbacks of each loop see their own loop.
                const seenIn = await aioAsTrio(async () => {
                  const fut = outer.createFuture<boolean>();
                  outer.callSoon(() => fut.setResult(asyncio.getEventLoop() === outer));
                  return fut;
                }, { loop: outer })();
                seen.push(`${name}: ${seenIn}`);
              });
              expect(asyncio.getEventLoop()).toBe(outer);
            });
          });
        }
      });
      expect(() => asyncio.getRunningLoop()).toThrow(/no running event loop/);
    });
    expect(seen.sort()).toEqual(["a: true", "b: true"]);
  });

  it("currentLoop can redirect a context to another open loop", async () => {
    await trio.run(async () => {
      await openLoop(async (first) => {
        await openLoop(async (second) => {
          const token = currentLoop.set(first);
          try {
            expect(asyncio.getEventLoop()).toBe(first);
            await aioAsTrio(async () => expect(asyncio.getRunningLoop()).toBe(first))();
          } finally {
            currentLoop.reset(token);
          }
          expect(asyncio.getEventLoop()).toBe(second);
        });
      });
    });
  });

  it("module-level shortcuts use the current loop", async () => {
    const events: string[] = [];
    await run(async () => {
      expect(await runAioCoroutine(async () => "coro")).toBe("coro");
      expect(await runAioCoroutine(Promise.resolve("promise"))).toBe("promise");
      const fut = runTrio(async (x: number) => x + 1, 1);
      expect(await aioAsTrio(fut)).toBe(2);
      runTrioTask(async () => {
        events.push("trio task ran");
      });
      const loop = asyncio.getEventLoop();
      await loop.synchronize();
      await trio.testing.waitAllTasksBlocked();
      const seen: number[] = [];
      async function* gen(): AsyncGenerator<number> {
        yield 1;
        yield 2;
      }
      for await (const x of runAioGenerator(loop, gen())) seen.push(x);
      events.push(`generator gave ${seen.join(",")}`);
    });
    expect(events).toEqual(["trio task ran", "generator gave 1,2"]);
  });

  it("a sync loop runs Trio code from asyncio too", async () => {
    const loop = asyncio.newEventLoop() as asyncio.SyncTrioEventLoop;
    try {
      const result = await loop.runUntilComplete(async () =>
        trioAsAio(async (x: number) => {
          await trio.sleep(0.001);
          return [x, currentAsyncLibrary()];
        })(5),
      );
      expect(result).toEqual([5, "trio"]);
      // Again, on the same loop.
      expect(await loop.runUntilComplete(() => loop.trioAsFuture(async () => "again"))).toBe("again");
    } finally {
      loop.close();
    }
  });
});

describe("allowAsyncio", () => {
  it("a StreamReader read from Trio code waits over several chunks; a Trio cancel reaches its wait", async () => {
    const events: string[] = [];
    await run({ clock: clock() }, async () => {
      await allowAsyncio(async () => {
        const reader = new asyncio.StreamReader();
        await trio.openNursery(async (nursery) => {
          nursery.startSoon(async () => {
            for (const part of ["ab", "cd", "ef"]) {
              await trio.sleep(1);
              reader.feedData(Buffer.from(part));
            }
          });
          events.push(`${(await reader.readexactly(5)).toString()} at ${trio.currentTime()}`);
        });
        const result = await trio.moveOnAfter(1, () => reader.readexactly(5));
        events.push(`moveOnAfter: ${String(result)} at ${trio.currentTime()}`);
        events.push(`left: ${(await reader.read(10)).toString()}`);
      });
    });
    expect(events).toEqual(["abcde at 3", "moveOnAfter: undefined at 4", "left: f"]);
  });

  it("lets one function await both flavors; a Trio cancel reaches asyncio waits", async () => {
    const events: string[] = [];
    await run({ clock: clock() }, async () => {
      await allowAsyncio(async () => {
        await asyncio.sleep(1);
        events.push(`asyncio.sleep done at ${trio.currentTime()} (${currentAsyncLibrary()})`);
        await trio.sleep(1);
        events.push(`trio.sleep done at ${trio.currentTime()}`);
        const lock = new asyncio.Lock();
        await lock.acquire();
        lock.release();
        events.push("asyncio lock taken and released");
        const result = await trio.moveOnAfter(1, async () => {
          await asyncio.sleep(10);
          return "not cancelled";
        });
        events.push(`moveOnAfter around asyncio.sleep: ${String(result)} at ${trio.currentTime()}`);
        expect(asyncio.currentTask()).toBeNull();
      });
    });
    expect(events).toEqual([
      "asyncio.sleep done at 1 (trio)",
      "trio.sleep done at 2",
      "asyncio lock taken and released",
      "moveOnAfter around asyncio.sleep: undefined at 3",
    ]);
  });
});

describe("bad input", () => {
  it("adapters refuse what they cannot adapt, with the fix in the message", async () => {
    expect(() => trioAsAio(Promise.resolve(1) as never)).toThrow(/trioAsAio\(fn\)\(\.\.\.args\)/);
    expect(() => trioAsAio(42 as never)).toThrow(TypeError);
    expect(() => aioAsTrio(42 as never)).toThrow(/aioAsTrio\(\) takes/);
    expect(() => aioAsTrio(async function* gen() {} as never)).toThrow(/async generator function/);
    expect(() => aioAsTrio(async () => {}, 5 as never)).toThrow(/options must be an object/);
  });

  it("adapters used outside any loop say where to call them", async () => {
    await expect(aioAsTrio(async () => 1)()).rejects.toThrow(/needs an asyncio event loop: call it inside openLoop/);
    expect(() => trioAsAio(async () => 1)()).toThrow(/needs an asyncio event loop/);
    await trio.run(async () => {
      await expect(aioAsTrio(async () => 1)()).rejects.toThrow(/inside openLoop/);
    });
  });

  it("openLoop and run refuse a started call", async () => {
    await trio.run(async () => {
      await expect(openLoop(Promise.resolve() as never)).rejects.toThrow(/pass the function/);
    });
    await expect(run(Promise.resolve() as never)).rejects.toThrow(/run\(main, \.\.\.args\)/);
  });

  it("loop.trioAsFuture refuses a Promise", async () => {
    await run(async () => {
      const loop = asyncio.getEventLoop();
      expect(() => loop.trioAsFuture(Promise.resolve() as never)).toThrow(/not trioAsFuture\(fn\(\.\.\.args\)\)/);
    });
  });

  it("the run methods of an async loop say to use openLoop", async () => {
    await run(async () => {
      const loop = asyncio.getEventLoop();
      expect(() => loop.runUntilComplete(async () => {})).toThrow(/openLoop/);
      expect(() => loop.runForever()).toThrow(/openLoop/);
    });
  });
});
