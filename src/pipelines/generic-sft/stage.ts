/**
 * Stage `generic_sft` (blueprint §6.5, first half): one item per `generic_dataset_paths` entry fetches the first
 * `max_samples_per_dataset` rows of that dataset's train split from the Hugging Face Hub (or finds them kept from an
 * earlier run) through the datasets port. Needs nothing, so downloads overlap the LLM stages. A dataset the hub
 * refuses (unknown repo, no access, no train split) is dropped with the hub's reason, and the stage then fails
 * naming every such repo: a mix silently missing a dataset would train a different model than configured. The
 * mixing itself needs the domain SFT's size, so stage `sft_mix` does it (`mix.ts`).
 */
import { z } from 'zod';
import type { DatasetSnapshot } from '../datasets-port.ts';
import type { ItemStageDefinition } from '../stage.ts';
import { outcome } from '../step.ts';

const GenericInputSchema = z.object({
  /** Position in `generic_dataset_paths`, which aligns the dataset with its percentage. */
  position: z.number().int().min(0),
  repo: z.string(),
  revision: z.string(),
  maxRows: z.number().int().positive(),
});
export type GenericInput = z.infer<typeof GenericInputSchema>;

const SnapshotSchema: z.ZodType<DatasetSnapshot> = z.object({
  repo: z.string(),
  commit: z.string(),
  files: z.array(z.string()),
  rows: z.number().int(),
  skippedRows: z.number().int(),
  tokens: z.number().int(),
  handle: z.string(),
});

export const genericSftStage: ItemStageDefinition<GenericInput, DatasetSnapshot> = {
  kind: 'generic_sft',
  needs: [],
  configPath: 'final_datasaving_settings.generic_dataset_paths',
  disabledBy: (config) =>
    config.final_datasaving_settings.generic_dataset_paths.length === 0
      ? 'no generic_dataset_paths configured'
      : undefined,
  input: GenericInputSchema,
  output: SnapshotSchema,

  async *plan(ctx) {
    const settings = ctx.config.final_datasaving_settings;
    for (const [position, dataset] of settings.generic_dataset_paths.entries()) {
      yield {
        key: `${position}-${dataset.path.replaceAll('/', '--')}`,
        input: { position, repo: dataset.path, revision: dataset.revision, maxRows: settings.max_samples_per_dataset },
      };
    }
  },

  async process(input, ctx) {
    const result = await ctx.datasets.snapshot({ repo: input.repo, revision: input.revision, maxRows: input.maxRows });
    if (!result.ok) return outcome.dropped(result.reason);
    ctx.log.info(
      { repo: input.repo, commit: result.snapshot.commit, rows: result.snapshot.rows },
      'generic dataset ready',
    );
    return outcome.done(result.snapshot);
  },

  async finish(ctx) {
    const refused = await ctx.unfinished();
    if (refused.length > 0) {
      throw new Error(`generic datasets could not be fetched: ${refused.map((r) => r.reason).join('; ')}`);
    }
  },
};
