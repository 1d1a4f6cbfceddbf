/**
 * One heap for every deadline of a run: cancel-scope deadlines (and so sleeps) and the
 * asyncio timers of loops on the run. Entries know their index, so removing one (a scope
 * exits, a timer is cancelled) is O(log n) and the heap never holds stale entries.
 * Ties break by insertion order, which gives asyncio's "due timers by time, then FIFO".
 */
export interface DeadlineEntry {
  /** The deadline this entry is registered at (a time on the run's clock). */
  deadlineKey: number;
  /** @internal Insertion counter, the tie-breaker. */
  deadlineSeq: number;
  /** @internal Position in the heap, or -1 when not in it. */
  heapIndex: number;
  /** Called by the engine when the deadline has passed (after removal from the heap). */
  expire(now: number): void;
}

function before(a: DeadlineEntry, b: DeadlineEntry): boolean {
  return a.deadlineKey < b.deadlineKey || (a.deadlineKey === b.deadlineKey && a.deadlineSeq < b.deadlineSeq);
}

export class DeadlineHeap {
  private readonly heap: DeadlineEntry[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** The earliest deadline, or Infinity. */
  next(): number {
    return this.heap.length === 0 ? Infinity : this.heap[0].deadlineKey;
  }

  add(entry: DeadlineEntry): void {
    entry.deadlineSeq = this.seq++;
    entry.heapIndex = this.heap.length;
    this.heap.push(entry);
    this.up(entry.heapIndex);
  }

  remove(entry: DeadlineEntry): void {
    const i = entry.heapIndex;
    if (i < 0) return;
    entry.heapIndex = -1;
    const last = this.heap.pop()!;
    if (i === this.heap.length) return;
    this.heap[i] = last;
    last.heapIndex = i;
    if (i > 0 && before(last, this.heap[(i - 1) >> 1])) this.up(i);
    else this.down(i);
  }

  /** Removes and returns the earliest entry if its deadline is at or before `now`. */
  popDue(now: number): DeadlineEntry | undefined {
    const top = this.heap[0];
    if (top === undefined || top.deadlineKey > now) return undefined;
    this.remove(top);
    return top;
  }

  private up(i: number): void {
    const heap = this.heap;
    const entry = heap[i];
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = heap[p];
      if (!before(entry, parent)) break;
      heap[i] = parent;
      parent.heapIndex = i;
      i = p;
    }
    heap[i] = entry;
    entry.heapIndex = i;
  }

  private down(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const entry = heap[i];
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && before(heap[c + 1], heap[c])) c++;
      const child = heap[c];
      if (!before(child, entry)) break;
      heap[i] = child;
      child.heapIndex = i;
      i = c;
    }
    heap[i] = entry;
    entry.heapIndex = i;
  }
}
