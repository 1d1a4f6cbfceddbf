/**
 * A Trio clock: the time source of a run, in seconds. `trio.run({ clock })` takes any
 * object with these methods; `MockClock` is the testing one.
 */
export interface Clock {
  /** Called once when the run starts. */
  startClock(): void;
  /** The current time in seconds (any origin; only differences matter). */
  currentTime(): number;
  /**
   * How long (in real seconds) the engine may wait for the host before `deadline` (a
   * time on this clock) is reached. `Infinity` means: do not wake up for it.
   */
  deadlineToSleepTime(deadline: number): number;
}

/**
 * The default clock: `performance.now()`, in seconds, with a random offset (as Trio
 * does) so that code cannot come to rely on the clock starting near zero.
 */
export class SystemClock implements Clock {
  private readonly offset = 10_000 + Math.random() * 190_000;

  startClock(): void {}

  currentTime(): number {
    return this.offset + performance.now() / 1000;
  }

  deadlineToSleepTime(deadline: number): number {
    return deadline - this.currentTime();
  }
}
