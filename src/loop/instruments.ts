import { KeyError } from "../errors/builtins.js";
import type { Task } from "./task.js";

/**
 * Hooks into the engine, for tracing and statistics (`trio.abc.Instrument`). Implement
 * any subset. An instrument that throws is disabled and reported as a warning.
 * Called synchronously by the engine; they must not block.
 */
export interface Instrument {
  beforeRun?(): void;
  afterRun?(): void;
  taskSpawned?(task: Task): void;
  taskScheduled?(task: Task): void;
  beforeTaskStep?(task: Task): void;
  afterTaskStep?(task: Task): void;
  taskExited?(task: Task): void;
  /** Called when every task is blocked; `timeout` is how long the engine may sleep (seconds). */
  beforeIoWait?(timeout: number): void;
  afterIoWait?(timeout: number): void;
}

export type InstrumentHook = keyof Instrument;

/** The instruments of one run (not exported from the package). */
export class Instruments {
  private readonly list: Instrument[] = [];

  constructor(
    initial: readonly Instrument[],
    private readonly onChange: (active: boolean) => void,
  ) {
    for (const instrument of initial) this.add(instrument);
  }

  get active(): boolean {
    return this.list.length > 0;
  }

  add(instrument: Instrument): void {
    if (typeof instrument !== "object" || instrument === null) throw new TypeError("an instrument must be an object");
    if (!this.list.includes(instrument)) this.list.push(instrument);
    this.onChange(true);
  }

  remove(instrument: Instrument): void {
    const i = this.list.indexOf(instrument);
    if (i < 0) throw new KeyError("removeInstrument: that instrument is not installed");
    this.list.splice(i, 1);
    this.onChange(this.list.length > 0);
  }

  call(hook: InstrumentHook, arg?: Task | number): void {
    for (const instrument of [...this.list]) {
      try {
        // Inside the try: a hook that is a throwing getter disables the instrument too.
        const method: unknown = Reflect.get(instrument, hook);
        if (typeof method !== "function") continue;
        Reflect.apply(method, instrument, [arg]);
      } catch (error) {
        const i = this.list.indexOf(instrument);
        if (i >= 0) this.list.splice(i, 1);
        this.onChange(this.list.length > 0);
        process.emitWarning(
          `Exception raised when calling ${hook} on instrument ${describe(instrument)}. Instrument has been disabled. ` +
            (error instanceof Error ? (error.stack ?? String(error)) : String(error)),
          { type: "TrioWarning", code: "TRIO_INSTRUMENT_DISABLED" },
        );
      }
    }
  }
}

function describe(instrument: Instrument): string {
  const name = (instrument as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === "string" && name !== "Object" ? `<${name}>` : "<instrument>";
}
