import { expect, it } from 'vitest';
import { jobs } from '../../../src/jobs/job-definitions.ts';
import { handlerFor } from '../../../src/jobs/job-pump.ts';

const job = (data: unknown) => ({ id: 'j1', name: 'run-advance', data }) as never;

it('hands a handler the payload its definition describes', async () => {
  const seen: unknown[] = [];
  const registration = handlerFor(jobs.advanceRun, async (payload) => {
    seen.push(payload);
  });
  expect(registration.queue).toBe('run-advance');
  await registration.handle(job({ runId: 'run_1' }), new AbortController().signal);
  expect(seen).toEqual([{ runId: 'run_1' }]);
});

it('fails a job whose payload does not match, without calling the handler', async () => {
  let called = false;
  const registration = handlerFor(jobs.stageItem('pdf_cleaning'), async () => {
    called = true;
  });
  await expect(registration.handle(job({ runId: 'run_1' }), new AbortController().signal)).rejects.toThrow(
    /malformed items-pdf_cleaning payload/,
  );
  expect(called).toBe(false);
});

it('keys the run advance by run, so a run has at most one queued advance', () => {
  expect(jobs.advanceRun.singletonKey({ runId: 'run_9' })).toBe('run_9');
});
