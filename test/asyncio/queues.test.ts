import { describe, expect, it } from "vitest";
import * as asyncio from "../../src/asyncio/index.js";
import { LifoQueue, PriorityQueue, Queue } from "../../src/asyncio/queues.js";
import { RuntimeError, ValueError } from "../../src/errors/builtins.js";
import { FlavorError } from "../../src/flavor/flavor-error.js";
import { MockClock } from "../../src/loop/mock-clock.js";
import * as trio from "../../src/trio/index.js";

function run<T>(fn: () => Promise<T>): Promise<T> {
  return asyncio.run(fn);
}

function runMock<T>(fn: () => Promise<T>): Promise<T> {
  return asyncio.run(fn, { loopFactory: () => new asyncio.SyncTrioEventLoop({ clock: new MockClock({ autojumpThreshold: 0 }) }) });
}

async function outcome(awaitable: PromiseLike<unknown>): Promise<string> {
  try {
    return `value ${String(await awaitable)}`;
  } catch (error) {
    return `error ${(error as Error).name}`;
  }
}

function drain<T>(q: Queue<T>): T[] {
  const items: T[] = [];
  while (!q.empty()) items.push(q.getNowait());
  return items;
}

describe("Queue state", () => {
  it("qsize, empty, full, maxsize", () => {
    const q = new Queue<number>(2);
    expect([q.qsize(), q.empty(), q.full(), q.maxsize]).toEqual([0, true, false, 2]);
    q.putNowait(1);
    expect([q.qsize(), q.empty(), q.full()]).toEqual([1, false, false]);
    q.putNowait(2);
    expect([q.qsize(), q.empty(), q.full()]).toEqual([2, false, true]);
    expect(() => q.putNowait(3)).toThrow(asyncio.QueueFull);
    expect(q.getNowait()).toBe(1);
    expect(q.full()).toBe(false);
  });

  it("maxsize 0 (the default) or less is unbounded", () => {
    for (const q of [new Queue<number>(), new Queue<number>(0), new Queue<number>(-3)]) {
      for (let i = 0; i < 1000; i++) q.putNowait(i);
      expect(q.full()).toBe(false);
      expect(q.qsize()).toBe(1000);
    }
    expect(new Queue().maxsize).toBe(0);
    expect(new Queue(-3).maxsize).toBe(-3);
  });

  it("getNowait on an empty queue throws QueueEmpty", () => {
    const q = new Queue<number>();
    expect(() => q.getNowait()).toThrow(asyncio.QueueEmpty);
    expect(() => new LifoQueue().getNowait()).toThrow(asyncio.QueueEmpty);
    expect(() => new PriorityQueue().getNowait()).toThrow(asyncio.QueueEmpty);
  });

  it("toString shows maxsize, items, waiters, unfinished tasks and shutdown", () =>
    run(async () => {
      const q = new Queue<unknown>(2);
      expect(String(q)).toBe("<Queue maxsize=2>");
      q.putNowait("a");
      q.putNowait([1, "b"]);
      expect(String(q)).toBe('<Queue maxsize=2 _queue=["a", [1, "b"]] tasks=2>');
      const putter = asyncio.createTask(() => q.put(3));
      await asyncio.sleep(0);
      expect(String(q)).toBe('<Queue maxsize=2 _queue=["a", [1, "b"]] _putters[1] tasks=2>');
      drain(q);
      await putter;
      q.getNowait();
      const getter = asyncio.createTask(() => q.get());
      await asyncio.sleep(0);
      expect(String(q)).toBe("<Queue maxsize=2 _getters[1] tasks=3>");
      q.shutdown();
      expect(await outcome(getter)).toBe("error QueueShutDown");
      expect(String(q)).toBe("<Queue maxsize=2 tasks=3 shutdown>");
      expect(String(new PriorityQueue())).toBe("<PriorityQueue maxsize=0>");
      expect(String(new LifoQueue())).toBe("<LifoQueue maxsize=0>");
      const objects = new Queue<unknown>();
      objects.putNowait({ a: 1 });
      objects.putNowait(new Date(0));
      objects.putNowait(10n);
      expect(String(objects)).toContain("_queue=[[object Object], ");
      expect(String(objects)).toContain(", 10n]");
      const odd = new Queue<unknown>();
      odd.putNowait(Symbol("s"));
      odd.putNowait(function named() {});
      odd.putNowait(() => 1);
      odd.putNowait(undefined);
      expect(String(odd)).toBe("<Queue maxsize=0 _queue=[Symbol(s), [function named], [function anonymous], undefined] tasks=4>");
    }));
});

describe("bad input", () => {
  it("maxsize must be an integer", () => {
    expect(() => new Queue("3" as unknown as number)).toThrow(TypeError);
    expect(() => new Queue("3" as unknown as number)).toThrow("maxsize must be an integer, got string");
    expect(() => new Queue(1.5)).toThrow(ValueError);
    expect(() => new Queue(1.5)).toThrow("maxsize must be an integer, got 1.5");
    expect(() => new Queue(NaN)).toThrow("maxsize must be an integer, got NaN");
    expect(() => new Queue(Infinity)).toThrow("maxsize must be an integer, got Infinity");
    expect(() => new PriorityQueue(0.5)).toThrow(ValueError);
    expect(() => new LifoQueue(null as unknown as number)).toThrow(TypeError);
  });

  it("shutdown(immediate) takes a boolean", () => {
    const q = new Queue();
    expect(() => q.shutdown(1 as unknown as boolean)).toThrow("immediate must be a boolean, got number");
    expect(q._isShutdown).toBe(false);
  });

  it('taskDone() more often than items were put: ValueError "task_done() called too many times"', () => {
    const q = new Queue<number>();
    expect(() => q.taskDone()).toThrow(ValueError);
    expect(() => q.taskDone()).toThrow("task_done() called too many times");
    q.putNowait(1);
    q.getNowait();
    q.taskDone();
    expect(() => q.taskDone()).toThrow("task_done() called too many times");
  });
});

describe("ordering", () => {
  it("Queue is FIFO, LifoQueue is LIFO, PriorityQueue gives the smallest first", () => {
    const input = [5, 1, 4, 2, 3];
    const fifo = new Queue<number>();
    const lifo = new LifoQueue<number>();
    const prio = new PriorityQueue<number>();
    for (const q of [fifo, lifo, prio]) for (const i of input) q.putNowait(i);
    expect(drain(fifo)).toEqual([5, 1, 4, 2, 3]);
    expect(drain(lifo)).toEqual([3, 2, 4, 1, 5]);
    expect(drain(prio)).toEqual([1, 2, 3, 4, 5]);
  });

  it("FIFO order holds across many interleaved puts and gets (storage compaction)", () => {
    const q = new Queue<number>();
    const out: number[] = [];
    let next = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 100; i++) q.putNowait(next++);
      for (let i = 0; i < 70; i++) out.push(q.getNowait());
    }
    out.push(...drain(q));
    expect(out).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    expect(q.qsize()).toBe(0);
  });

  it("PriorityQueue compares arrays like Python tuples", () => {
    const q = new PriorityQueue<unknown[]>();
    const items = [[2, "b"], [1, "z"], [2, "a"], [1], [1, "z", 0], [0, [3, 1]], [0, [2, 9]], []];
    for (const item of items) q.putNowait(item);
    expect(drain(q)).toEqual([[], [0, [2, 9]], [0, [3, 1]], [1], [1, "z"], [1, "z", 0], [2, "a"], [2, "b"]]);
  });

  it("PriorityQueue orders strings, bigints with numbers, and Dates", () => {
    const strings = new PriorityQueue<string>();
    for (const s of ["pear", "apple", "Zebra", "fig"]) strings.putNowait(s);
    expect(drain(strings)).toEqual(["Zebra", "apple", "fig", "pear"]);
    const numeric = new PriorityQueue<number | bigint>();
    for (const n of [3n, 1.5, 2n, -1]) numeric.putNowait(n);
    expect(drain(numeric)).toEqual([-1, 1.5, 2n, 3n]);
    const dates = new PriorityQueue<Date>();
    for (const t of [3000, 1000, 2000]) dates.putNowait(new Date(t));
    expect(drain(dates).map((d) => d.getTime())).toEqual([1000, 2000, 3000]);
  });

  it("PriorityQueue ties come out in the order Python's heapq gives them", () => {
    // Expected order computed with CPython's heapq on items comparing by priority only.
    const q = new PriorityQueue<[number, { name: string }]>();
    const put = (p: number, name: string): void => q.putNowait([p, { name }]);
    const names: string[] = [];
    const get = (): void => {
      const [p, { name }] = q.getNowait();
      names.push(`${p}${name}`);
    };
    for (const [p, n] of [[3, "a"], [1, "b"], [3, "c"], [1, "d"], [2, "e"], [1, "f"], [3, "g"], [2, "h"], [1, "i"], [2, "j"]] as const) put(p, n);
    for (let i = 0; i < 3; i++) get();
    put(0, "k");
    put(1, "l");
    while (!q.empty()) get();
    expect(names).toEqual(["1b", "1f", "1d", "0k", "1i", "1l", "2j", "2h", "2e", "3c", "3g", "3a"]);
  });

  it("PriorityQueue sorts like a sort, at any size", () => {
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % 1000;
    };
    const q = new PriorityQueue<number>();
    const all: number[] = [];
    const out: number[] = [];
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 50; i++) {
        const n = random();
        all.push(n);
        q.putNowait(n);
      }
      // Interleaved gets must always return the smallest item present.
      for (let i = 0; i < 25; i++) {
        const item = q.getNowait();
        const remaining = drain(q);
        expect(remaining.every((x) => x >= item)).toBe(true);
        for (const x of remaining) q.putNowait(x);
        out.push(item);
      }
    }
    out.push(...drain(q));
    expect([...out].sort((a, b) => a - b)).toEqual([...all].sort((a, b) => a - b));
  });

  it("PriorityQueue refuses items Python could not order, and stays unchanged", () => {
    const q = new PriorityQueue<unknown>();
    q.putNowait(2);
    q.putNowait(1);
    expect(() => q.putNowait("3")).toThrow(TypeError);
    expect(() => q.putNowait("3")).toThrow("PriorityQueue cannot order string and number items");
    expect(() => q.putNowait([0])).toThrow("cannot order array and number items");
    expect(() => q.putNowait(null)).toThrow("cannot order null and number items");
    expect(() => q.putNowait(undefined)).toThrow("cannot order undefined and number items");
    expect(() => q.putNowait(true)).toThrow("cannot order boolean and number items");
    expect(() => q.putNowait(Symbol("s"))).toThrow("cannot order symbol and number items");
    expect(q.qsize()).toBe(2);
    expect(q._unfinishedTasks).toBe(2);
    expect(drain(q)).toEqual([1, 2]);
  });

  it("PriorityQueue: a get whose comparison throws leaves the queue unchanged", () => {
    // Python's heappop raises TypeError here too: [2, "y"] and [2, 5] were never compared.
    const q = new PriorityQueue<[number, unknown]>();
    q.putNowait([1, "x"]);
    q.putNowait([2, 5]);
    q.putNowait([2, "y"]);
    expect(() => q.getNowait()).toThrow("cannot order string and number items");
    expect(q.qsize()).toBe(3);
    expect(String(q)).toBe('<PriorityQueue maxsize=0 _queue=[[1, "x"], [2, 5], [2, "y"]] tasks=3>');
  });

  it("entries whose data do not order tie instead of throwing", () => {
    const q = new PriorityQueue<[number, object]>();
    const a = { a: 1 };
    const b = { b: 2 };
    q.putNowait([1, a]);
    q.putNowait([1, b]);
    q.putNowait([0, b]);
    expect(drain(q).map(([p]) => p)).toEqual([0, 1, 1]);
  });

  it("getNowait returns a thenable item as is; get() resolves it (an async function cannot return a thenable)", () =>
    run(async () => {
      const q = new Queue<Promise<number>>();
      const item = Promise.resolve(5);
      q.putNowait(item);
      expect(q.getNowait()).toBe(item);
      q.putNowait(item);
      expect(await q.get()).toBe(5);
    }));
});

describe("blocking put and get", () => {
  it("blocked getters are served in FIFO order", () =>
    run(async () => {
      const events: string[] = [];
      const q = new Queue<string>();
      const tasks = ["g1", "g2", "g3"].map((name) =>
        asyncio.createTask(async () => {
          events.push(`${name} waits`);
          events.push(`${name} got ${await q.get()}`);
        }),
      );
      await asyncio.sleep(0);
      q.putNowait("a");
      q.putNowait("b");
      q.putNowait("c");
      events.push("main put 3");
      for (const t of tasks) await t;
      expect(events).toEqual(["g1 waits", "g2 waits", "g3 waits", "main put 3", "g1 got a", "g2 got b", "g3 got c"]);
    }));

  it("blocked putters are served in FIFO order, one per freed slot", () =>
    run(async () => {
      const events: string[] = [];
      const q = new Queue<string>(1);
      q.putNowait("x");
      const tasks = ["p1", "p2", "p3"].map((name) =>
        asyncio.createTask(async () => {
          events.push(`${name} waits`);
          await q.put(name);
          events.push(`${name} put`);
        }),
      );
      await asyncio.sleep(0);
      for (let i = 0; i < 4; i++) {
        events.push(`main got ${await q.get()}`);
        await asyncio.sleep(0);
      }
      for (const t of tasks) await t;
      expect(events).toEqual([
        "p1 waits",
        "p2 waits",
        "p3 waits",
        "main got x",
        "p1 put",
        "main got p1",
        "p2 put",
        "main got p2",
        "p3 put",
        "main got p3",
      ]);
    }));

  // Real time (10 ms timers): see the MockClock core bug at the end of this file.
  it("a get blocks until a callback puts; a put blocks until a callback gets", () =>
    run(async () => {
      const events: string[] = [];
      const loop = asyncio.getRunningLoop();
      const q = new Queue<number>(1);
      const t0 = loop.time();
      loop.callLater(0.01, () => {
        events.push("callback puts 1");
        q.putNowait(1);
      });
      events.push(`got ${await q.get()}`);
      expect(loop.time() - t0).toBeGreaterThanOrEqual(0.01);
      q.putNowait(2);
      loop.callLater(0.01, () => events.push(`callback got ${q.getNowait()}`));
      await q.put(3);
      events.push("put 3");
      expect(loop.time() - t0).toBeGreaterThanOrEqual(0.02);
      expect(events).toEqual(["callback puts 1", "got 1", "callback got 2", "put 3"]);
      expect(drain(q)).toEqual([3]);
    }));

  it("a put that does not need to wait does not yield to the loop", () =>
    run(async () => {
      const events: string[] = [];
      const q = new Queue<number>(2);
      asyncio.getRunningLoop().callSoon(() => events.push("callback"));
      await q.put(1);
      events.push(`got ${await q.get()}`);
      await asyncio.sleep(0);
      expect(events).toEqual(["got 1", "callback"]);
    }));

  it("producer and consumer through a bounded queue", () =>
    run(async () => {
      const q = new Queue<number>(3);
      const consumed: number[] = [];
      const producer = asyncio.createTask(async () => {
        for (let i = 0; i < 50; i++) await q.put(i);
      });
      const consumer = asyncio.createTask(async () => {
        for (let i = 0; i < 50; i++) {
          consumed.push(await q.get());
          expect(q.qsize()).toBeLessThanOrEqual(3);
        }
      });
      await producer;
      await consumer;
      expect(consumed).toEqual(Array.from({ length: 50 }, (_, i) => i));
    }));
});

describe("cancellation", () => {
  it("cancelling a blocked get leaves no trace; the next getter gets the item", () =>
    run(async () => {
      const q = new Queue<string>();
      const g1 = asyncio.createTask(() => q.get());
      const g2 = asyncio.createTask(() => q.get());
      await asyncio.sleep(0);
      expect(q._getters.length).toBe(2);
      g1.cancel("stop");
      expect(await outcome(g1)).toBe("error CancelledError");
      expect(q._getters.length).toBe(1);
      q.putNowait("a");
      expect(await g2).toBe("a");
      expect(String(q)).toBe("<Queue maxsize=0 tasks=1>");
    }));

  it("a put right after a cancel skips the cancelled getter and wakes the next", () =>
    run(async () => {
      const q = new Queue<string>();
      const g1 = asyncio.createTask(() => q.get());
      const g2 = asyncio.createTask(() => q.get());
      await asyncio.sleep(0);
      g1.cancel();
      q.putNowait("a");
      expect(await outcome(g1)).toBe("error CancelledError");
      expect(await outcome(g2)).toBe("value a");
      expect(q._getters.length).toBe(0);
    }));

  it("a get right after a cancel skips the cancelled putter and wakes the next", () =>
    run(async () => {
      const q = new Queue<string>(1);
      q.putNowait("x");
      const p1 = asyncio.createTask(() => q.put("p1"));
      const p2 = asyncio.createTask(() => q.put("p2"));
      await asyncio.sleep(0);
      p1.cancel();
      expect(q.getNowait()).toBe("x");
      expect(await outcome(p1)).toBe("error CancelledError");
      await p2;
      expect(drain(q)).toEqual(["p2"]);
      expect(q._putters.length).toBe(0);
    }));

  it("a shutdown right after a cancel: the cancelled getter gets CancelledError, the others QueueShutDown", () =>
    run(async () => {
      const q = new Queue<string>();
      const g1 = asyncio.createTask(() => q.get());
      const g2 = asyncio.createTask(() => q.get());
      await asyncio.sleep(0);
      g1.cancel();
      q.shutdown();
      expect([await outcome(g1), await outcome(g2)]).toEqual(["error CancelledError", "error QueueShutDown"]);
    }));

  it("cancelling a blocked put withdraws the item", () =>
    run(async () => {
      const q = new Queue<string>(1);
      q.putNowait("x");
      const p1 = asyncio.createTask(() => q.put("late"));
      const p2 = asyncio.createTask(() => q.put("next"));
      await asyncio.sleep(0);
      p1.cancel();
      expect(await outcome(p1)).toBe("error CancelledError");
      expect(q._putters.length).toBe(1);
      expect(q.getNowait()).toBe("x");
      await p2;
      expect(drain(q)).toEqual(["next"]);
      expect(q._unfinishedTasks).toBe(2);
    }));

  it("cancelling a blocked join leaves no trace", () =>
    run(async () => {
      const q = new Queue<number>();
      q.putNowait(1);
      const joiner = asyncio.createTask(() => q.join());
      await asyncio.sleep(0);
      joiner.cancel();
      expect(await outcome(joiner)).toBe("error CancelledError");
      q.getNowait();
      q.taskDone();
      await q.join();
    }));

  // As in asyncio: g1 was woken for "a" but is cancelled before it resumes, so
  // CancelledError comes out of its wait, "a" stays queued and g2 is woken for it.
  it("a getter cancelled after being woken passes the item to the next getter", () =>
    run(async () => {
      const q = new Queue<string>();
      const g1 = asyncio.createTask(() => q.get());
      const g2 = asyncio.createTask(() => q.get());
      await asyncio.sleep(0);
      q.putNowait("a");
      g1.cancel();
      const first = await outcome(g1);
      for (let i = 0; i < 3; i++) await asyncio.sleep(0);
      const second = g2.done() ? await outcome(g2) : "still waiting";
      g2.cancel();
      expect([first, second]).toEqual(["error CancelledError", "value a"]);
    }));

  // Fails for the same core reason: asyncio's putter, woken for the slot and cancelled
  // before it resumes, does not put its item.
  it("a putter cancelled after being woken does not put", () =>
    run(async () => {
      const q = new Queue<string>(1);
      q.putNowait("x");
      const p1 = asyncio.createTask(() => q.put("late"));
      await asyncio.sleep(0);
      expect(q.getNowait()).toBe("x");
      p1.cancel();
      expect(await outcome(p1)).toBe("error CancelledError");
      expect(q.qsize()).toBe(0);
    }));
});

describe("join and taskDone", () => {
  it("join waits until every item put is marked done; all joiners wake", () =>
    run(async () => {
      const events: string[] = [];
      const q = new Queue<number>();
      q.putNowait(1);
      q.putNowait(2);
      const joiners = ["j1", "j2"].map((name) =>
        asyncio.createTask(async () => {
          await q.join();
          events.push(`${name} joined`);
        }),
      );
      await asyncio.sleep(0);
      q.getNowait();
      q.taskDone();
      events.push("one done");
      await asyncio.sleep(0);
      q.getNowait();
      q.taskDone();
      events.push("two done");
      for (const j of joiners) await j;
      expect(events).toEqual(["one done", "two done", "j1 joined", "j2 joined"]);
    }));

  it("join returns at once when nothing is unfinished", () =>
    run(async () => {
      const events: string[] = [];
      asyncio.getRunningLoop().callSoon(() => events.push("callback"));
      const q = new Queue<number>();
      await q.join();
      events.push("joined");
      q.putNowait(1);
      q.getNowait();
      q.taskDone();
      await q.join();
      events.push("joined again");
      await asyncio.sleep(0);
      expect(events).toEqual(["joined", "joined again", "callback"]);
    }));

  it("items put while a join waits keep it waiting", () =>
    run(async () => {
      const q = new Queue<number>();
      q.putNowait(1);
      const joiner = asyncio.createTask(() => q.join());
      await asyncio.sleep(0);
      q.putNowait(2);
      q.getNowait();
      q.taskDone();
      await asyncio.sleep(0);
      expect(joiner.done()).toBe(false);
      q.getNowait();
      q.taskDone();
      await joiner;
    }));
});

describe("shutdown", () => {
  it("wakes blocked putters with QueueShutDown; getters drain the rest, then get QueueShutDown", () =>
    run(async () => {
      const events: string[] = [];
      const q = new Queue<string>(1);
      q.putNowait("kept");
      const putter = asyncio.createTask(async () => {
        try {
          await q.put("refused");
        } catch (error) {
          events.push(`putter: ${(error as Error).name}`);
        }
      });
      await asyncio.sleep(0);
      q.shutdown();
      events.push("shut down");
      await putter;
      events.push(`get: ${await q.get()}`);
      events.push(`get again: ${await outcome(q.get())}`);
      expect(events).toEqual(["shut down", "putter: QueueShutDown", "get: kept", "get again: error QueueShutDown"]);
    }));

  it("wakes every blocked getter of an empty queue with QueueShutDown", () =>
    run(async () => {
      const q = new Queue<number>();
      const getters = [1, 2, 3].map(() => asyncio.createTask(() => q.get()));
      await asyncio.sleep(0);
      q.shutdown();
      expect(q._getters.length).toBe(0);
      expect(await Promise.all(getters.map(outcome))).toEqual(["error QueueShutDown", "error QueueShutDown", "error QueueShutDown"]);
    }));

  it("immediate: drops the items, counts them done, releases join", () =>
    run(async () => {
      const q = new PriorityQueue<number>();
      for (const i of [3, 1, 2]) q.putNowait(i);
      const joiner = asyncio.createTask(() => q.join());
      await asyncio.sleep(0);
      q.shutdown(true);
      expect(q.qsize()).toBe(0);
      await joiner;
      expect(() => q.getNowait()).toThrow(asyncio.QueueShutDown);
      expect(() => q.taskDone()).toThrow(ValueError);
    }));

  it("immediate: unfinished tasks never go below zero", () => {
    const q = new Queue<number>();
    q.putNowait(1);
    q.putNowait(2);
    q.taskDone();
    q.taskDone();
    q.shutdown(true);
    expect([q.qsize(), q._unfinishedTasks]).toEqual([0, 0]);
  });

  it("shutdown is idempotent and the queue stays readable", () => {
    const q = new LifoQueue<number>();
    q.putNowait(1);
    q.putNowait(2);
    q.shutdown();
    q.shutdown();
    expect(q.qsize()).toBe(2);
    expect(q.getNowait()).toBe(2);
    q.shutdown(true);
    expect(q.empty()).toBe(true);
    expect(q._unfinishedTasks).toBe(1);
    expect(() => q.putNowait(3)).toThrow("the queue is shut down");
  });
});

describe("flavor and loops", () => {
  it("put, get and join outside any loop throw FlavorError", async () => {
    const q = new Queue<number>();
    await expect(q.put(1)).rejects.toThrow(FlavorError);
    await expect(q.get()).rejects.toThrow(FlavorError);
    await expect(q.join()).rejects.toThrow(FlavorError);
    await expect(q.get()).rejects.toThrow("asyncio.Queue.get() is asyncio-flavored");
    expect(q.qsize()).toBe(0);
  });

  it("put, get and join from Trio code throw FlavorError; sync methods work", async () => {
    const q = new Queue<number>();
    const results = await trio.run(async () => {
      q.putNowait(1);
      const got = q.getNowait();
      return [got, await outcome(q.put(1)), await outcome(q.get()), await outcome(q.join())];
    });
    expect(results).toEqual([1, "error FlavorError", "error FlavorError", "error FlavorError"]);
  });

  it("a queue binds to the first loop it blocks on", async () => {
    const q = new Queue<number>();
    await run(async () => {
      asyncio.getRunningLoop().callSoon(() => q.putNowait(1));
      expect(await q.get()).toBe(1);
    });
    await run(async () => {
      // Not blocking: works on any loop, as in asyncio.
      q.putNowait(2);
      expect(await q.get()).toBe(2);
      const error = await q.get().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RuntimeError);
      expect(String((error as Error).message)).toBe("<Queue maxsize=0 tasks=2> is bound to a different event loop");
    });
  });
});

describe("asyncio core (bugs found while porting queues; fail until fixed)", () => {
  // asyncio: a task cancelled after the Future it awaits got its result, but before the
  // task resumed, gets CancelledError at that await. Here it resumes with the value and
  // is then marked cancelled when its function returns: the value is lost.
  it("a cancel between a Future's wake-up and the task's resumption is raised at that await", () =>
    run(async () => {
      const events: string[] = [];
      const loop = asyncio.getRunningLoop();
      const f = loop.createFuture<number>();
      const t = asyncio.createTask(async () => {
        try {
          events.push(`got ${await f}`);
        } catch (error) {
          events.push(`caught ${(error as Error).name}`);
          throw error;
        }
      });
      await asyncio.sleep(0);
      f.setResult(1);
      t.cancel();
      events.push(`task: ${await outcome(t)}`);
      expect(events).toEqual(["caught CancelledError", "task: error CancelledError"]);
    }));

  // With a MockClock loop, a timer set by task code after the loop went idle (here after
  // a sleep(0)) is never autojumped to: the run hangs. Suspected cause: the engine's
  // `_addDeadline` does not re-plan the idle wake-up (`becameIdle`) when the engine is
  // already idle, and asyncio task code runs as microtasks after the loop task parked.
  it(
    "MockClock: a timer set after sleep(0) still fires",
    () =>
      runMock(async () => {
        await asyncio.sleep(0);
        await asyncio.sleep(0.01);
      }),
    1000,
  );
});
