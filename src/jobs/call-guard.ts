/**
 * What is checked before each LLM call of a run's item:
 * - the run is still running: a paused run's items stop at their next call (calls in flight finish and are kept);
 * - a provider out of quota, credit or its daily cap pauses the run with its words (calls cannot succeed until
 *   someone acts, and failing the items would throw their progress away);
 * - the run's budget (`budget_usd`): when what the run has been billed, plus what this
 * process's calls in flight may still cost, plus this call's worst case (its prompt and its whole output limit at the
 * endpoint's prices; a parser retry inside a call is not checked again) would pass the budget, the run is paused with the figures and the call is not made. Across
 * worker processes the billed figure is read from the database (at most half a second old), so the overshoot is
 * bounded by the calls other processes have in flight at that moment.
 */

import type { Db } from '../db/client.ts';
import { spendOfRun } from '../db/queries/llm-accounting.ts';
import { ProviderExhaustedError } from '../llm/types.ts';
import type { LlmCall, LlmPort } from '../pipelines/step.ts';

/** Thrown instead of making a call: the run was paused (the item stays pending for the resume). */
export class RunPausedError extends Error {
  constructor(readonly reason: string) {
    super(`run paused: ${reason}`);
  }
}

const FRESH_MS = 500;

export class RunSpend {
  private readonly billed = new Map<string, { at: number; value: number }>();
  private readonly reserved = new Map<string, number>();

  constructor(private readonly db: Db) {}

  async spent(runId: string): Promise<number> {
    const hit = this.billed.get(runId);
    if (hit && Date.now() - hit.at < FRESH_MS) return hit.value + (this.reserved.get(runId) ?? 0);
    const value = await spendOfRun(this.db, runId);
    if (this.billed.size > 1000) this.billed.clear();
    this.billed.set(runId, { at: Date.now(), value });
    return value + (this.reserved.get(runId) ?? 0);
  }

  reserve(runId: string, usd: number): () => void {
    this.reserved.set(runId, (this.reserved.get(runId) ?? 0) + usd);
    return () => {
      this.reserved.set(runId, (this.reserved.get(runId) ?? 0) - usd);
      this.billed.delete(runId);
    };
  }
}

/**
 * Whether a run is paused, read at most every FRESH_MS per run: a pause requested through the API reaches the items
 * in flight within that time (their calls already sent finish and are kept).
 */
export class RunGate {
  private readonly states = new Map<string, { at: number; paused: boolean }>();
  /** Reads in flight, by run: the calls that find the cached answer stale together share one read. */
  private readonly reading = new Map<string, Promise<boolean>>();

  constructor(private readonly isPaused: (runId: string) => Promise<boolean>) {}

  async paused(runId: string): Promise<boolean> {
    const hit = this.states.get(runId);
    // Only "running" is taken from the cache: a "paused" answer is read again, so a run resumed a moment ago is
    // never held back by what this process remembered.
    if (hit && !hit.paused && Date.now() - hit.at < FRESH_MS) return false;
    const pending = this.reading.get(runId);
    if (pending) return pending;
    const startedAt = Date.now();
    const read = this.isPaused(runId)
      .then((paused) => {
        // This process paused the run while the read was out: that is newer than what the read saw.
        const newer = this.states.get(runId);
        if (newer?.paused && newer.at >= startedAt) return true;
        if (this.states.size > 1000) this.states.clear();
        this.states.set(runId, { at: Date.now(), paused });
        return paused;
      })
      .finally(() => this.reading.delete(runId));
    this.reading.set(runId, read);
    return read;
  }

  /** This process paused the run: its own items stop at once, not after the next read. */
  markPaused(runId: string): void {
    this.states.set(runId, { at: Date.now(), paused: true });
  }
}

export interface BudgetGuard {
  runId: string;
  gate: RunGate;
  /** No budget: only the pause check applies. */
  budgetUsd: number | null;
  spend: RunSpend;
  /** USD per million input and output tokens of the stage's small and large models. */
  prices: Record<'small' | 'large', { input: number; output: number }>;
  /**
   * Pauses the run with the reason (idempotent: another item may have paused it first), unless its status changed
   * after `since` — an answer to a call sent before a resume must not pause the resumed run.
   */
  pause(reason: string, since: Date): Promise<void>;
}

/** A rough token count of a call's prompt from its variables (the template itself adds a few hundred). */
function promptTokens(vars: Record<string, unknown>): number {
  let chars = 2000;
  for (const value of Object.values(vars))
    chars += typeof value === 'string' ? value.length : JSON.stringify(value ?? '').length;
  return Math.ceil(chars / 3);
}

export function guardCalls(port: LlmPort, guard: BudgetGuard): LlmPort {
  return {
    async call<T>(request: LlmCall<T>) {
      if (await guard.gate.paused(guard.runId)) throw new RunPausedError('the run is paused');
      if (guard.budgetUsd === null) return callPausingOnExhaustion(port, request, guard);
      const price = guard.prices[request.model];
      // One answer's worth: a parse retry inside the call is bounded by the next call's check.
      const worstCase = (promptTokens(request.vars) * price.input + request.sampling.maxTokens * price.output) / 1e6;
      const spent = await guard.spend.spent(guard.runId);
      if (worstCase > 0 && spent + worstCase > guard.budgetUsd) {
        const reason =
          `budget: $${spent.toFixed(4)} of budget_usd $${guard.budgetUsd} spent or committed; the next call could ` +
          `cost up to $${worstCase.toFixed(4)} (resume with a larger budget_usd to go on)`;
        await guard.pause(reason, new Date());
        throw new RunPausedError(reason);
      }
      const release = guard.spend.reserve(guard.runId, worstCase);
      try {
        return await callPausingOnExhaustion(port, request, guard);
      } finally {
        release();
      }
    },
  };
}

/**
 * A provider whose quota, credit or daily cap is gone answers every call the same way until someone acts: the run
 * pauses with the provider's words, instead of failing item after item and losing nothing it has paid for.
 */
async function callPausingOnExhaustion<T>(port: LlmPort, request: LlmCall<T>, guard: BudgetGuard) {
  const sent = new Date();
  try {
    return await port.call(request);
  } catch (error) {
    if (!(error instanceof ProviderExhaustedError)) throw error;
    const reason = `provider: ${error.providerWords}`;
    await guard.pause(reason, sent);
    throw new RunPausedError(reason);
  }
}
