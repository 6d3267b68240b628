/**
 * Spreads a burst of new calls over turns of the event loop: at most `perTurn` calls are prepared (prompt rendered,
 * key hashed, cache looked up) per turn. Without it, a stage that starts thousands of calls at once renders them all
 * before the first request goes out, and the first answers are read late; with it, requests and answers interleave
 * with the preparation of later calls. Outside bursts it costs nothing.
 */
export class Pacer {
  private budget: number;
  private readonly waiting: Array<() => void> = [];
  private scheduled = false;

  constructor(private readonly perTurn = 64) {
    this.budget = perTurn;
  }

  /** Resolves at once while this turn has budget left, else on a later turn. */
  turn(): Promise<void> | undefined {
    this.schedule();
    if (this.budget > 0) {
      this.budget--;
      return undefined;
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const next = this.waiting.splice(0, this.perTurn);
      this.budget = this.perTurn - next.length;
      for (const resolve of next) resolve();
      if (this.waiting.length > 0 || next.length > 0) this.schedule();
    });
  }
}
