/**
 * Every job this service enqueues: its pg-boss queue and the schema of its payload. Jobs are sent and handled
 * through these values (`queue.send(jobs.advanceRun, { runId })`), so a payload is typed where it is made and checked
 * where it is read; a malformed one fails its job with the schema's message instead of reaching a handler. The
 * handlers live in src/jobs/handlers/, one file each.
 */
import { z } from 'zod';

export interface JobDefinition<Payload> {
  queue: string;
  payload: z.ZodType<Payload>;
  /** At most one queued and one active job per key (pg-boss policy `stately`), when set. */
  singletonKey?(payload: Payload): string;
}

const ItemPayload = z.object({ runId: z.string(), stage: z.string(), key: z.string() });
export type ItemPayload = z.infer<typeof ItemPayload>;

export const jobs = {
  /** The orchestrator's pass over a run: start stages whose needs are settled, finish settled stages, settle the run. */
  advanceRun: {
    queue: 'run-advance',
    payload: z.object({ runId: z.string() }),
    singletonKey: (payload) => payload.runId,
  } satisfies JobDefinition<{ runId: string }>,
  /** A run's estimate, made beside the run (its status shows it with the actuals). */
  runEstimate: {
    queue: 'run-estimate',
    payload: z.object({ runId: z.string() }),
  } satisfies JobDefinition<{ runId: string }>,
  /** A preview: a sample through every model stage of a config, with the real model (see dry-run/preview.ts). */
  preview: { queue: 'preview', payload: z.object({ previewId: z.string() }) } satisfies JobDefinition<{
    previewId: string;
  }>,
  /** A preview whose job ended without it: its worker died in it every attempt. Recorded as failed, saying so. */
  previewDead: { queue: 'preview-dead', payload: z.object({ previewId: z.string() }) } satisfies JobDefinition<{
    previewId: string;
  }>,
  /** Text extraction right after upload, so a file's status and text are known before any run. */
  extractFile: { queue: 'extract-file', payload: z.object({ fileId: z.string() }) } satisfies JobDefinition<{
    fileId: string;
  }>,
  /** An upload whose extraction job failed every attempt (its worker stopped in it each time): recorded as failed. */
  extractFileDead: { queue: 'extract-file-dead', payload: z.object({ fileId: z.string() }) } satisfies JobDefinition<{
    fileId: string;
  }>,
  /** Items whose job failed every attempt: recorded as failed items so the run can finish and say why. */
  deadItem: { queue: 'items-dead', payload: ItemPayload } satisfies JobDefinition<ItemPayload>,
  /** Publishing a run's outputs to the Hugging Face Hub (retried on faults). */
  hubPush: { queue: 'hub-push', payload: z.object({ pushId: z.string() }) } satisfies JobDefinition<{ pushId: string }>,
  /** A push that failed every attempt: recorded as failed with its last error. */
  hubPushDead: { queue: 'hub-push-dead', payload: z.object({ pushId: z.string() }) } satisfies JobDefinition<{
    pushId: string;
  }>,
  /** Announcing a run's end to its webhook (retried with backoff). */
  runWebhook: { queue: 'run-webhook', payload: z.object({ runId: z.string() }) } satisfies JobDefinition<{
    runId: string;
  }>,
  /** A webhook delivery that failed every attempt: recorded as a run event. */
  runWebhookDead: { queue: 'run-webhook-dead', payload: z.object({ runId: z.string() }) } satisfies JobDefinition<{
    runId: string;
  }>,
  /** One item of a stage; one queue per stage kind, so operators can see and scale each kind. */
  stageItem: (kind: string): JobDefinition<ItemPayload> => ({ queue: `items-${kind}`, payload: ItemPayload }),
};
