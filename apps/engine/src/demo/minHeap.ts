// A binary min-heap: the event stream keeps the not-yet-emitted events of the sessions in
// progress here, to emit them in global time order.
export class MinHeap<T> {
  private readonly entries: T[] = [];

  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.entries.length;
  }

  peek(): T | undefined {
    return this.entries[0];
  }

  push(value: T): void {
    const entries = this.entries;
    entries.push(value);
    let child = entries.length - 1;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (!this.less(entries[child]!, entries[parent]!)) break;
      [entries[child], entries[parent]] = [entries[parent]!, entries[child]!];
      child = parent;
    }
  }

  pop(): T | undefined {
    const entries = this.entries;
    const top = entries[0];
    const last = entries.pop();
    if (entries.length === 0 || last === undefined) return top;
    entries[0] = last;
    let parent = 0;
    for (;;) {
      const left = 2 * parent + 1;
      const right = left + 1;
      let smallest = parent;
      if (left < entries.length && this.less(entries[left]!, entries[smallest]!)) smallest = left;
      if (right < entries.length && this.less(entries[right]!, entries[smallest]!)) smallest = right;
      if (smallest === parent) break;
      [entries[smallest], entries[parent]] = [entries[parent]!, entries[smallest]!];
      parent = smallest;
    }
    return top;
  }
}
