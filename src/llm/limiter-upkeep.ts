/**
 * Background upkeep of the slot leases: renewal (so a crashed process's slots lapse, and a process that stalled past
 * its expiry learns which leases it lost) and fair shares between processes competing for one scope.
 */
import type { Db } from '../db/client.ts';
import * as slots from '../db/queries/llm-slots.ts';
import type { ScopeState } from './limiter-state.ts';

/** Extends every lease held; forgets those the table no longer shows as ours. */
export async function renewHeldLeases(
  db: Db,
  holder: string,
  ttlMs: number,
  scopes: ScopeState[],
  onError: (error: unknown, what: string) => void,
): Promise<void> {
  // A claim finishing while the statement runs makes its answer stale for that scope: judge only quiet scopes.
  const before = scopes.map((s) => ({ s, held: [...s.held], claims: s.claims }));
  const leases = before.flatMap(({ s, held }) => held.map((slot) => ({ scope: s.scope, slot })));
  if (leases.length === 0) return;
  const kept = await slots.renewLeases(db, holder, leases, ttlMs);
  const ours = new Set(kept.map((k) => `${k.scope}\u0000${k.slot}`));
  for (const { s, held, claims } of before) {
    if (s.claims !== claims) continue;
    for (const slot of held) {
      if (ours.has(`${s.scope}\u0000${slot}`) || !s.held.has(slot)) continue;
      s.held.delete(slot);
      s.idle = s.idle.filter((i) => i !== slot);
      onError(new Error(`lease ${s.scope}#${slot} lapsed and was lost`), 'renew leases');
    }
  }
}

/**
 * For scopes where this process holds slots and still has waiters: if other processes are waiting too, mark what
 * exceeds an equal share (limit ÷ waiting processes) to be given back as those slots are released.
 */
export async function applyFairShares(db: Db, holder: string, saturated: ScopeState[]): Promise<void> {
  for (const s of saturated) {
    const others = await slots.otherDemand(db, s.scope, holder);
    const share = Math.ceil(s.limit / (others + 1));
    s.surplus = others > 0 ? Math.max(0, s.held.size - share) : 0;
  }
}
