/**
 * The run's ledger, checked from outside (issue: honest outcomes): every stage's planned items are done, dropped or
 * failed, and every file listed with a record count holds exactly that many records.
 */
import { expect } from 'vitest';

interface LedgerRun {
  stages: Array<{
    name: string;
    state: string;
    items: { total: number; done: number; dropped: number; failed: number };
  }>;
}

export async function expectLedger(baseUrl: string, runId: string, run: LedgerRun): Promise<void> {
  for (const stage of run.stages) {
    if (stage.state === 'skipped') continue;
    const { total, done, dropped, failed } = stage.items;
    expect(done + dropped + failed, `${stage.name}: planned = done + dropped + failed`).toBe(total);
  }
  const listing = (await (await fetch(`${baseUrl}/v1/runs/${runId}/artifacts?limit=1000`)).json()) as {
    items: Array<{ path: string; records: number | null }>;
  };
  const counted = listing.items.filter((a) => a.records !== null);
  expect(counted.length).toBeGreaterThan(0);
  for (const { path, records } of counted) {
    const text = await (await fetch(`${baseUrl}/v1/runs/${runId}/artifacts/${path}`)).text();
    const actual = path.endsWith('.jsonl')
      ? text.split('\n').filter((line) => line.trim() !== '').length
      : (JSON.parse(text) as unknown[]).length;
    expect(actual, path).toBe(records);
  }
}
