import { describe, expect, it } from 'vitest';
import { projectRun, type StageActuals } from '../../../src/jobs/projection.ts';

const stage = (
  name: string,
  state: string,
  total: number,
  pending: number,
  calls: number,
  cost: number,
): StageActuals => ({
  name,
  state,
  items: { total, pending },
  llm: { calls, cost },
});
const estimateOf = (stages: Array<[string, number, number]>) => ({
  stages: stages.map(([name, calls, cost_usd]) => ({ name, calls, cost_usd })),
});

describe('projectRun', () => {
  it('counts ended stages as made, pending ones by the estimate, running ones by both', () => {
    const projection = projectRun(
      [stage('a', 'succeeded', 10, 0, 20, 2), stage('b', 'running', 10, 5, 4, 0.4), stage('c', 'pending', 0, 0, 0, 0)],
      estimateOf([
        ['a', 18, 1.8],
        ['b', 10, 1],
        ['c', 30, 3],
      ]) as never,
      { running: true, elapsedSeconds: 12 },
    );
    expect(projection.stages.get('a')).toEqual({ calls: 20, cost_usd: 2, eta_seconds: null });
    // Half of b's items are pending: its actuals plus half its estimate.
    expect(projection.stages.get('b')).toMatchObject({ calls: 9, cost_usd: 0.9 });
    expect(projection.stages.get('c')).toMatchObject({ calls: 30, cost_usd: 3 });
    expect(projection.calls).toBe(59);
    expect(projection.cost_usd).toBe(5.9);
    // 24 calls in 12 s: 2 a second, 35 to go.
    expect(projection.eta_seconds).toBe(18);
  });

  it('scales a running stage by its settled share without an estimate, and says nothing of a stage it cannot see', () => {
    const projection = projectRun([stage('a', 'running', 10, 6, 8, 0.8), stage('b', 'pending', 0, 0, 0, 0)], null, {
      running: true,
      elapsedSeconds: 4,
    });
    expect(projection.stages.get('a')).toMatchObject({ calls: 20, cost_usd: 2, eta_seconds: 6 });
    expect(projection.stages.get('b')).toBeNull();
    expect(projection.eta_seconds).toBeNull();
  });

  it('gives no time left for a run that is not running', () => {
    const projection = projectRun([stage('a', 'canceled', 10, 4, 6, 0.6)], null, {
      running: false,
      elapsedSeconds: 10,
    });
    expect(projection).toMatchObject({ calls: 6, cost_usd: 0.6, eta_seconds: null });
  });
});
