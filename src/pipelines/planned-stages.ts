/**
 * The parts of the composition this service version cannot run yet, declared with their needs, config section and
 * instances so a run lists them (as skipped) and a config is warned about them. When one of them is built, its
 * definition takes its place in stages.ts and its entry here goes. (`ingest`, the job layer's stage, is re-exported
 * from ingest-stage.ts.)
 */
import { factualSftStage } from './factual-sft/stage.ts';
import type { StageSpec } from './stage-spec.ts';

export { ingestStage } from './ingest-stage.ts';

/** Phase D: the thought process of every domain answer of generation `index` is rewritten. */
export const thoughtRewriteStage: StageSpec = {
  kind: 'thought_rewrite',
  needs: [factualSftStage],
  configPath: 'system.generic_thought_process_on_domain_data',
  instances: (config) =>
    Object.keys(config.factual_sft).length === 0
      ? []
      : Array.from({ length: config.system.number_of_factual_sft_generations_to_do }, (_, index) => ({
          name: `thought_rewrite/${index}`,
          params: { index },
        })),
  disabledBy: (config) =>
    config.system.generic_thought_process_on_domain_data
      ? undefined
      : 'disabled by system.generic_thought_process_on_domain_data',
};

export const ragDataStage: StageSpec = { kind: 'rag_data', needs: [{ kind: 'pdf_cleaning' }], configPath: 'rag_data' };

export const correctionStage: StageSpec = {
  kind: 'correction',
  needs: [{ kind: 'pdf_cleaning' }],
  configPath: 'correction_pipeline',
};

export const genericSftStage: StageSpec = {
  kind: 'generic_sft',
  needs: [factualSftStage, thoughtRewriteStage],
  configPath: 'final_datasaving_settings.generic_dataset_paths',
  disabledBy: (config) =>
    config.final_datasaving_settings.generic_dataset_paths.length === 0
      ? 'no generic_dataset_paths configured'
      : undefined,
};
