/** The estimate document (estimate.ts makes it; a run's status and projection read it). */

export interface EstimateFigures {
  calls: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  /** Seconds of model time this takes at the config's concurrency_limit, if the stage had every slot. */
  wall_seconds: number;
}

export interface StageEstimate extends EstimateFigures {
  name: string;
  kind: string;
  /** Items the stage plans (chunks after subsets, files, conversations). */
  items: number;
  /** Items expected to be dropped (recorded drop rates, or no few-shot answer the parser accepts). */
  dropped: number;
  /** Calls answered from the cache: made before by this account, or repeated within the run (cost nothing). */
  cached_calls: number;
  models: string[];
  /** Prompts whose size and latency came from the tenant's recorded calls, and those sized from few-shot answers. */
  prompts: Array<{ prompt: string; model: string; calls: number; basis: 'recorded' | 'few-shot' }>;
}

export interface Estimate {
  total: EstimateFigures;
  stages: StageEstimate[];
  concurrency_limit: number;
  /** Stages the estimate leaves out, with why (no model calls, or switched off). */
  skipped: Array<{ stage: string; reason: string }>;
  /** How the figures were made, in words. */
  basis: string[];
}
