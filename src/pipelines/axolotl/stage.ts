/**
 * Stage `training_configs` (a finish stage: no items): the Axolotl YAML for the continued-pretraining run
 * (blueprint §8), listing the datasets the assembly wrote, in the original's order. (The SFT config follows with the
 * SFT stages.)
 */
import { assemblyStage } from '../assembly/stage.ts';
import { outputTree } from '../output-tree.ts';
import type { FinishStageDefinition } from '../stage.ts';
import { buildPretrainingConfig, buildSftConfig, toYaml } from './pretraining-config.ts';

export const trainingConfigsStage: FinishStageDefinition = {
  kind: 'training_configs',
  needs: [assemblyStage],
  configPath: 'model_training',
  async finish(ctx) {
    const training = ctx.config.model_training;
    const { pretrainingDatasets, leftOut, sftDatasets, sftLeftOut } = await ctx.resultOf(assemblyStage);
    const config = buildPretrainingConfig({
      baseModel: training.base_model,
      datasets: pretrainingDatasets,
      contextLength: training.context_length,
      hubModelId: training.pretrain_hub_model_id,
      hubStrategy: training.pretrain_hub_strategy,
      wandbProject: training.wandb_project,
      otherKwargs: training.other_pretrain_kwargs,
    });
    // The files assembly left out (empty) are named, so a missing dataset is never a mystery.
    const notes = leftOut.map((l) => `# left out of datasets: ${l.file} (${l.reason})\n`).join('');
    await ctx.writeArtifact(
      outputTree.pretrainingRun.path(outputTree.pretrainingRun.axolotlConfig),
      `${notes}${toYaml(config)}`,
    );
    const sft = buildSftConfig({
      baseModel: training.base_model,
      pretrainHubModelId: training.pretrain_hub_model_id,
      datasets: sftDatasets,
      contextLength: training.context_length,
      hubModelId: training.finetune_hub_model_id,
      hubStrategy: training.finetune_hub_strategy,
      wandbProject: training.wandb_project,
      otherKwargs: training.other_finetune_kwargs,
    });
    const sftNotes = sftLeftOut.map((l) => `# left out of datasets: ${l.file} (${l.reason})\n`).join('');
    await ctx.writeArtifact(outputTree.sftRun.path(outputTree.sftRun.axolotlConfig), `${sftNotes}${toYaml(sft)}`);
  },
};
