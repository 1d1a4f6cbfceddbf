/**
 * Trio's memory channels (`trio.open_memory_channel`): an in-process queue of objects
 * between tasks, with a bounded (possibly zero) buffer, clones for several producers
 * and consumers, and closure that propagates to the other side.
 *
 * Every operation is atomic with respect to cancellation: a cancelled `send` has not
 * delivered its value, and a cancelled `receive` has not taken one.
 */
import { ValueError } from "../errors/builtins.js";
import type { AsyncContextManager } from "../loop/async-context-manager.js";
import { currentTrioTask } from "../loop/current.js";
import { BrokenResourceError, ClosedResourceError, EndOfChannel, WouldBlock } from "../loop/errors.js";
import { Abort, TaskState, type RaiseCancel, type Task } from "../loop/task.js";
import { cancelShieldedCheckpoint, checkpoint, checkpointIfCancelled, rescheduleWithValue, takeValue } from "../loop/traps.js";
import type { ReceiveChannel, SendChannel } from "./channel-abc.js";

/** A snapshot of a memory channel's state, shared by all its clones. */
export interface MemoryChannelStatistics {
  /** Values waiting in the buffer. */
  currentBufferUsed: number;
  /** The buffer's capacity, as given to `openMemoryChannel`. */
  maxBufferSize: number;
  /** Open `MemorySendChannel` clones. */
  openSendChannels: number;
  /** Open `MemoryReceiveChannel` clones. */
  openReceiveChannels: number;
  /** Tasks blocked in `send` (over all clones). */
  tasksWaitingSend: number;
  /** Tasks blocked in `receive` (over all clones). */
  tasksWaitingReceive: number;
  /** The most values the buffer has held at once since the channel was opened. */
  peakBufferUsed: number;
}

/** A FIFO with O(1) `shift`; values may be anything, `undefined` included. */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(value: T): void {
    this.items.push(value);
  }

  shift(): T {
    const items = this.items;
    const value = items[this.head];
    items[this.head++] = undefined as T;
    if (this.head === items.length) {
      items.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= items.length) {
      this.items = items.slice(this.head);
      this.head = 0;
    }
    return value;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

let channelCount = 0;

/** The state all clones of one channel share. */
class MemoryChannelState<T> {
  readonly id = ++channelCount;
  readonly data = new Fifo<T>();
  openSendChannels = 0;
  openReceiveChannels = 0;
  /** Blocked senders and their values, oldest first; each task's `customSleepData` is its clone. */
  readonly sendTasks = new Map<Task, T>();
  /** Blocked receivers, oldest first; each task's `customSleepData` is its clone. */
  readonly receiveTasks = new Set<Task>();
  peakBufferUsed = 0;

  constructor(readonly maxBufferSize: number) {}

  statistics(): MemoryChannelStatistics {
    return {
      currentBufferUsed: this.data.length,
      maxBufferSize: this.maxBufferSize,
      openSendChannels: this.openSendChannels,
      openReceiveChannels: this.openReceiveChannels,
      tasksWaitingSend: this.sendTasks.size,
      tasksWaitingReceive: this.receiveTasks.size,
      peakBufferUsed: this.peakBufferUsed,
    };
  }
}

const RESOLVED: Promise<void> = Promise.resolve();
const CREATE: unique symbol = Symbol("MemoryChannel.create");
const SEND_WAIT = "MemorySendChannel.send()";
const RECEIVE_WAIT = "MemoryReceiveChannel.receive()";
const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });
const WOULD_BLOCK: unique symbol = Symbol("would block");
const END: unique symbol = Symbol("end of channel");

function endOfChannel(): EndOfChannel {
  return new EndOfChannel("every MemorySendChannel of this channel has been closed and its buffer is empty");
}

function checkCreate(token: unknown, cls: string): void {
  if (token !== CREATE) throw new TypeError(`${cls} cannot be constructed directly: use trio.openMemoryChannel(maxBufferSize)`);
}

/**
 * The end of a checkpoint whose operation did not block: a schedule point that never
 * throws Cancelled (`cancelShieldedCheckpoint`), then `result`. When the engine allows
 * it, this costs no more than the caller's own await.
 */
function completeAfterSchedulePoint<R>(task: Task, result: R): Promise<R> {
  if (task._state === TaskState.Running && task.runner._fastCheckpointOk()) {
    task._schedulePoints++;
    return Promise.resolve(result);
  }
  return resultAfter(task.runner._schedulePoint(task, "cancel-shielded checkpoint"), result);
}

/** `completeAfterSchedulePoint` for a result of `undefined`, without allocating. */
function completeVoidAfterSchedulePoint(task: Task): Promise<void> {
  if (task._state === TaskState.Running && task.runner._fastCheckpointOk()) {
    task._schedulePoints++;
    return RESOLVED;
  }
  return task.runner._schedulePoint(task, "cancel-shielded checkpoint") as Promise<void>;
}

async function resultAfter<R>(wait: Promise<unknown>, result: R): Promise<R> {
  await wait;
  return result;
}

/** Abort function of a blocked `send`: the value is withdrawn, so it is never delivered. */
function abortSend(_raiseCancel: RaiseCancel, task: Task): Abort {
  (task.customSleepData as MemorySendChannel<unknown>)._state.sendTasks.delete(task);
  return Abort.SUCCEEDED;
}

/** Abort function of a blocked `receive`: the task leaves the queue without a value. */
function abortReceive(_raiseCancel: RaiseCancel, task: Task): Abort {
  (task.customSleepData as MemoryReceiveChannel<unknown>)._state.receiveTasks.delete(task);
  return Abort.SUCCEEDED;
}

/** The value handed to a parked receiver (it becomes the Promise's value, as any async return). */
async function receiveParked(task: Task, wait: Promise<unknown>): Promise<unknown> {
  await wait;
  return takeValue(task);
}

/** The iterator result for a parked receiver; the value stays unwrapped inside it. */
async function nextParked(task: Task, wait: Promise<unknown>): Promise<IteratorResult<unknown>> {
  try {
    await wait;
  } catch (error) {
    if (error instanceof EndOfChannel) return DONE;
    throw error;
  }
  return { done: false, value: takeValue(task) };
}

/**
 * Opens a memory channel: returns `[sendChannel, receiveChannel]` (values flow from
 * left to right). `send` blocks once `maxBufferSize` values are buffered; with 0, each
 * `send` waits for a `receive` and hands its value over directly. `maxBufferSize` is an
 * integer (at least 0) or `Infinity`. Close every clone of an end when done with it: the
 * receivers see `EndOfChannel` once all send clones are closed and the buffer is empty,
 * and senders get `BrokenResourceError` once all receive clones are closed.
 * Sync, either flavor.
 */
export function openMemoryChannel<T>(maxBufferSize: number): [MemorySendChannel<T>, MemoryReceiveChannel<T>] {
  if (maxBufferSize !== Infinity && !Number.isInteger(maxBufferSize)) {
    throw new TypeError("maxBufferSize must be an integer or Infinity");
  }
  if (maxBufferSize < 0) throw new ValueError("maxBufferSize must be >= 0");
  const state = new MemoryChannelState<T>(maxBufferSize);
  return [new MemorySendChannel(CREATE, state), new MemoryReceiveChannel(CREATE, state)];
}

/**
 * The sending end of a memory channel (created by `openMemoryChannel`). Several tasks
 * may send at once; `clone()` gives further independent ends on the same channel.
 * `send`, `aclose`, `aexit` and `[Symbol.asyncDispose]` are Trio-flavored; the other
 * members are sync, either flavor.
 */
export class MemorySendChannel<T> implements SendChannel<T>, AsyncContextManager<MemorySendChannel<T>> {
  /** @internal */ readonly _state: MemoryChannelState<T>;
  /** @internal */ _closed = false;

  /** @internal */
  constructor(token: typeof CREATE, state: MemoryChannelState<T>) {
    checkCreate(token, "MemorySendChannel");
    this._state = state;
    state.openSendChannels++;
  }

  /** Whether this clone has been closed. Sync, either flavor. */
  get closed(): boolean {
    return this._closed;
  }

  /** The channel's statistics (shared by all clones). Sync, either flavor. */
  statistics(): MemoryChannelStatistics {
    return this._state.statistics();
  }

  /**
   * Sends `value` without blocking: hands it to the longest-waiting receiver, or buffers
   * it. Throws `WouldBlock` if the buffer is full, `ClosedResourceError` if this clone is
   * closed, `BrokenResourceError` if every receive clone is closed. Sync, either flavor.
   */
  sendNowait(value: T): void {
    if (!this._offer(value)) throw new WouldBlock("the channel's buffer is full (or it has none and no receiver is waiting)");
  }

  /** Delivers or buffers `value` if possible (false: it would block); throws if closed or broken. */
  private _offer(value: T): boolean {
    if (this._closed) throw new ClosedResourceError("this MemorySendChannel has been closed");
    const state = this._state;
    if (state.openReceiveChannels === 0) {
      throw new BrokenResourceError("every MemoryReceiveChannel of this channel has been closed");
    }
    if (state.receiveTasks.size !== 0) {
      const task = state.receiveTasks.values().next().value as Task;
      state.receiveTasks.delete(task);
      rescheduleWithValue(task, value);
      return true;
    }
    const data = state.data;
    if (data.length < state.maxBufferSize) {
      data.push(value);
      if (data.length > state.peakBufferUsed) state.peakBufferUsed = data.length;
      return true;
    }
    return false;
  }

  /**
   * Sends `value`, waiting while the buffer is full. Several tasks may send at once;
   * they are served in arrival order. A checkpoint even when it does not wait. If
   * cancelled while waiting, the value was not sent. Throws `ClosedResourceError` if
   * this clone is closed (also when another task closes it during the wait) and
   * `BrokenResourceError` if every receive clone is closed. Trio-flavored.
   */
  send(value: T): Promise<void> {
    const task = currentTrioTask("MemorySendChannel.send()");
    if (task._cancelStatus!.effectivelyCancelled) return checkpointIfCancelled();
    task._cancelPoints++;
    let done: boolean;
    try {
      done = this._offer(value);
    } catch (error) {
      return Promise.reject(error);
    }
    if (done) return completeVoidAfterSchedulePoint(task);
    // A task already parked elsewhere cannot wait here too: let the engine report it.
    if (task._state !== TaskState.Running) return task.runner._park(task, abortSend, SEND_WAIT) as Promise<void>;
    this._state.sendTasks.set(task, value);
    task.customSleepData = this;
    return task.runner._park(task, abortSend, SEND_WAIT) as Promise<void>;
  }

  /**
   * Another send end on the same channel. Close each clone separately: receivers see
   * `EndOfChannel` only once every send clone is closed. Throws `ClosedResourceError` if
   * this clone is closed. Sync, either flavor.
   */
  clone(): MemorySendChannel<T> {
    if (this._closed) throw new ClosedResourceError("cannot clone a MemorySendChannel that has been closed");
    return new MemorySendChannel(CREATE, this._state);
  }

  /**
   * Closes this clone at once (not a checkpoint, so it also works in cancelled code):
   * tasks blocked in `send` on it get `ClosedResourceError`; if it was the last send
   * clone, blocked receivers get `EndOfChannel`. Closing twice does nothing.
   * Sync, either flavor.
   */
  close(): void {
    if (this._closed) return;
    this._closed = true;
    const state = this._state;
    for (const task of state.sendTasks.keys()) {
      if (task.customSleepData !== this) continue;
      state.sendTasks.delete(task);
      task.runner._rescheduleError(task, new ClosedResourceError("this MemorySendChannel was closed while send() was waiting"));
    }
    if (--state.openSendChannels === 0) {
      const receivers = [...state.receiveTasks];
      state.receiveTasks.clear();
      for (const task of receivers) {
        task.runner._rescheduleError(task, endOfChannel());
      }
    }
  }

  /** Closes this clone (see `close()`), then checkpoints. Trio-flavored. */
  aclose(): Promise<void> {
    currentTrioTask("MemorySendChannel.aclose()");
    this.close();
    return checkpoint();
  }

  /**
   * Closes this clone at the end of an `await using` block, with a schedule point that
   * never throws Cancelled: `await using` would wrap a Cancelled thrown here together
   * with the body's error in a SuppressedError that no cancel scope recognises. A
   * pending cancellation is raised at the next checkpoint instead. Trio-flavored.
   */
  [Symbol.asyncDispose](): Promise<void> {
    currentTrioTask("MemorySendChannel[Symbol.asyncDispose]()");
    this.close();
    return cancelShieldedCheckpoint();
  }

  /** Closes this clone at the end of a `using` block (see `close()`). Sync, either flavor. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Entering `asyncWith(channel, body)`: gives the channel itself; not a checkpoint. Either flavor. */
  aenter(): Promise<MemorySendChannel<T>> {
    return Promise.resolve(this);
  }

  /** Leaving `asyncWith(channel, body)`: `aclose()`; never swallows the body's error. Trio-flavored. */
  async aexit(): Promise<boolean> {
    await this.aclose();
    return false;
  }

  /** A short description, such as `<send channel using buffer #3>`. */
  toString(): string {
    return `<send channel using buffer #${this._state.id}${this._closed ? ", closed" : ""}>`;
  }
}

/**
 * The receiving end of a memory channel (created by `openMemoryChannel`). Several tasks
 * may receive at once: each value goes to exactly one of them, in arrival order.
 * `clone()` gives further ends on the same channel (they share the values, unlike a tee).
 * `receive`, `aclose`, `aexit`, `[Symbol.asyncDispose]` and each step of async
 * iteration are Trio-flavored; the other members are sync, either flavor.
 */
export class MemoryReceiveChannel<T> implements ReceiveChannel<T>, AsyncContextManager<MemoryReceiveChannel<T>> {
  /** @internal */ readonly _state: MemoryChannelState<T>;
  /** @internal */ _closed = false;

  /** @internal */
  constructor(token: typeof CREATE, state: MemoryChannelState<T>) {
    checkCreate(token, "MemoryReceiveChannel");
    this._state = state;
    state.openReceiveChannels++;
  }

  /** Whether this clone has been closed. Sync, either flavor. */
  get closed(): boolean {
    return this._closed;
  }

  /** The channel's statistics (shared by all clones). Sync, either flavor. */
  statistics(): MemoryChannelStatistics {
    return this._state.statistics();
  }

  /**
   * Receives a value without blocking, from the buffer or from the longest-waiting
   * sender. Throws `WouldBlock` if there is none, `EndOfChannel` if every send clone is
   * closed and the buffer is empty, `ClosedResourceError` if this clone is closed.
   * The value is returned as it was sent, even a Promise. Sync, either flavor.
   */
  receiveNowait(): T {
    const value = this._poll();
    if (value === WOULD_BLOCK) throw new WouldBlock("nothing to receive: the buffer is empty and no sender is waiting");
    if (value === END) throw endOfChannel();
    return value;
  }

  /** Takes the next value if there is one; throws only if this clone is closed. */
  private _poll(): T | typeof WOULD_BLOCK | typeof END {
    if (this._closed) throw new ClosedResourceError("this MemoryReceiveChannel has been closed");
    const state = this._state;
    if (state.sendTasks.size !== 0) {
      const sender = state.sendTasks.keys().next().value as Task;
      const value = state.sendTasks.get(sender) as T;
      state.sendTasks.delete(sender);
      sender.runner._reschedule(sender);
      // The sender's value goes behind the buffered ones.
      if (state.data.length === 0) return value;
      state.data.push(value);
    }
    if (state.data.length !== 0) return state.data.shift();
    return state.openSendChannels === 0 ? END : WOULD_BLOCK;
  }

  /**
   * Receives the next value, waiting until there is one. A checkpoint even when it does
   * not wait. If cancelled while waiting, no value was taken. Throws `EndOfChannel` once
   * every send clone is closed and the buffer is empty, `ClosedResourceError` if this
   * clone is closed (also when another task closes it during the wait).
   *
   * A thenable value is adopted by the returned Promise (as by any async function's
   * return); `receiveNowait()` and async iteration hand values over unchanged.
   * Trio-flavored.
   */
  receive(): Promise<T> {
    return this._receive("MemoryReceiveChannel.receive()", false) as Promise<T>;
  }

  /**
   * @internal `receive()`, or with `asResult` the async iterator's `next()`: the value
   * wrapped in an IteratorResult (so a thenable is not adopted), `done` at EndOfChannel.
   */
  _receive(call: string, asResult: boolean): Promise<unknown> {
    const task = currentTrioTask(call);
    if (task._cancelStatus!.effectivelyCancelled) return checkpointIfCancelled();
    task._cancelPoints++;
    let value: T | typeof WOULD_BLOCK | typeof END;
    try {
      value = this._poll();
    } catch (error) {
      return Promise.reject(error);
    }
    if (value === WOULD_BLOCK) return this._park(task, asResult);
    if (value === END) return asResult ? Promise.resolve(DONE) : Promise.reject(endOfChannel());
    return completeAfterSchedulePoint(task, asResult ? { done: false, value } : value);
  }

  private _park(task: Task, asResult: boolean): Promise<unknown> {
    // A task already parked elsewhere cannot wait here too: let the engine report it.
    if (task._state !== TaskState.Running) return task.runner._park(task, abortReceive, RECEIVE_WAIT);
    this._state.receiveTasks.add(task);
    task.customSleepData = this;
    const wait = task.runner._park(task, abortReceive, RECEIVE_WAIT);
    return asResult ? nextParked(task, wait) : receiveParked(task, wait);
  }

  /**
   * Another receive end on the same channel; each value still goes to one receiver only.
   * Close each clone separately. Throws `ClosedResourceError` if this clone is closed.
   * Sync, either flavor.
   */
  clone(): MemoryReceiveChannel<T> {
    if (this._closed) throw new ClosedResourceError("cannot clone a MemoryReceiveChannel that has been closed");
    return new MemoryReceiveChannel(CREATE, this._state);
  }

  /**
   * Closes this clone at once (not a checkpoint): tasks blocked in `receive` on it get
   * `ClosedResourceError`; if it was the last receive clone, blocked senders get
   * `BrokenResourceError` and the buffered values are dropped. Closing twice does
   * nothing. Sync, either flavor.
   */
  close(): void {
    if (this._closed) return;
    this._closed = true;
    const state = this._state;
    for (const task of state.receiveTasks) {
      if (task.customSleepData !== this) continue;
      state.receiveTasks.delete(task);
      task.runner._rescheduleError(task, new ClosedResourceError("this MemoryReceiveChannel was closed while receive() was waiting"));
    }
    if (--state.openReceiveChannels === 0) {
      const senders = [...state.sendTasks.keys()];
      state.sendTasks.clear();
      for (const task of senders) {
        task.runner._rescheduleError(task, new BrokenResourceError("every MemoryReceiveChannel of this channel has been closed"));
      }
      state.data.clear();
    }
  }

  /** Closes this clone (see `close()`), then checkpoints. Trio-flavored. */
  aclose(): Promise<void> {
    currentTrioTask("MemoryReceiveChannel.aclose()");
    this.close();
    return checkpoint();
  }

  /**
   * Closes this clone at the end of an `await using` block, with a schedule point that
   * never throws Cancelled (see `MemorySendChannel[Symbol.asyncDispose]`). Trio-flavored.
   */
  [Symbol.asyncDispose](): Promise<void> {
    currentTrioTask("MemoryReceiveChannel[Symbol.asyncDispose]()");
    this.close();
    return cancelShieldedCheckpoint();
  }

  /** Closes this clone at the end of a `using` block (see `close()`). Sync, either flavor. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Entering `asyncWith(channel, body)`: gives the channel itself; not a checkpoint. Either flavor. */
  aenter(): Promise<MemoryReceiveChannel<T>> {
    return Promise.resolve(this);
  }

  /** Leaving `asyncWith(channel, body)`: `aclose()`; never swallows the body's error. Trio-flavored. */
  async aexit(): Promise<boolean> {
    await this.aclose();
    return false;
  }

  /**
   * `for await (const value of channel)`: receives until `EndOfChannel`. Values arrive
   * as sent (a Promise stays a Promise). Breaking out of the loop leaves the channel
   * open. Each step is Trio-flavored.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return new MemoryReceiveIterator(this);
  }

  /** A short description, such as `<receive channel using buffer #3>`. */
  toString(): string {
    return `<receive channel using buffer #${this._state.id}${this._closed ? ", closed" : ""}>`;
  }
}

/** The async iterator of a MemoryReceiveChannel (Trio's `__anext__`). */
class MemoryReceiveIterator<T> implements AsyncIterableIterator<T> {
  constructor(private readonly channel: MemoryReceiveChannel<T>) {}

  next(): Promise<IteratorResult<T>> {
    return this.channel._receive("MemoryReceiveChannel async iteration", true) as Promise<IteratorResult<T>>;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
