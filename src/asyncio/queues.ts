/**
 * asyncio's queues (Python's `asyncio.queues`, 3.13 semantics with `shutdown()`): FIFO,
 * LIFO and priority queues for coordinating asyncio tasks. Blocked `put`/`get`/`join`
 * calls wait on loop Futures, so cancelling a blocked task leaves no trace in the queue.
 */
import { RuntimeError, ValueError } from "../errors/builtins.js";
import type { BaseTrioEventLoop } from "./base-loop.js";
import { currentAioLoop } from "./current.js";
import { QueueEmpty, QueueFull, QueueShutDown } from "./errors.js";
import type { Future } from "./futures.js";

/** FIFO storage compacts its consumed head only past this many slots (amortised O(1) `get`). */
const COMPACT_AT = 1024;

function removeWaiter<W>(waiters: W[], waiter: W): void {
  const index = waiters.indexOf(waiter);
  if (index !== -1) waiters.splice(index, 1);
}

/** Wakes every not-yet-done waiter and empties the list. */
function wakeAll(waiters: Future<void>[]): void {
  while (waiters.length > 0) {
    const waiter = waiters.shift()!;
    if (!waiter.done()) waiter.setResult(undefined);
  }
}

/** A short Python-like rendering of a queued item for `toString()`. */
function formatItem(item: unknown): string {
  if (typeof item === "string") return JSON.stringify(item);
  if (Array.isArray(item)) return `[${item.map(formatItem).join(", ")}]`;
  if (typeof item === "bigint") return `${item}n`;
  if (typeof item === "symbol") return item.toString();
  if (typeof item === "function") return `[function ${item.name || "anonymous"}]`;
  if (typeof item === "object" && item !== null) {
    const toString = (item as { toString?: unknown }).toString;
    return typeof toString === "function" && toString !== Object.prototype.toString ? String((toString as () => unknown).call(item)) : Object.prototype.toString.call(item);
  }
  return String(item);
}

/**
 * A queue for coordinating producer and consumer asyncio tasks (`asyncio.Queue`): items
 * come out in FIFO order. With `maxsize` 0 or less the queue is unbounded; otherwise
 * `put()` waits while `maxsize` items are queued. Each item put counts as one unfinished
 * task until a consumer calls `taskDone()`; `join()` waits until none is left.
 * `shutdown()` stops the queue: `put` then throws `QueueShutDown`, and so does `get` once
 * the queue is empty.
 *
 * Like every asyncio primitive, a queue binds to the first loop it blocks on and refuses
 * (with RuntimeError) to block on another. Sync methods: either flavor; `put`, `get`
 * and `join` are asyncio-flavored.
 */
export class Queue<T = unknown> {
  /** @internal The stored items; a FIFO queue's live items start at `_head`. */
  _queue: T[] = [];
  /** @internal */ _head = 0;
  /** @internal Futures of `get()` calls waiting for an item, oldest first. */
  readonly _getters: Future<void>[] = [];
  /** @internal Futures of `put()` calls waiting for a free slot, oldest first. */
  readonly _putters: Future<void>[] = [];
  /** @internal */ _unfinishedTasks = 0;
  /** @internal */ _isShutdown = false;
  private readonly _joiners: Future<boolean>[] = [];
  private _loop: BaseTrioEventLoop | null = null;
  private readonly _maxsize: number;

  /** `maxsize`: an integer; 0 or less (the default) means unbounded. */
  constructor(maxsize = 0) {
    if (typeof maxsize !== "number") throw new TypeError(`maxsize must be an integer, got ${typeof maxsize}`);
    if (!Number.isInteger(maxsize)) throw new ValueError(`maxsize must be an integer, got ${maxsize}`);
    this._maxsize = maxsize;
  }

  // ------------------------------------------------------------ storage (overridden by subclasses)

  /** @internal Stores one item. */
  _put(item: T): void {
    this._queue.push(item);
  }

  /** @internal Removes and returns the next item (the queue is not empty). */
  _get(): T {
    const queue = this._queue;
    const item = queue[this._head];
    queue[this._head] = undefined as T;
    this._head++;
    if (this._head === queue.length) {
      queue.length = 0;
      this._head = 0;
    } else if (this._head >= COMPACT_AT && this._head * 2 >= queue.length) {
      queue.splice(0, this._head);
      this._head = 0;
    }
    return item;
  }

  // ------------------------------------------------------------ state

  /** The number of items in the queue. */
  qsize(): number {
    return this._queue.length - this._head;
  }

  /** The number of items allowed in the queue (0 or less: unbounded). */
  get maxsize(): number {
    return this._maxsize;
  }

  /** Whether the queue holds no item. */
  empty(): boolean {
    return this.qsize() === 0;
  }

  /** Whether `maxsize` items are queued; never true for an unbounded queue. */
  full(): boolean {
    return this._maxsize > 0 && this.qsize() >= this._maxsize;
  }

  // ------------------------------------------------------------ put

  /**
   * Puts `item` into the queue, waiting for a free slot while the queue is full. Throws
   * `QueueShutDown` if the queue is (or, while waiting, gets) shut down. Cancelling a
   * waiting `put` withdraws it; if a slot had already been handed to it, the next
   * waiting `put` gets the slot. asyncio-flavored.
   */
  async put(item: T): Promise<void> {
    const loop = currentAioLoop("asyncio.Queue.put()");
    while (this.full()) {
      if (this._isShutdown) throw this._shutDownError();
      const putter = this._getLoop(loop).createFuture<void>();
      this._putters.push(putter);
      try {
        await putter;
      } catch (error) {
        putter.cancel();
        // Already gone if getNowait() or shutdown() woke it before the cancel arrived.
        removeWaiter(this._putters, putter);
        // Woken for a free slot it will not use: pass the slot on.
        if (!this.full() && !putter.cancelled()) this._wakeupNext(this._putters);
        throw error;
      }
    }
    this.putNowait(item);
  }

  /**
   * Puts `item` into the queue without waiting; throws `QueueFull` if the queue is full,
   * `QueueShutDown` if it was shut down. Sync, either flavor.
   */
  putNowait(item: T): void {
    if (this._isShutdown) throw this._shutDownError();
    if (this.full()) throw new QueueFull(`the queue is full (maxsize ${this._maxsize})`);
    this._put(item);
    this._unfinishedTasks++;
    this._wakeupNext(this._getters);
  }

  // ------------------------------------------------------------ get

  /**
   * Removes and returns the next item, waiting while the queue is empty. Throws
   * `QueueShutDown` once the queue is shut down and empty. Cancelling a waiting `get`
   * withdraws it; if an item had already been announced to it, the item stays in the
   * queue and the next waiting `get` is woken for it. As with any async function, a
   * thenable item (a Promise, a Future) is awaited before `get` returns; `getNowait`
   * returns it as is. asyncio-flavored.
   */
  async get(): Promise<T> {
    const loop = currentAioLoop("asyncio.Queue.get()");
    while (this.empty()) {
      if (this._isShutdown) throw this._shutDownError();
      const getter = this._getLoop(loop).createFuture<void>();
      this._getters.push(getter);
      try {
        await getter;
      } catch (error) {
        getter.cancel();
        // Already gone if putNowait() or shutdown() woke it before the cancel arrived.
        removeWaiter(this._getters, getter);
        // Woken for an item it will not take: pass the item on.
        if (!this.empty() && !getter.cancelled()) this._wakeupNext(this._getters);
        throw error;
      }
    }
    return this.getNowait();
  }

  /**
   * Removes and returns the next item without waiting; throws `QueueEmpty` if the queue
   * is empty (`QueueShutDown` if it is empty and shut down). Sync, either flavor.
   */
  getNowait(): T {
    if (this.empty()) {
      if (this._isShutdown) throw this._shutDownError();
      throw new QueueEmpty("the queue is empty");
    }
    const item = this._get();
    this._wakeupNext(this._putters);
    return item;
  }

  // ------------------------------------------------------------ join

  /**
   * Marks one item taken with `get` as processed. When every item put has been
   * processed, `join()` callers resume. Throws ValueError if called more times than
   * items were put. Sync, either flavor.
   */
  taskDone(): void {
    if (this._unfinishedTasks <= 0) throw new ValueError("task_done() called too many times");
    this._unfinishedTasks--;
    if (this._unfinishedTasks === 0) this._setFinished();
  }

  /**
   * Waits until every item put into the queue has been taken and marked done with
   * `taskDone()` (returns at once if none is unfinished). asyncio-flavored.
   */
  async join(): Promise<void> {
    const loop = currentAioLoop("asyncio.Queue.join()");
    if (this._unfinishedTasks === 0) return;
    const joiner = this._getLoop(loop).createFuture<boolean>();
    this._joiners.push(joiner);
    try {
      await joiner;
    } finally {
      removeWaiter(this._joiners, joiner);
    }
  }

  // ------------------------------------------------------------ shutdown

  /**
   * Shuts the queue down (Python 3.13): `put` and `putNowait` throw `QueueShutDown` from
   * now on; `get` and `getNowait` throw it once the queue is empty. Every blocked `put`
   * and `get` is woken: puts throw `QueueShutDown`, gets take a remaining item or throw.
   * With `immediate` true the queue is also emptied, each dropped item counting as done
   * (which may release `join()`), so gets throw at once. Calling it again is allowed.
   * Sync, either flavor.
   */
  shutdown(immediate = false): void {
    if (typeof immediate !== "boolean") throw new TypeError(`immediate must be a boolean, got ${typeof immediate}`);
    this._isShutdown = true;
    if (immediate) {
      while (!this.empty()) {
        this._get();
        if (this._unfinishedTasks > 0) this._unfinishedTasks--;
      }
      if (this._unfinishedTasks === 0) this._setFinished();
    }
    // Every waiter loops back, sees the shutdown and throws (or, for gets, takes an item).
    wakeAll(this._getters);
    wakeAll(this._putters);
  }

  // ------------------------------------------------------------ internals

  /** Wakes the oldest waiter that is still pending (cancelled ones are skipped). */
  private _wakeupNext(waiters: Future<void>[]): void {
    while (waiters.length > 0) {
      const waiter = waiters.shift()!;
      if (!waiter.done()) {
        waiter.setResult(undefined);
        return;
      }
    }
  }

  /** Releases the `join()` callers (asyncio sets its `_finished` Event). */
  private _setFinished(): void {
    for (const joiner of this._joiners) if (!joiner.done()) joiner.setResult(true);
  }

  /** asyncio's loop binding: the first loop the queue blocks on is its loop. */
  private _getLoop(loop: BaseTrioEventLoop): BaseTrioEventLoop {
    if (this._loop === null) this._loop = loop;
    else if (this._loop !== loop) throw new RuntimeError(`${String(this)} is bound to a different event loop`);
    return loop;
  }

  private _shutDownError(): QueueShutDown {
    return new QueueShutDown("the queue is shut down");
  }

  /** @internal The state shown by `toString()` (asyncio's `_format()`). */
  _format(): string {
    let result = `maxsize=${this._maxsize}`;
    if (!this.empty()) result += ` _queue=[${this._queue.slice(this._head).map(formatItem).join(", ")}]`;
    if (this._getters.length > 0) result += ` _getters[${this._getters.length}]`;
    if (this._putters.length > 0) result += ` _putters[${this._putters.length}]`;
    if (this._unfinishedTasks > 0) result += ` tasks=${this._unfinishedTasks}`;
    if (this._isShutdown) result += " shutdown";
    return result;
  }

  /** `<Queue maxsize=0 _queue=[1, 2] _getters[1] tasks=2 shutdown>`, as Python's `str()`. */
  toString(): string {
    return `<${this.constructor.name} ${this._format()}>`;
  }
}

/**
 * A queue that hands out the most recently added item first (`asyncio.LifoQueue`).
 * Same API and flavors as `Queue`.
 */
export class LifoQueue<T = unknown> extends Queue<T> {
  /** @internal */
  override _get(): T {
    return this._queue.pop() as T;
  }
}

// ------------------------------------------------------------ priority order

const ORDERED_PRIMITIVES = new Set(["number", "bigint", "string", "boolean"]);

function kindName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function notOrderable(a: unknown, b: unknown): TypeError {
  return new TypeError(`PriorityQueue cannot order ${kindName(a)} and ${kindName(b)} items ('<' is not supported between them)`);
}

/**
 * Python's ordering, as `heapq` sees it: arrays compare like tuples (element by element,
 * the first element that orders decides, then the shorter array first); anything else
 * with `<`. Returns a negative number, 0, or a positive number.
 */
function compareItems(a: unknown, b: unknown): number {
  const aArray = Array.isArray(a);
  const bArray = Array.isArray(b);
  if (aArray || bArray) {
    if (!aArray || !bArray) throw notOrderable(a, b);
    const x = a as unknown[];
    const y = b as unknown[];
    const n = Math.min(x.length, y.length);
    for (let i = 0; i < n; i++) {
      const order = compareItems(x[i], y[i]);
      if (order !== 0) return order;
    }
    return x.length - y.length;
  }
  const ta = typeof a;
  const tb = typeof b;
  if (a === null || b === null || ta === "undefined" || tb === "undefined" || ta === "symbol" || tb === "symbol") throw notOrderable(a, b);
  // `<` would silently coerce between these (`"10" < 9`); Python refuses, and so do we.
  if (ta !== tb && ORDERED_PRIMITIVES.has(ta) && ORDERED_PRIMITIVES.has(tb) && !(isNumeric(ta) && isNumeric(tb))) throw notOrderable(a, b);
  if ((a as number) < (b as number)) return -1;
  if ((b as number) < (a as number)) return 1;
  return 0;
}

function isNumeric(type: string): boolean {
  return type === "number" || type === "bigint";
}

function less(a: unknown, b: unknown): boolean {
  return compareItems(a, b) < 0;
}

/**
 * A queue that hands out the smallest item first (`asyncio.PriorityQueue`), kept as a
 * binary heap with Python `heapq`'s algorithm (equal items come out in the same order as
 * in Python). Items are compared as Python compares them:
 * - arrays compare like tuples: element by element, recursively; the first pair of
 *   elements where one is smaller decides; if all compared elements tie, the shorter
 *   array is smaller. So `[priority, data]` entries order by priority first.
 * - other items compare with JavaScript's `<` (numbers and bigints with each other,
 *   strings by UTF-16 code units, objects through `valueOf`, e.g. Dates).
 * - two items neither of which is smaller tie. Unlike Python, where comparing
 *   unorderable data in a tie raises, entries such as `[1, {...}]` and `[1, {...}]` just tie.
 * - items `<` would coerce (a number and a string, a boolean and a number), an array and
 *   a non-array, or `null`/`undefined`/symbols throw TypeError, as Python does; the
 *   queue is left unchanged.
 * Same API and flavors as `Queue`.
 */
export class PriorityQueue<T = unknown> extends Queue<T> {
  /** @internal Sift-up (`heapq.heappush`): finds the slot first, so a throwing comparison changes nothing. */
  override _put(item: T): void {
    const heap = this._queue;
    let slot = heap.length;
    while (slot > 0) {
      const parent = (slot - 1) >> 1;
      if (!less(item, heap[parent])) break;
      slot = parent;
    }
    let hole = heap.length;
    heap.push(item);
    while (hole > slot) {
      const parent = (hole - 1) >> 1;
      heap[hole] = heap[parent];
      hole = parent;
    }
    heap[slot] = item;
  }

  /**
   * @internal `heapq.heappop`: the last item replaces the root, the smaller children move
   * up to a leaf, then that item bubbles back up. All comparisons happen before any write.
   */
  override _get(): T {
    const heap = this._queue;
    const n = heap.length - 1;
    const last = heap[n];
    if (n === 0) {
      heap.pop();
      return last;
    }
    const top = heap[0];
    const path = [0];
    for (let pos = 0; ; ) {
      let child = 2 * pos + 1;
      if (child >= n) break;
      if (child + 1 < n && !less(heap[child], heap[child + 1])) child++;
      path.push(child);
      pos = child;
    }
    let stop = path.length - 1;
    while (stop > 0 && less(last, heap[path[stop]])) stop--;
    heap.pop();
    for (let i = 0; i < stop; i++) heap[path[i]] = heap[path[i + 1]];
    heap[path[stop]] = last;
    return top;
  }
}
