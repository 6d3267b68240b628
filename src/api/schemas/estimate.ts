/** The estimate document: `POST /v1/projects/{id}/estimates` answers it, and a run's status shows it. */
import { z } from 'zod';

const Figures = {
  calls: z.number().int().describe('LLM calls, retries included'),
  input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  cost_usd: z.number().describe("At the config's cost_per_million_* prices"),
  wall_seconds: z.number().describe('Model time divided by concurrency_limit'),
};

export const EstimateSchema = z
  .object({
    total: z.object(Figures).meta({ id: 'EstimateFigures' }),
    stages: z.array(
      z
        .object({
          name: z.string(),
          kind: z.string(),
          items: z.number().int().describe('Items the stage plans: chunks after subsets, files, conversations'),
          dropped: z.number().int().describe('Items expected to be dropped (recorded drop rates)'),
          cached_calls: z
            .number()
            .int()
            .describe("Calls this account's cache already answers, or repeated within the run: they cost nothing"),
          models: z.array(z.string()),
          prompts: z.array(
            z.object({
              prompt: z.string(),
              model: z.string(),
              calls: z.number().int(),
              basis: z
                .enum(['recorded', 'few-shot'])
                .describe("Sized from this account's recorded calls of the prompt, or from its few-shot answer"),
            }),
          ),
          ...Figures,
        })
        .meta({ id: 'StageEstimate' }),
    ),
    concurrency_limit: z.number().int(),
    skipped: z.array(z.object({ stage: z.string(), reason: z.string() })),
    basis: z.array(z.string()).describe('How the figures were made'),
  })
  .meta({ id: 'Estimate' });
