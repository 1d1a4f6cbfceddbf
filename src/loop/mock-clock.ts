import { ValueError } from "../errors/builtins.js";
import type { Runner } from "./runner.js";

/** Options of `MockClock`. */
export interface MockClockOptions {
  /** Virtual seconds per real second (default 0: time moves only by `jump` and autojump). */
  rate?: number;
  /**
   * Once every task has been blocked for this many real seconds, jump the clock to the
   * next deadline (default Infinity: never). 0 makes time-based code run as fast as
   * possible, deterministically.
   */
  autojumpThreshold?: number;
}

/**
 * A virtual clock for tests (`trio.testing.MockClock`). Time starts at 0 and moves only
 * with `jump()`, at `rate`, or by autojumping to the next deadline once the program is
 * idle. Since asyncio timers of loops on the run live on the same deadlines, it gives
 * asyncio code virtual time too. Pass it as `trio.run({ clock }, fn)`.
 * Sync, either flavor.
 */
export class MockClock {
  private realBase = 0;
  private virtualBase = 0;
  private _rate = 0;
  /** @internal */
  _autojumpThreshold = Infinity;
  private readonly runners = new Set<Runner>();

  constructor(options: MockClockOptions = {}) {
    this.rate = options.rate ?? 0;
    this.autojumpThreshold = options.autojumpThreshold ?? Infinity;
  }

  /** Virtual seconds per real second; settable (never negative). */
  get rate(): number {
    return this._rate;
  }

  set rate(value: number) {
    if (typeof value !== "number" || Number.isNaN(value)) throw new TypeError("rate must be a number");
    if (value < 0) throw new ValueError("rate must be >= 0");
    const real = performance.now() / 1000;
    this.virtualBase = this.realToVirtual(real);
    this.realBase = real;
    this._rate = value;
    for (const runner of this.runners) runner._onClockJump();
  }

  /** Real seconds of global idleness after which the clock jumps to the next deadline; settable. */
  get autojumpThreshold(): number {
    return this._autojumpThreshold;
  }

  set autojumpThreshold(value: number) {
    if (typeof value !== "number" || Number.isNaN(value)) throw new TypeError("autojumpThreshold must be a number");
    if (value < 0) throw new ValueError("autojumpThreshold must be >= 0");
    this._autojumpThreshold = value;
    for (const runner of this.runners) runner._reconsiderIdle();
  }

  private realToVirtual(real: number): number {
    return this.virtualBase + this._rate * (real - this.realBase);
  }

  startClock(): void {}

  currentTime(): number {
    return this.realToVirtual(performance.now() / 1000);
  }

  deadlineToSleepTime(deadline: number): number {
    const virtualTimeout = deadline - this.currentTime();
    if (virtualTimeout <= 0) return 0;
    if (this._rate > 0) return virtualTimeout / this._rate;
    return 999_999_999;
  }

  /** Advances the clock by `seconds` (not negative); deadlines that pass fire at once. */
  jump(seconds: number): void {
    if (typeof seconds !== "number" || Number.isNaN(seconds)) throw new TypeError("jump() takes a number of seconds");
    if (seconds < 0) throw new ValueError("time can't go backwards");
    this.virtualBase += seconds;
    for (const runner of this.runners) runner._onClockJump();
  }

  /** @internal */
  _autojump(runner: Runner): void {
    const jump = runner.nextDeadline() - this.currentTime();
    if (jump > 0 && jump < Infinity) this.jump(jump);
    else if (jump <= 0) runner._onClockJump();
  }

  /** @internal */
  _attach(runner: Runner): void {
    this.runners.add(runner);
  }

  /** @internal */
  _detach(runner: Runner): void {
    this.runners.delete(runner);
  }

  toString(): string {
    return `<MockClock time=${this.currentTime().toFixed(7)} rate=${this._rate} autojumpThreshold=${this._autojumpThreshold}>`;
  }
}
