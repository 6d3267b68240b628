/**
 * The parts of the composition this service version cannot run yet, declared with their needs, config section and
 * instances so a run lists them (as skipped) and a config is warned about them. When one of them is built, its
 * definition takes its place in stages.ts and its entry here goes. (`ingest`, the job layer's stage, is re-exported
 * from ingest-stage.ts.)
 */
import { factualSftStage } from './factual-sft/stage.ts';
import type { StageSpec } from './stage-spec.ts';
import { thoughtRewriteStage } from './thought-rewrite/stage.ts';

export { ingestStage } from './ingest-stage.ts';

export const genericSftStage: StageSpec = {
  kind: 'generic_sft',
  needs: [factualSftStage, thoughtRewriteStage],
  configPath: 'final_datasaving_settings.generic_dataset_paths',
  disabledBy: (config) =>
    config.final_datasaving_settings.generic_dataset_paths.length === 0
      ? 'no generic_dataset_paths configured'
      : undefined,
};
