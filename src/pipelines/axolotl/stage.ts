/**
 * Stage `training_configs`: the Axolotl YAML for the continued-pretraining run (blueprint §8), listing per source,
 * in the original's order, the representation variations, the source's documents and the inferred facts that the
 * assembly wrote. (The SFT config follows with the SFT stages.)
 */
import type { StageDefinition } from '../stage.ts';
import { buildPretrainingConfig, toYaml } from './pretraining-config.ts';

export const trainingConfigsStage: StageDefinition<never, never> = {
  kind: 'training_configs',
  async plan() {
    return [];
  },
  async process() {
    throw new Error('training_configs has no items');
  },
  async finish(ctx) {
    const training = ctx.config.model_training;
    const datasets: string[] = [];
    for (const source of ctx.sources) {
      for (const name of [
        `representation_variation_${source.name}`,
        `text_chunks_${source.name}`,
        `inferred_facts_${source.name}`,
      ]) {
        if ((await ctx.readArtifact(`pretraining_run/${name}.jsonl`)) !== undefined) datasets.push(`${name}.jsonl`);
      }
    }
    const config = buildPretrainingConfig({
      baseModel: training.base_model,
      datasets,
      contextLength: training.context_length,
      hubModelId: training.pretrain_hub_model_id,
      hubStrategy: training.pretrain_hub_strategy,
      wandbProject: training.wandb_project,
      otherKwargs: training.other_pretrain_kwargs,
    });
    await ctx.writeArtifact('pretraining_run/axolotl_pretraining_config.yaml', toYaml(config));
  },
};
