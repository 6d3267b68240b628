/**
 * Prometheus metrics of the job side: every job a pump settles (by queue and result, with its duration) and every
 * stage item's recorded outcome (by stage kind). Served at the API's /metrics, or at METRICS_PORT by a worker-only
 * process.
 */
import { Counter, Histogram, type Registry } from 'prom-client';

export interface JobMetrics {
  jobSettled(queue: string, result: 'completed' | 'failed', seconds: number): void;
  itemSettled(stageKind: string, outcome: 'done' | 'dropped' | 'failed'): void;
}

export function createJobMetrics(registry: Registry): JobMetrics {
  const jobs = new Counter({
    name: 'datagen_jobs_total',
    help: 'Jobs settled by this process, by queue and result (a failed job is retried until its retries run out)',
    labelNames: ['queue', 'result'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'datagen_job_duration_seconds',
    help: 'Time from a job being fetched to being settled',
    labelNames: ['queue'],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [registry],
  });
  const items = new Counter({
    name: 'datagen_items_total',
    help: 'Stage items whose outcome this process recorded, by stage kind and outcome',
    labelNames: ['stage_kind', 'outcome'],
    registers: [registry],
  });
  return {
    jobSettled(queue, result, seconds) {
      jobs.inc({ queue, result });
      duration.observe({ queue }, seconds);
    },
    itemSettled(stageKind, outcome) {
      items.inc({ stage_kind: stageKind, outcome });
    },
  };
}

/** For tests and tools that need no metrics. */
export const noJobMetrics: JobMetrics = { jobSettled: () => {}, itemSettled: () => {} };
