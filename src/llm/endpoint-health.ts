/**
 * How hard this process may press one endpoint (base URL + model), learned from its answers:
 *
 * - Adaptive concurrency (AIMD): when most recent answers are 429s (a moving average above one half) the endpoint is
 *   over its limit, and each further 429 halves the calls allowed in flight to it (from what was in flight); each
 *   success adds back about one per round of calls, up to the run's own limits (which still apply on top). A 429 now
 *   and then is noise, not load: halving on every one would shrink a provider that refuses a fifth of requests at
 *   random to two or three calls at a time (the loss-rate arithmetic of TCP), which the fault bench showed.
 * - Retry-After: a 429 that says how long to wait holds every call to the endpoint until then, not just its own.
 * - Circuit breaker: after `failureThreshold` failures in a row (429, 5xx, connection errors, timeouts) the endpoint
 *   gets no calls for `openMs` (doubling while it keeps failing, up to `maxOpenMs`); then one probe goes, and its
 *   success closes the breaker.
 * - Sustained rate limiting: 429s with no success for longer than the caller's window mean the quota is gone for now;
 *   the caller pauses the run instead of failing items (see transport.ts).
 *
 * Per process: each worker learns on its own (the run's slot limit is what is shared across processes).
 */
import { sleep } from './retry.ts';

export interface HealthOptions {
  failureThreshold: number;
  openMs: number;
  maxOpenMs: number;
  /** The most calls in flight the adaptive limit ever allows (the run's slots bind long before). */
  maxConcurrency: number;
  /** How often a waiting call checks again. */
  pollMs: number;
}

export const defaultHealthOptions: HealthOptions = {
  failureThreshold: 5,
  openMs: 2000,
  maxOpenMs: 60_000,
  maxConcurrency: 1024,
  pollMs: 25,
};

/** Weight of the latest answer in the moving share of 429s (about the last ten answers count). */
const SHARE_WEIGHT = 0.1;

export type CallResult =
  | { kind: 'ok' }
  | { kind: 'rate-limited'; retryAfterMs?: number | undefined }
  | { kind: 'failure' };

interface State {
  allowed: number;
  inFlight: number;
  /** Moving average of "the answer was a 429" over about the last ten answers. */
  rateLimitedShare: number;
  consecutiveFailures: number;
  /** Calls wait until then (Retry-After, or an open breaker). */
  holdUntil: number;
  /** The breaker is open: after holdUntil, one probe goes and the rest wait for its answer. */
  open: boolean;
  probing: boolean;
  openings: number;
  /** The first 429 since the last success (0: none). */
  rateLimitedSince: number;
}

export interface HealthSnapshot {
  allowed: number;
  inFlight: number;
  open: boolean;
  rateLimitedForMs: number;
}

export class EndpointHealth {
  private readonly options: HealthOptions;
  private readonly states = new Map<string, State>();

  constructor(
    options: Partial<HealthOptions> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.options = { ...defaultHealthOptions, ...options };
  }

  /** Waits until the endpoint may take one more call, and counts it in flight; rejects when `signal` aborts. */
  async admit(key: string, signal?: AbortSignal): Promise<void> {
    const s = this.state(key);
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      const now = this.now();
      if (now >= s.holdUntil && !s.probing && s.inFlight < Math.max(1, Math.floor(s.allowed))) {
        if (s.open) s.probing = true;
        s.inFlight++;
        return;
      }
      await sleep(Math.max(this.options.pollMs, Math.min(s.holdUntil - now, 1000)), signal);
    }
  }

  /** The answer of an admitted call. */
  settle(key: string, result: CallResult): void {
    const s = this.state(key);
    s.inFlight = Math.max(0, s.inFlight - 1);
    const now = this.now();
    s.rateLimitedShare = s.rateLimitedShare * (1 - SHARE_WEIGHT) + (result.kind === 'rate-limited' ? SHARE_WEIGHT : 0);
    if (result.kind === 'ok') {
      s.consecutiveFailures = 0;
      s.rateLimitedSince = 0;
      s.open = false;
      s.probing = false;
      s.openings = 0;
      s.allowed = Math.min(this.options.maxConcurrency, s.allowed + 1 / Math.max(1, s.allowed));
      return;
    }
    s.consecutiveFailures++;
    if (result.kind === 'rate-limited') {
      if (s.rateLimitedSince === 0) s.rateLimitedSince = now;
      if (s.rateLimitedShare > 0.5) s.allowed = Math.max(1, Math.min(s.allowed, s.inFlight + 1) / 2);
      if (result.retryAfterMs !== undefined) s.holdUntil = Math.max(s.holdUntil, now + result.retryAfterMs);
    }
    // Calls already in flight when the breaker opened fail too: only a failed probe, or the threshold reached while
    // closed, (re)opens it.
    if (s.probing || (!s.open && s.consecutiveFailures >= this.options.failureThreshold)) {
      const wait = Math.min(this.options.maxOpenMs, this.options.openMs * 2 ** s.openings);
      s.openings++;
      s.open = true;
      s.probing = false;
      s.holdUntil = Math.max(s.holdUntil, now + wait);
    }
  }

  /** A call admitted but never sent (aborted before it reached the provider). */
  cancel(key: string): void {
    const s = this.state(key);
    s.inFlight = Math.max(0, s.inFlight - 1);
    s.probing = false;
  }

  /** How long the endpoint has answered only 429s (0 when the last answer was not one). */
  rateLimitedForMs(key: string): number {
    const s = this.states.get(key);
    return s && s.rateLimitedSince > 0 ? this.now() - s.rateLimitedSince : 0;
  }

  snapshot(key: string): HealthSnapshot {
    const s = this.state(key);
    return { allowed: s.allowed, inFlight: s.inFlight, open: s.open, rateLimitedForMs: this.rateLimitedForMs(key) };
  }

  private state(key: string): State {
    let s = this.states.get(key);
    if (!s) {
      s = {
        allowed: this.options.maxConcurrency,
        inFlight: 0,
        rateLimitedShare: 0,
        consecutiveFailures: 0,
        holdUntil: 0,
        open: false,
        probing: false,
        openings: 0,
        rateLimitedSince: 0,
      };
      this.states.set(key, s);
    }
    return s;
  }
}
