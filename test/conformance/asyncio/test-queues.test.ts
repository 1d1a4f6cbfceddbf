// Ported from CPython Lib/test/test_asyncio/test_queues.py (3.13, with the shutdown tests).
// TaskGroup and wait_for are replaced by createTask + await and a callLater cancel (see
// the notes next to those tests); tests about time run on a MockClock loop.
import { describe, expect, it } from "vitest";
import * as asyncio from "../../../src/asyncio/index.js";
import { LifoQueue, PriorityQueue, Queue } from "../../../src/asyncio/queues.js";
import { ValueError } from "../../../src/errors/builtins.js";
import { MockClock } from "../../../src/loop/mock-clock.js";

/** unittest.IsolatedAsyncioTestCase: each test body runs as the main task of a fresh loop. */
function run<T>(fn: () => Promise<T>): Promise<T> {
  return asyncio.run(fn);
}

/** The same on a virtual clock, for the tests that wait with call_later. */
function runMock<T>(fn: () => Promise<T>): Promise<T> {
  return asyncio.run(fn, { loopFactory: () => new asyncio.SyncTrioEventLoop({ clock: new MockClock({ autojumpThreshold: 0 }) }) });
}

async function settle(task: PromiseLike<unknown>): Promise<unknown> {
  try {
    return await task;
  } catch (error) {
    return error;
  }
}

describe("test_queues.py QueueBasicTests", () => {
  it("test_str", () =>
    run(async () => {
      // _test_repr_or_str(str, False): JavaScript has one string form (no id() in it).
      let q = new Queue<number>();
      expect(String(q).startsWith("<Queue")).toBe(true);

      q = new Queue<number>();
      const getter = asyncio.createTask(() => q.get());
      await asyncio.sleep(0);
      expect(String(q)).toContain("_getters[1]");
      q.putNowait(0);
      expect(await getter).toBe(0);

      q = new Queue<number>(1);
      q.putNowait(1);
      const putter = asyncio.createTask(() => q.put(2));
      await asyncio.sleep(0);
      expect(String(q)).toContain("_putters[1]");
      q.getNowait();
      await putter;
      expect(putter.done()).toBe(true);

      q = new Queue<number>();
      q.putNowait(1);
      expect(String(q)).toContain("_queue=[1]");
    }));

  it("test_empty", () =>
    run(async () => {
      const q = new Queue<number>();
      expect(q.empty()).toBe(true);
      await q.put(1);
      expect(q.empty()).toBe(false);
      expect(await q.get()).toBe(1);
      expect(q.empty()).toBe(true);
    }));

  it("test_full", () =>
    run(async () => {
      let q = new Queue<number>();
      expect(q.full()).toBe(false);
      q = new Queue<number>(1);
      await q.put(1);
      expect(q.full()).toBe(true);
    }));

  it("test_order", () =>
    run(async () => {
      const q = new Queue<number>();
      for (const i of [1, 3, 2]) await q.put(i);
      const items = [await q.get(), await q.get(), await q.get()];
      expect(items).toEqual([1, 3, 2]);
    }));

  it("test_maxsize", () =>
    run(async () => {
      const q = new Queue<number>(2);
      expect(q.maxsize).toBe(2);
      const haveBeenPut: number[] = [];
      const t = asyncio.createTask(async () => {
        for (let i = 0; i < 3; i++) {
          await q.put(i);
          haveBeenPut.push(i);
        }
        return true;
      });
      for (let i = 0; i < 2; i++) await asyncio.sleep(0);

      // The putter is blocked after putting two items.
      expect(haveBeenPut).toEqual([0, 1]);
      expect(await q.get()).toBe(0);

      // Let the putter resume and put the last item.
      await asyncio.sleep(0);
      expect(haveBeenPut).toEqual([0, 1, 2]);
      expect(await q.get()).toBe(1);
      expect(await q.get()).toBe(2);
      expect(t.done()).toBe(true);
      expect(t.result()).toBe(true);
    }));
});

describe("test_queues.py QueueGetTests", () => {
  it("test_blocking_get", () =>
    run(async () => {
      const q = new Queue<number>();
      q.putNowait(1);
      expect(await q.get()).toBe(1);
    }));

  it("test_get_with_putters", () =>
    run(async () => {
      const loop = asyncio.getRunningLoop();
      const q = new Queue<number>(1);
      await q.put(1);
      const waiter = loop.createFuture<void>();
      q._putters.push(waiter);
      expect(await q.get()).toBe(1);
      expect(waiter.done()).toBe(true);
      expect(waiter.result()).toBeUndefined();
    }));

  it("test_blocking_get_wait", () =>
    runMock(async () => {
      const loop = asyncio.getRunningLoop();
      const q = new Queue<number>();
      let started = false;
      let finished = false;
      const queueGetTask = asyncio.createTask(async () => {
        started = true;
        const res = await q.get();
        finished = true;
        return res;
      });
      // started.wait() (asyncio.Event): the task starts at the next iteration.
      await asyncio.sleep(0);
      expect(started).toBe(true);
      expect(finished).toBe(false);
      loop.callLater(0.01, () => q.putNowait(1));
      const res = await queueGetTask;
      expect(loop.time()).toBe(0.01);
      expect(finished).toBe(true);
      expect(res).toBe(1);
    }));

  it("test_nonblocking_get", () => {
    const q = new Queue<number>();
    q.putNowait(1);
    expect(q.getNowait()).toBe(1);
  });

  it("test_nonblocking_get_exception", () => {
    const q = new Queue<number>();
    expect(() => q.getNowait()).toThrow(asyncio.QueueEmpty);
  });

  it("test_get_cancelled_race", () =>
    run(async () => {
      const q = new Queue<string>();
      const t1 = asyncio.createTask(() => q.get());
      const t2 = asyncio.createTask(() => q.get());
      await asyncio.sleep(0);
      t1.cancel();
      await asyncio.sleep(0);
      expect(t1.done()).toBe(true);
      await q.put("a");
      await asyncio.sleep(0);
      expect(await t2).toBe("a");
    }));

  it("test_get_with_waiting_putters", () =>
    run(async () => {
      const q = new Queue<string>(1);
      asyncio.createTask(() => q.put("a"));
      asyncio.createTask(() => q.put("b"));
      expect(await q.get()).toBe("a");
      expect(await q.get()).toBe("b");
    }));

  it("test_why_are_getters_waiting", () =>
    run(async () => {
      // The TaskGroup becomes two tasks awaited together.
      const q = new Queue<number>(1);
      const producer = asyncio.createTask(async () => {
        for (let i = 0; i < 5; i++) await q.put(i);
      });
      const consumer = asyncio.createTask(async () => {
        for (let i = 0; i < 5; i++) await q.get();
      });
      await producer;
      await consumer;
      expect(q.empty()).toBe(true);
    }));

  it("test_cancelled_getters_not_being_held_in_self_getters", () =>
    runMock(async () => {
      // wait_for(queue.get(), 0.1) becomes a task cancelled by a timer: the cancellation
      // path is the same, the error is CancelledError instead of TimeoutError.
      const loop = asyncio.getRunningLoop();
      const queue = new Queue<number>(5);
      const get = asyncio.createTask(() => queue.get());
      loop.callLater(0.1, () => get.cancel());
      expect(await settle(get)).toBeInstanceOf(asyncio.CancelledError);
      expect(queue._getters.length).toBe(0);
    }));
});

describe("test_queues.py QueuePutTests", () => {
  it("test_blocking_put", () =>
    run(async () => {
      const q = new Queue<number>();
      // No maxsize, won't block.
      await q.put(1);
      expect(await q.get()).toBe(1);
    }));

  it("test_blocking_put_wait", () =>
    runMock(async () => {
      const q = new Queue<number>(1);
      let started = false;
      let finished = false;
      const loop = asyncio.getRunningLoop();
      loop.callLater(0.01, () => q.getNowait());
      const queuePutTask = asyncio.createTask(async () => {
        started = true;
        await q.put(1);
        await q.put(2);
        finished = true;
      });
      await asyncio.sleep(0); // started.wait()
      expect(started).toBe(true);
      expect(finished).toBe(false);
      await queuePutTask;
      expect(finished).toBe(true);
      expect(loop.time()).toBeCloseTo(0.01);
    }));

  it("test_nonblocking_put", () => {
    const q = new Queue<number>();
    q.putNowait(1);
    expect(q.getNowait()).toBe(1);
  });

  it("test_get_cancel_drop_one_pending_reader", () =>
    run(async () => {
      const q = new Queue<number>();
      let reader = asyncio.createTask(() => q.get());
      await asyncio.sleep(0);
      q.putNowait(1);
      q.putNowait(2);
      reader.cancel();
      try {
        await reader;
      } catch (error) {
        if (!(error instanceof asyncio.CancelledError)) throw error;
        reader = asyncio.createTask(() => q.get());
        await reader;
      }
      // If we get 2, it means 1 got dropped!
      expect(reader.result()).toBe(1);
    }));

  it("test_get_cancel_drop_many_pending_readers", () =>
    run(async () => {
      // The TaskGroup becomes three tasks awaited at the end.
      const q = new Queue<number>();
      const reader1 = asyncio.createTask(() => q.get());
      const reader2 = asyncio.createTask(() => q.get());
      const reader3 = asyncio.createTask(() => q.get());
      await asyncio.sleep(0);
      q.putNowait(1);
      q.putNowait(2);
      reader1.cancel();
      expect(await settle(reader1)).toBeInstanceOf(asyncio.CancelledError);
      await reader3;
      await reader2;
      // It is undefined in which order concurrent readers receive results.
      expect(new Set([reader2.result(), reader3.result()])).toEqual(new Set([1, 2]));
    }),
    2000, // if an item were lost, the test would wait forever
  );

  // The writer is cancelled after its put of 2 was accepted but before it resumed: the
  // put raises CancelledError and 2 must not be put twice.
  it("test_put_cancel_drop", () =>
    run(async () => {
      const q = new Queue<number>(1);
      q.putNowait(1);
      // Putting a second item in the queue has to block (qsize=1).
      let writer = asyncio.createTask(() => q.put(2));
      await asyncio.sleep(0);
      expect(q.getNowait()).toBe(1);
      writer.cancel();
      try {
        await writer;
      } catch (error) {
        if (!(error instanceof asyncio.CancelledError)) throw error;
        writer = asyncio.createTask(() => q.put(2));
        await writer;
      }
      expect(q.getNowait()).toBe(2);
      expect(q.qsize()).toBe(0);
    }),
    2000, // if an item were lost, the test would wait forever
  );

  it("test_nonblocking_put_exception", () => {
    const q = new Queue<number>(1);
    q.putNowait(1);
    expect(() => q.putNowait(2)).toThrow(asyncio.QueueFull);
  });

  it("test_float_maxsize", () => {
    // Adapted: Python accepts maxsize=1.3 (full at 2 items); this port requires an
    // integer and says so at construction.
    expect(() => new Queue(1.3)).toThrow(ValueError);
    expect(() => new Queue(1.3)).toThrow("maxsize must be an integer, got 1.3");
  });

  it("test_put_cancelled", () =>
    run(async () => {
      const q = new Queue<number>();
      const t = asyncio.createTask(async () => {
        await q.put(1);
        return true;
      });
      expect(await q.get()).toBe(1);
      expect(t.done()).toBe(true);
      expect(t.result()).toBe(true);
    }));

  it("test_put_cancelled_race", () =>
    run(async () => {
      const q = new Queue<string>(1);
      const putA = asyncio.createTask(() => q.put("a"));
      const putB = asyncio.createTask(() => q.put("b"));
      const putC = asyncio.createTask(() => q.put("X"));
      await asyncio.sleep(0);
      expect(putA.done()).toBe(true);
      expect(putB.done()).toBe(false);

      putC.cancel();
      await asyncio.sleep(0);
      expect(putC.done()).toBe(true);
      expect(q.getNowait()).toBe("a");
      await asyncio.sleep(0);
      expect(q.getNowait()).toBe("b");
      await putB;
    }));

  it("test_put_with_waiting_getters", () =>
    run(async () => {
      const q = new Queue<string>();
      const t = asyncio.createTask(() => q.get());
      await asyncio.sleep(0);
      await q.put("a");
      expect(await t).toBe("a");
    }));

  it("test_why_are_putters_waiting", () =>
    run(async () => {
      // The TaskGroup becomes five tasks awaited together.
      const queue = new Queue<number>(2);
      const tasks = [
        asyncio.createTask(async () => {
          await asyncio.sleep(0);
          const num = queue.qsize();
          for (let i = 0; i < num; i++) queue.getNowait();
        }),
        ...[0, 1, 2, 3].map((item) => asyncio.createTask(() => queue.put(item))),
      ];
      for (const task of tasks) await task;
      expect(queue.qsize()).toBe(2);
    }));

  it("test_cancelled_puts_not_being_held_in_self_putters", () =>
    run(async () => {
      // Full queue.
      const queue = new Queue<number>(1);
      queue.putNowait(1);
      // Task waiting for space to put an item in the queue.
      const putTask = asyncio.createTask(() => queue.put(1));
      await asyncio.sleep(0);
      // The putter is removed from queue._putters when the task is cancelled.
      expect(queue._putters.length).toBe(1);
      putTask.cancel();
      expect(await settle(putTask)).toBeInstanceOf(asyncio.CancelledError);
      expect(queue._putters.length).toBe(0);
    }));

  it("test_cancelled_put_silence_value_error_exception", () =>
    run(async () => {
      // Full queue.
      const queue = new Queue<number>(1);
      queue.putNowait(1);
      // Task waiting for space to put an item in the queue.
      const putTask = asyncio.createTask(() => queue.put(1));
      await asyncio.sleep(0);
      // getNowait() removes the future of putTask from queue._putters.
      queue.getNowait();
      // When cancelled, put() removes its future from _putters, which getNowait() did already.
      putTask.cancel();
      // The missing entry is ignored: the task ends with CancelledError.
      expect(await settle(putTask)).toBeInstanceOf(asyncio.CancelledError);
    }));
});

describe("test_queues.py LifoQueueTests", () => {
  it("test_order", () =>
    run(async () => {
      const q = new LifoQueue<number>();
      for (const i of [1, 3, 2]) await q.put(i);
      const items = [await q.get(), await q.get(), await q.get()];
      expect(items).toEqual([2, 3, 1]);
    }));
});

describe("test_queues.py PriorityQueueTests", () => {
  it("test_order", () =>
    run(async () => {
      const q = new PriorityQueue<number>();
      for (const i of [1, 3, 2]) await q.put(i);
      const items = [await q.get(), await q.get(), await q.get()];
      expect(items).toEqual([1, 2, 3]);
    }));
});

const queueClasses = [
  ["Queue", Queue],
  ["LifoQueue", LifoQueue],
  ["PriorityQueue", PriorityQueue],
] as const;

for (const [name, QClass] of queueClasses) {
  describe(`test_queues.py ${name}JoinTests`, () => {
    it("test_task_done_underflow", () => {
      const q = new QClass();
      expect(() => q.taskDone()).toThrow(ValueError);
    });

    it("test_task_done", () =>
      run(async () => {
        const q = new QClass<number>();
        for (let i = 0; i < 100; i++) q.putNowait(i);
        let accumulator = 0;
        // Two workers get items from the queue and call taskDone after each.
        // Join the queue and assert all items have been processed.
        let running = true;
        const worker = async (): Promise<void> => {
          while (running) {
            const item = await q.get();
            accumulator += item;
            q.taskDone();
          }
        };
        const tasks = [asyncio.createTask(worker), asyncio.createTask(worker)];
        await q.join();
        expect(accumulator).toBe(4950);
        // Close the running workers.
        running = false;
        for (let i = 0; i < tasks.length; i++) q.putNowait(0);
        for (const task of tasks) await task;
      }));

    it("test_join_empty_queue", () =>
      run(async () => {
        const q = new QClass();
        // A queue join()s successfully, and before anything else (done twice for insurance).
        await q.join();
        await q.join();
      }));

    it("test_format", () => {
      const q = new QClass();
      expect(q._format()).toBe("maxsize=0");
      q._unfinishedTasks = 2;
      expect(q._format()).toBe("maxsize=0 tasks=2");
    });
  });

  describe(`test_queues.py ${name}ShutdownTests`, () => {
    it("test_format", () => {
      const q = new QClass();
      q.shutdown();
      expect(q._format()).toBe("maxsize=0 shutdown");
    });

    it("test_shutdown_empty", () =>
      run(async () => {
        // Set up an empty queue, and join() and get() tasks.
        const q = new QClass<string>();
        const loop = asyncio.getRunningLoop();
        const getTask = loop.createTask(() => q.get());
        await asyncio.sleep(0); // want the get task pending before shutdown

        q.shutdown(false); // unfinished tasks: 0 -> 0
        expect(q.qsize()).toBe(0);

        // join() finishes.
        await q.join();

        // The get() task is finished, and raised QueueShutDown.
        await asyncio.sleep(0);
        expect(getTask.done()).toBe(true);
        expect(await settle(getTask)).toBeInstanceOf(asyncio.QueueShutDown);

        // put() and get() raise QueueShutDown.
        await expect(q.put("data")).rejects.toThrow(asyncio.QueueShutDown);
        expect(() => q.putNowait("data")).toThrow(asyncio.QueueShutDown);
        await expect(q.get()).rejects.toThrow(asyncio.QueueShutDown);
        expect(() => q.getNowait()).toThrow(asyncio.QueueShutDown);
      }));

    it("test_shutdown_nonempty", () =>
      run(async () => {
        // Set up a full queue with 1 item, and join() and put() tasks.
        const q = new QClass<string>(1);
        const loop = asyncio.getRunningLoop();
        q.putNowait("data");
        const joinTask = loop.createTask(() => q.join());
        const putTask = loop.createTask(() => q.put("data2"));

        // The put() task is not finished.
        await asyncio.sleep(0);
        expect(putTask.done()).toBe(false);

        q.shutdown(false); // unfinished tasks: 1 -> 1
        expect(q.qsize()).toBe(1);

        // The put() task is finished, and raised QueueShutDown.
        await asyncio.sleep(0);
        expect(putTask.done()).toBe(true);
        expect(await settle(putTask)).toBeInstanceOf(asyncio.QueueShutDown);

        // get() succeeds on the enqueued item.
        expect(await q.get()).toBe("data");

        // The join() task is not finished.
        await asyncio.sleep(0);
        expect(joinTask.done()).toBe(false);

        // put() and get() raise QueueShutDown.
        await expect(q.put("data")).rejects.toThrow(asyncio.QueueShutDown);
        expect(() => q.putNowait("data")).toThrow(asyncio.QueueShutDown);
        await expect(q.get()).rejects.toThrow(asyncio.QueueShutDown);
        expect(() => q.getNowait()).toThrow(asyncio.QueueShutDown);

        // There is 1 unfinished task, and the join() task succeeds.
        q.taskDone();
        await asyncio.sleep(0);
        expect(joinTask.done()).toBe(true);
        await joinTask;
        expect(() => q.taskDone()).toThrow(ValueError);
      }));

    it("test_shutdown_immediate", () =>
      run(async () => {
        // Set up a queue with 1 item, and a join() task.
        const q = new QClass<string>();
        const loop = asyncio.getRunningLoop();
        q.putNowait("data");
        const joinTask = loop.createTask(() => q.join());

        q.shutdown(true); // unfinished tasks: 1 -> 0
        expect(q.qsize()).toBe(0);

        // The join() task has finished.
        await asyncio.sleep(0);
        expect(joinTask.done()).toBe(true);
        await joinTask;

        // put() and get() raise QueueShutDown.
        await expect(q.put("data")).rejects.toThrow(asyncio.QueueShutDown);
        expect(() => q.putNowait("data")).toThrow(asyncio.QueueShutDown);
        await expect(q.get()).rejects.toThrow(asyncio.QueueShutDown);
        expect(() => q.getNowait()).toThrow(asyncio.QueueShutDown);

        // There are no unfinished tasks.
        expect(() => q.taskDone()).toThrow(ValueError);
      }));

    it("test_shutdown_immediate_with_unfinished", () =>
      run(async () => {
        // Set up a queue with 2 items (1 retrieved), and a join() task.
        const q = new QClass<string>();
        const loop = asyncio.getRunningLoop();
        q.putNowait("data");
        q.putNowait("data");
        const joinTask = loop.createTask(() => q.join());
        expect(await q.get()).toBe("data");

        q.shutdown(true); // unfinished tasks: 2 -> 1
        expect(q.qsize()).toBe(0);

        // The join() task is not finished.
        await asyncio.sleep(0);
        expect(joinTask.done()).toBe(false);

        // put() and get() raise QueueShutDown.
        await expect(q.put("data")).rejects.toThrow(asyncio.QueueShutDown);
        expect(() => q.putNowait("data")).toThrow(asyncio.QueueShutDown);
        await expect(q.get()).rejects.toThrow(asyncio.QueueShutDown);
        expect(() => q.getNowait()).toThrow(asyncio.QueueShutDown);

        // There is 1 unfinished task.
        q.taskDone();
        expect(() => q.taskDone()).toThrow(ValueError);

        // The join() task has finished.
        await asyncio.sleep(0);
        expect(joinTask.done()).toBe(true);
        await joinTask;
      }));
  });
}
