/**
 * Concurrency slots per scope (a run), shared by every worker process through the llm_slots table.
 *
 * - A process leases slots from the table only when its local waiters outnumber the slots it holds, and a slot
 *   released while a local call waits goes straight to that call (no database round-trip): with one process the
 *   database is touched about twice per slot per burst, not per call.
 * - A slot with no local waiter is given back at once, so other processes can use it.
 * - A process that cannot get a slot polls with a short backoff (5 → 50 ms) and leaves a demand marker; a process
 *   saturated with waiters of its own checks the markers a few times a second and gives back whatever exceeds its
 *   fair share (limit ÷ processes waiting), so one busy worker cannot starve another.
 * - Leases expire unless renewed (every renewEveryMs), so a crashed process frees its slots after leaseTtlMs. A
 *   process that loses a lease (stalled past its expiry) forgets it when renewal shows it missing.
 */
import { randomInt } from 'node:crypto';
import type { Db } from '../db/client.ts';
import * as slots from '../db/queries/llm-slots.ts';
import {
  defaultLimiterOptions,
  type LimiterOptions,
  newScopeState,
  type ScopeState,
  type SlotLease,
  type Waiter,
} from './limiter-state.ts';
import { applyFairShares, renewHeldLeases } from './limiter-upkeep.ts';

export { defaultLimiterOptions, type LimiterOptions, type SlotLease } from './limiter-state.ts';

export class SlotLimiter {
  private readonly options: LimiterOptions;
  private readonly scopes = new Map<string, ScopeState>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly marker = -1 - randomInt(2 ** 30);
  private readonly timers: NodeJS.Timeout[];
  private fairnessRunning = false;
  private closed = false;

  constructor(
    private readonly db: Db,
    options: Partial<LimiterOptions> = {},
  ) {
    this.options = { ...defaultLimiterOptions(), ...options };
    this.timers = [
      setInterval(() => this.renew(), this.options.renewEveryMs),
      setInterval(() => this.checkFairness(), this.options.fairnessCheckMs),
    ];
    for (const timer of this.timers) timer.unref();
  }

  /**
   * Waits for a slot of `scope` (at most `limit` held across all processes). Rejects when `signal` aborts. Waiting
   * calls are served by `priority` (lower first; default: arrival time, i.e. first come, first served).
   */
  acquire(scope: string, limit: number, signal?: AbortSignal, priority = Date.now()): Promise<SlotLease> {
    if (this.closed) return Promise.reject(new Error('the LLM limiter is closed'));
    if (signal?.aborted) return Promise.reject(signal.reason);
    const s = this.stateOf(scope, limit);
    const slot = s.idle.pop();
    if (slot !== undefined) return Promise.resolve(this.lease(s, slot));
    return new Promise<SlotLease>((resolve, reject) => {
      const waiter: Waiter = { priority, resolve, reject, signal };
      if (signal) {
        waiter.onAbort = () => {
          s.waiters = s.waiters.filter((w) => w !== waiter);
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      insertByPriority(s.waiters, waiter);
      this.pump(s);
    });
  }

  /** Slots held by this process and local waiters, per scope (for tests and diagnostics). */
  snapshot(): Record<string, { held: number; idle: number; waiting: number }> {
    const out: Record<string, { held: number; idle: number; waiting: number }> = {};
    for (const s of this.scopes.values())
      out[s.scope] = { held: s.held.size, idle: s.idle.length, waiting: s.waiters.length };
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    for (const s of this.scopes.values()) {
      clearTimeout(s.pollTimer);
      for (const w of s.waiters.splice(0)) w.reject(new Error('the LLM limiter is closed'));
    }
    await Promise.allSettled([...this.pending]);
    await slots.releaseHolder(this.db, this.options.holder).catch((e) => this.options.onError(e, 'release leases'));
  }

  private stateOf(scope: string, limit: number): ScopeState {
    let s = this.scopes.get(scope);
    if (!s) {
      s = newScopeState(scope, limit, this.options.pollMinMs);
      this.scopes.set(scope, s);
    }
    s.limit = limit;
    return s;
  }

  private lease(s: ScopeState, slot: number): SlotLease {
    let released = false;
    return {
      slot,
      release: () => {
        if (released) return;
        released = true;
        this.onRelease(s, slot);
      },
    };
  }

  private onRelease(s: ScopeState, slot: number): void {
    if (!s.held.has(slot)) return; // the lease lapsed while in use: it is no longer ours to hand on
    if (s.surplus > 0 || slot >= s.limit || this.closed) {
      s.surplus = Math.max(0, s.surplus - 1);
      s.held.delete(slot);
      this.giveBack(s, [slot]);
    } else if (!this.handOn(s, slot)) {
      s.idle.push(slot);
      this.flushIdle(s);
    }
  }

  private handOn(s: ScopeState, slot: number): boolean {
    const waiter = s.waiters.shift();
    if (!waiter) return false;
    if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
    waiter.resolve(this.lease(s, slot));
    return true;
  }

  /** Idle slots go back to the table after the current turn of the event loop (one statement for all of them). */
  private flushIdle(s: ScopeState): void {
    if (s.flushing) return;
    s.flushing = true;
    setImmediate(() => {
      s.flushing = false;
      const idle = s.idle.splice(0);
      for (const slot of idle) s.held.delete(slot);
      this.giveBack(s, idle);
    });
  }

  private giveBack(s: ScopeState, released: number[]): void {
    if (this.closed) return; // close() frees every lease of this holder in one statement
    if (released.length === 0) {
      this.forgetIfIdle(s);
      return;
    }
    this.track(
      slots
        .releaseSlots(this.db, s.scope, this.options.holder, released)
        .catch((e) => this.options.onError(e, 'release slots'))
        .finally(() => this.forgetIfIdle(s)),
    );
  }

  private pump(s: ScopeState): void {
    if (s.claiming || s.pollTimer || s.waiters.length === 0 || this.closed) return;
    const want = Math.min(s.waiters.length, s.limit - s.held.size);
    if (want <= 0) return; // every slot we hold is busy: a local release will hand one on
    s.claiming = true;
    const claim = async () => {
      if (s.ensured < s.limit) {
        await slots.ensureSlots(this.db, s.scope, s.limit);
        s.ensured = s.limit;
      }
      return slots.claimSlots(this.db, s.scope, s.limit, this.options.holder, want, this.options.leaseTtlMs);
    };
    this.track(
      claim().then(
        (got) => {
          s.claiming = false;
          s.claims++;
          for (const slot of got) {
            s.held.add(slot);
            this.onRelease(s, slot);
          }
          if (s.waiters.length === 0) {
            this.endDemand(s);
            return;
          }
          if (got.length < want) {
            this.noteDemand(s);
            this.poll(s, got.length > 0 ? this.options.pollMinMs : s.pollDelay);
          } else {
            s.pollDelay = this.options.pollMinMs;
            this.pump(s); // more waiters arrived during the claim
          }
        },
        (error) => {
          s.claiming = false;
          this.options.onError(error, 'claim slots');
          this.poll(s, this.options.pollMaxMs);
        },
      ),
    );
  }

  private poll(s: ScopeState, delay: number): void {
    s.pollDelay = Math.min(this.options.pollMaxMs, delay * 2);
    s.pollTimer = setTimeout(() => {
      s.pollTimer = undefined;
      this.pump(s);
    }, delay);
  }

  private noteDemand(s: ScopeState): void {
    if (this.closed || Date.now() - s.demandAt < 1000) return;
    s.demandAt = Date.now();
    this.track(
      slots
        .markDemand(this.db, s.scope, this.marker, this.options.holder, 3000)
        .catch((e) => this.options.onError(e, 'mark demand')),
    );
  }

  private endDemand(s: ScopeState): void {
    if (this.closed || s.demandAt === 0) {
      this.forgetIfIdle(s);
      return;
    }
    s.demandAt = 0;
    this.track(
      slots
        .clearDemand(this.db, s.scope, this.marker)
        .catch((e) => this.options.onError(e, 'clear demand'))
        .finally(() => this.forgetIfIdle(s)),
    );
  }

  private forgetIfIdle(s: ScopeState): void {
    if (s.held.size === 0 && s.waiters.length === 0 && !s.claiming && !s.pollTimer && s.demandAt === 0) {
      this.scopes.delete(s.scope);
    }
  }

  private checkFairness(): void {
    const saturated = [...this.scopes.values()].filter((s) => s.waiters.length > 0 && s.held.size > 0);
    if (this.fairnessRunning || saturated.length === 0) return;
    this.fairnessRunning = true;
    this.track(
      applyFairShares(this.db, this.options.holder, saturated)
        .catch((e) => this.options.onError(e, 'check demand'))
        .finally(() => {
          this.fairnessRunning = false;
        }),
    );
  }

  private renew(): void {
    const { holder, leaseTtlMs, onError } = this.options;
    const scopes = [...this.scopes.values()];
    this.track(renewHeldLeases(this.db, holder, leaseTtlMs, scopes, onError).catch((e) => onError(e, 'renew leases')));
  }

  private track(promise: Promise<unknown>): void {
    this.pending.add(promise);
    promise.finally(() => this.pending.delete(promise));
  }
}

/** Inserts after every waiter of lower or equal priority (binary search: the list can hold thousands). */
function insertByPriority(waiters: Waiter[], waiter: Waiter): void {
  let lo = 0;
  let hi = waiters.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((waiters[mid] as Waiter).priority <= waiter.priority) lo = mid + 1;
    else hi = mid;
  }
  waiters.splice(lo, 0, waiter);
}
