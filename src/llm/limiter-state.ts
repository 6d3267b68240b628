/**
 * The limiter's options and per-scope state (see limiter.ts for how slots move). Split out so the lease upkeep
 * (limiter-upkeep.ts) can work on the same state.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

export interface LimiterOptions {
  leaseTtlMs: number;
  renewEveryMs: number;
  pollMinMs: number;
  pollMaxMs: number;
  /** How often a process that holds slots and has waiters looks for other processes' demand markers. */
  fairnessCheckMs: number;
  /** Identifies this process's leases (unique per limiter). */
  holder: string;
  onError: (error: unknown, what: string) => void;
}

export const defaultLimiterOptions = (): LimiterOptions => ({
  leaseTtlMs: 30_000,
  renewEveryMs: 10_000,
  pollMinMs: 5,
  pollMaxMs: 50,
  fairnessCheckMs: 250,
  holder: `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
  onError: () => {},
});

export interface SlotLease {
  readonly slot: number;
  /** Idempotent. */
  release(): void;
}

export interface Waiter {
  /** Lower goes first; equal priorities keep arrival order. */
  priority: number;
  resolve(lease: SlotLease): void;
  reject(error: unknown): void;
  signal?: AbortSignal | undefined;
  onAbort?: () => void;
}

export interface ScopeState {
  scope: string;
  limit: number;
  ensured: number;
  held: Set<number>;
  idle: number[];
  waiters: Waiter[];
  claiming: boolean;
  pollDelay: number;
  pollTimer?: NodeJS.Timeout | undefined;
  /** Leases to give back on release instead of handing on (fair share exceeded). */
  surplus: number;
  demandAt: number;
  flushing: boolean;
  /** Completed claims, so renewal can tell whether its answer raced one. */
  claims: number;
}

export function newScopeState(scope: string, limit: number, pollDelay: number): ScopeState {
  return {
    scope,
    limit,
    ensured: 0,
    held: new Set(),
    idle: [],
    waiters: [],
    claiming: false,
    pollDelay,
    surplus: 0,
    demandAt: 0,
    flushing: false,
    claims: 0,
  };
}
