/**
 * An intrusive least-recently-used list: O(1) touch, remove and oldest, for the caps that evict
 * (TCP connections, chunk streams). A Map re-inserted on use is not enough: V8 leaves deleted
 * entries as holes at the front until it rehashes, so taking the oldest from a Map that is also
 * deleted from costs a walk over the holes, and a flood turns it quadratic.
 */
export type LruLinks = { lruPrev: LruLinks | null; lruNext: LruLinks | null; lruIn: boolean };

export class LruList<T extends LruLinks> {
  private head: T | null = null;
  private tail: T | null = null;
  size = 0;

  /** Make `n` the most recently used (adding it when absent). */
  touch(n: T): void {
    if (n.lruIn) {
      if (this.tail === n) return;
      this.remove(n);
    }
    n.lruPrev = this.tail;
    n.lruNext = null;
    if (this.tail !== null) this.tail.lruNext = n;
    else this.head = n;
    this.tail = n;
    n.lruIn = true;
    this.size++;
  }

  remove(n: T): void {
    if (!n.lruIn) return;
    if (n.lruPrev !== null) n.lruPrev.lruNext = n.lruNext;
    else this.head = n.lruNext as T | null;
    if (n.lruNext !== null) n.lruNext.lruPrev = n.lruPrev;
    else this.tail = n.lruPrev as T | null;
    n.lruPrev = n.lruNext = null;
    n.lruIn = false;
    this.size--;
  }

  /** The least recently used, or null when empty. */
  oldest(): T | null {
    return this.head;
  }
}
