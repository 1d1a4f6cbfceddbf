import { RuntimeError, ValueError } from "../../errors/builtins.js";
import type { AsyncContextManager } from "../../loop/async-context-manager.js";
import { currentTrioTask } from "../../loop/current.js";
import { Cancelled } from "../../loop/errors.js";
import { ParkingLot } from "../../loop/parking-lot.js";
import { checkpoint } from "../../loop/traps.js";

/** One position's turn: set once the previous position's block has exited (a one-shot event). */
class Turn {
  isSet = false;
  readonly lot = new ParkingLot();

  set(): void {
    this.isSet = true;
    this.lot.unparkAll();
  }
}

function checkPosition(position: unknown): number {
  if (typeof position !== "number" || !Number.isInteger(position)) {
    throw new TypeError(`Sequencer position must be an integer, got ${typeof position === "number" ? position : typeof position}`);
  }
  // A negative position would wait for a turn that never comes.
  if (position < 0) throw new ValueError(`Sequencer position must be non-negative, got ${position}`);
  return position;
}

/**
 * Forces blocks of code in different tasks to run in an explicit linear order
 * (`trio.testing.Sequencer`). Each block gets a position: block 0 starts at once, and
 * block N starts only once block N-1 has finished (normally or not). Each position may be
 * used once. If a task waiting for its turn is cancelled, the sequence is broken: that
 * task and every task waiting or arriving later get a RuntimeError.
 *
 * `await seq.run(position, async () => ...)` runs a block; `seq.at(position)` is the same
 * block as an async context manager, for `asyncWith`. Construct anywhere; `run()` and the
 * context manager are Trio-flavored.
 */
export class Sequencer {
  private readonly turns = new Map<number, Turn>();
  private readonly claimed = new Set<number>();
  private broken = false;

  /**
   * Runs `body` when it is `position`'s turn and returns its result; then lets the next
   * position go. Trio-flavored.
   */
  async run<R>(position: number, body: () => R | Promise<R>): Promise<R> {
    checkPosition(position);
    if (typeof body !== "function") throw new TypeError("Sequencer.run(position, body) needs a body function `async () => ...`");
    await this.enter(position, "Sequencer.run()");
    try {
      return await body();
    } finally {
      this.exit(position);
    }
  }

  /**
   * The block at `position` as an async context manager (Python's `async with seq(position)`):
   * `await asyncWith(seq.at(2), async () => ...)`. Its `aenter()` waits for the turn;
   * its `aexit()` passes the turn on and never swallows the error. Sync, either flavor
   * (the context manager's methods are Trio-flavored).
   */
  at(position: number): AsyncContextManager<void> {
    checkPosition(position);
    let state: "new" | "entering" | "entered" | "exited" = "new";
    return {
      aenter: async () => {
        if (state !== "new") throw new RuntimeError(`this Sequencer.at(${position}) context manager can be entered only once`);
        state = "entering";
        await this.enter(position, "Sequencer.at().aenter()");
        state = "entered";
      },
      aexit: async () => {
        if (state !== "entered") throw new RuntimeError(`Sequencer.at(${position}).aexit() called without a successful aenter()`);
        state = "exited";
        this.exit(position);
        return false;
      },
    };
  }

  private turn(position: number): Turn {
    let turn = this.turns.get(position);
    if (turn === undefined) {
      turn = new Turn();
      this.turns.set(position, turn);
    }
    return turn;
  }

  /** Waits for `position`'s turn. */
  private async enter(position: number, call: string): Promise<void> {
    const task = currentTrioTask(call);
    if (this.claimed.has(position)) throw new RuntimeError(`Attempted to reuse sequence point ${position}`);
    if (this.broken) throw new RuntimeError("sequence broken!");
    this.claimed.add(position);
    if (position === 0) return;
    const turn = this.turn(position);
    try {
      if (turn.isSet) await checkpoint();
      else await turn.lot._park(task, `Sequencer turn ${position}`);
    } catch (error) {
      if (!(error instanceof Cancelled)) throw error;
      this.broken = true;
      for (const t of this.turns.values()) t.set();
      // The Cancelled is replaced on purpose (as in Trio): do not report it as swallowed.
      // The scope stays cancelled, so the next checkpoint raises it again.
      task._cancelledAt = null;
      throw new RuntimeError("Sequencer wait cancelled -- sequence broken");
    }
    if (this.broken) throw new RuntimeError("sequence broken!");
  }

  /** Passes the turn to the next position. */
  private exit(position: number): void {
    this.turn(position + 1).set();
  }
}
