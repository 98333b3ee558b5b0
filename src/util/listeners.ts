/**
 * A typed list of listeners. A listener that throws is reported to `onError` and never stops the
 * others or the code that emitted.
 */
export class Listeners<T> {
  private readonly list = new Set<(value: T) => void>();

  constructor(private readonly onError: (error: unknown) => void) {}

  get size(): number {
    return this.list.size;
  }

  /** Adds a listener; returns the function that removes it. */
  add(listener: (value: T) => void): () => void {
    this.list.add(listener);
    return () => this.list.delete(listener);
  }

  emit(value: T): void {
    for (const listener of this.list) {
      try {
        listener(value);
      } catch (error) {
        this.onError(error);
      }
    }
  }
}
