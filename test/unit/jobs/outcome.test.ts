/** Stage verdicts: at the end of a stage, and early, once the losses already decide it. */
import { describe, expect, it } from 'vitest';
import type { StageCounts } from '../../../src/db/queries/run-items.ts';
import { certainLoss, stageVerdict } from '../../../src/jobs/outcome.ts';

const counts = (total: number, done: number, dropped: number, failed = 0): StageCounts => ({
  total,
  pending: total - done - dropped - failed,
  done,
  dropped,
  failed,
  reasons: dropped > 0 ? { 'judged unsuitable': dropped } : ({} as Record<string, number>),
});

describe('stageVerdict', () => {
  it('is no_output when nothing was produced, too_many_drops past the fraction, else nothing', () => {
    expect(stageVerdict('s', counts(4, 0, 4), 0.75)?.code).toBe('no_output');
    expect(stageVerdict('s', counts(10, 2, 8), 0.75)?.code).toBe('too_many_drops');
    expect(stageVerdict('s', counts(10, 3, 7), 0.75)).toBeUndefined();
    expect(stageVerdict('s', counts(0, 0, 0), 0.75)).toBeUndefined();
  });
});

describe('certainLoss', () => {
  it('stops a running stage once its losses pass the fraction whatever the pending items do', () => {
    expect(certainLoss('s', counts(40, 0, 30), 0.75)).toBeUndefined();
    const stop = certainLoss('s', counts(40, 0, 31), 0.75);
    expect(stop?.code).toBe('no_output');
    expect(stop?.message).toMatch(/first 31 settled items \(of 40\).*stopped early, 9 items not processed/);
    expect(certainLoss('s', counts(40, 5, 20, 11), 0.75)?.code).toBe('too_many_drops');
  });

  it('never stops a stage with nothing pending (the end-of-stage verdict decides), or one allowed to lose all', () => {
    expect(certainLoss('s', counts(10, 0, 10), 0.5)).toBeUndefined();
    expect(certainLoss('s', counts(10, 0, 9), 1)).toBeUndefined();
  });
});
