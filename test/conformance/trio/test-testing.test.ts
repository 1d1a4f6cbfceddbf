// Ported from python-trio/trio src/trio/_tests/test_testing.py
//
// The memory-stream tests (test__assert_raises, test__UnboundeByteQueue,
// test_MemorySendStream, test_MemoryReceiveStream, test_MemoryRecvStream_closing,
// test_memory_stream_pump, test_memory_stream_one_way_pair, test_memory_stream_pair,
// test_memory_streams_with_generic_tests, test_lockstep_streams_with_generic_tests) are
// in test/trio/testing/memory-streams.test.ts, next to the streams' own tests.
// Not ported: test_open_stream_to_socket_listener (trio.testing.open_stream_to_socket_listener
// is not in the API; test/trio/net/*.test.ts connect to listeners directly).
// Not applicable: test_trio_test (pytest plugin's `trio_test` decorator and its clock
// fixtures; vitest tests call trio.run themselves).
import { AssertionError } from "node:assert";
import { describe, expect, it } from "vitest";
import * as trio from "../../../src/trio/index.js";
import { RuntimeError } from "../../../src/errors/builtins.js";
import {
  MockClock,
  Sequencer,
  assertCheckpoints,
  assertNoCheckpoints,
  waitAllTasksBlocked,
} from "../../../src/trio/testing/index.js";

const { checkpoint, checkpointIfCancelled, cancelShieldedCheckpoint } = trio.lowlevel;

describe("test_testing", () => {
  it("test_wait_all_tasks_blocked", async () => {
    await trio.run(async () => {
      let record: string[] = [];

      const busyBee = async () => {
        for (let i = 0; i < 10; i++) await checkpoint();
        record.push("busy bee exhausted");
      };
      const waitingForBeeToLeave = async () => {
        await waitAllTasksBlocked();
        record.push("quiet at last!");
      };

      await trio.openNursery(async (nursery) => {
        nursery.startSoon(busyBee);
        nursery.startSoon(waitingForBeeToLeave);
        nursery.startSoon(waitingForBeeToLeave);
      });
      // (The original checks only that this finishes.)
      expect(record).toEqual(["busy bee exhausted", "quiet at last!", "quiet at last!"]);

      // check cancellation
      record = [];
      const cancelledWhileWaiting = async () => {
        try {
          await waitAllTasksBlocked();
        } catch (e) {
          if (!(e instanceof trio.Cancelled)) throw e;
          record.push("ok");
          // Python's bare `except Cancelled:` absorbs it; re-throwing is the rule here, and
          // the nursery's scope catches it all the same.
          throw e;
        }
      };
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(cancelledWhileWaiting);
        nursery.cancelScope.cancel();
      });
      expect(record).toEqual(["ok"]);
    });
  });

  it("test_wait_all_tasks_blocked_with_timeouts", async () => {
    const mockClock = new MockClock();
    await trio.run({ clock: mockClock }, async () => {
      const record: string[] = [];
      const timeoutTask = async () => {
        record.push("tt start");
        await trio.sleep(5);
        record.push("tt finished");
      };
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(timeoutTask);
        await waitAllTasksBlocked();
        expect(record).toEqual(["tt start"]);
        mockClock.jump(10);
        await waitAllTasksBlocked();
        expect(record).toEqual(["tt start", "tt finished"]);
      });
    });
  });

  it("test_wait_all_tasks_blocked_with_cushion", async () => {
    // The original sleeps 3 x 10 ms against cushions of 20 and 30 ms (real time). Here the
    // sleeps are 5 ms, so that host timer jitter of up to 20 ms cannot fire a cushion early.
    const record: string[] = [];
    await trio.run(async () => {
      const blink = async () => {
        record.push("blink start");
        await trio.sleep(0.005);
        await trio.sleep(0.005);
        await trio.sleep(0.005);
        record.push("blink end");
      };
      const waitNoCushion = async () => {
        await waitAllTasksBlocked();
        record.push("wait_no_cushion end");
      };
      const waitSmallCushion = async () => {
        await waitAllTasksBlocked(0.025);
        record.push("wait_small_cushion end");
      };
      const waitBigCushion = async () => {
        await waitAllTasksBlocked(0.035);
        record.push("wait_big_cushion end");
      };
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(blink);
        nursery.startSoon(waitNoCushion);
        nursery.startSoon(waitSmallCushion);
        nursery.startSoon(waitSmallCushion);
        nursery.startSoon(waitBigCushion);
      });
    });
    expect(record).toEqual([
      "blink start",
      "wait_no_cushion end",
      "blink end",
      "wait_small_cushion end",
      "wait_small_cushion end",
      "wait_big_cushion end",
    ]);
  });

  it("test_assert_checkpoints", async () => {
    await trio.run(async () => {
      await assertCheckpoints(() => checkpoint());

      await expect(assertCheckpoints(() => 1 + 1)).rejects.toBeInstanceOf(AssertionError);

      // partial yield cases: a schedule point without a cancel point, or vice versa, is
      // not a checkpoint.
      for (const partialYield of [checkpointIfCancelled, cancelShieldedCheckpoint]) {
        await expect(assertCheckpoints(() => partialYield())).rejects.toBeInstanceOf(AssertionError);
      }

      // But both together count as a checkpoint
      await assertCheckpoints(async () => {
        await checkpointIfCancelled();
        await cancelShieldedCheckpoint();
      });
    });
  });

  it("test_assert_no_checkpoints", async () => {
    await trio.run(async () => {
      await assertNoCheckpoints(() => 1 + 1);

      await expect(assertNoCheckpoints(() => checkpoint())).rejects.toBeInstanceOf(AssertionError);

      // partial yield cases: either half alone already fails assertNoCheckpoints.
      for (const partialYield of [checkpointIfCancelled, cancelShieldedCheckpoint]) {
        await expect(assertNoCheckpoints(() => partialYield())).rejects.toBeInstanceOf(AssertionError);
      }

      // And both together also count as a checkpoint
      await expect(
        assertNoCheckpoints(async () => {
          await checkpointIfCancelled();
          await cancelShieldedCheckpoint();
        }),
      ).rejects.toBeInstanceOf(AssertionError);
    });
  });

  it("test_Sequencer", async () => {
    await trio.run(async () => {
      const record: [string, number][] = [];
      const t = (val: [string, number]) => {
        record.push(val);
      };

      const f1 = async (seq: Sequencer) => {
        await seq.run(1, () => t(["f1", 1]));
        await seq.run(3, () => t(["f1", 3]));
        await seq.run(4, () => t(["f1", 4]));
      };
      const f2 = async (seq: Sequencer) => {
        await seq.run(0, () => t(["f2", 0]));
        await seq.run(2, () => t(["f2", 2]));
      };

      let seq = new Sequencer();
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(f1, seq);
        nursery.startSoon(f2, seq);
        await seq.run(5, () => waitAllTasksBlocked());
        expect(record).toEqual([
          ["f2", 0],
          ["f1", 1],
          ["f2", 2],
          ["f1", 3],
          ["f1", 4],
        ]);
      });

      seq = new Sequencer();
      // Catches us if we try to reuse a sequence point:
      await trio.asyncWith(seq.at(0), () => {});
      await expect(trio.asyncWith(seq.at(0), () => {})).rejects.toBeInstanceOf(RuntimeError);
    });
  });

  it("test_Sequencer_cancel", async () => {
    await trio.run(async () => {
      // Killing a blocked task makes everything blow up
      const record: string[] = [];
      const seq = new Sequencer();

      const child = async (i: number) => {
        await new trio.CancelScope().run(async (scope) => {
          if (i === 1) scope.cancel();
          try {
            await seq.run(i, () => {
              throw new Error("unreachable: the sequence is broken");
            });
          } catch (e) {
            if (!(e instanceof RuntimeError)) throw e;
            record.push(`seq(${i}) RuntimeError`);
          }
        });
      };

      await trio.openNursery(async (nursery) => {
        nursery.startSoon(child, 1);
        nursery.startSoon(child, 2);
        await seq.run(0, () => {});
      });

      expect(record).toEqual(["seq(1) RuntimeError", "seq(2) RuntimeError"]);

      // Late arrivals also get errors
      await expect(
        seq.run(3, () => {
          throw new Error("unreachable: the sequence is broken");
        }),
      ).rejects.toBeInstanceOf(RuntimeError);
    });
  });
});
