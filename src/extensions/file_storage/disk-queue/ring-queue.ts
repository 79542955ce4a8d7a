/**
 * A growable FIFO over a power-of-two ring: O(1) push and shift without the O(n) `Array#shift`
 * that a long backlog would pay on every take.
 */
export class RingQueue<T> {
  #slots: Array<T | undefined> = new Array(16);
  #head = 0;
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(value: T): void {
    if (this.#length === this.#slots.length) this.#grow();
    this.#slots[(this.#head + this.#length) & (this.#slots.length - 1)] = value;
    this.#length++;
  }

  peek(): T | undefined {
    return this.#length === 0 ? undefined : this.#slots[this.#head];
  }

  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const value = this.#slots[this.#head];
    this.#slots[this.#head] = undefined;
    this.#head = (this.#head + 1) & (this.#slots.length - 1);
    this.#length--;
    return value;
  }

  clear(): void {
    this.#slots = new Array(16);
    this.#head = 0;
    this.#length = 0;
  }

  #grow(): void {
    const grown: Array<T | undefined> = new Array(this.#slots.length * 2);
    for (let i = 0; i < this.#length; i++) grown[i] = this.#slots[(this.#head + i) & (this.#slots.length - 1)];
    this.#slots = grown;
    this.#head = 0;
  }
}
