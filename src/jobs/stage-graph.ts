/**
 * The composition as a graph of stages, declared in one place. Pure: config in, stage list out. A stage whose kind
 * this service version cannot run yet is still listed, as `skipped` with the reason, so a run's status never hides a
 * part of the composition.
 */
import type { CompositionConfig } from '../config/composition/schema.ts';

export interface StageNode {
  name: string;
  kind: string;
  params: Record<string, unknown>;
  dependsOn: string[];
  /** Set when the stage will not run: why. */
  skip?: string;
}

export const stageKinds = [
  'ingest',
  'pdf_cleaning',
  'representation_variation',
  'inferred_facts',
  'factual_sft',
  'thought_rewrite',
  'rag_data',
  'correction',
  'generic_sft',
  'assembly',
  'training_configs',
] as const;

export function buildStageGraph(config: CompositionConfig, available: ReadonlySet<string>): StageNode[] {
  const nodes: StageNode[] = [];
  const add = (
    name: string,
    kind: string,
    dependsOn: string[],
    params: Record<string, unknown> = {},
    skip?: string,
  ) => {
    const reason =
      skip ?? (available.has(kind) ? undefined : `stage ${kind} is not available in this service version yet`);
    nodes.push(reason ? { name, kind, params, dependsOn, skip: reason } : { name, kind, params, dependsOn });
  };

  add('ingest', 'ingest', []);
  add('pdf_cleaning', 'pdf_cleaning', ['ingest']);
  add('representation_variation', 'representation_variation', ['pdf_cleaning']);
  add('inferred_facts', 'inferred_facts', ['pdf_cleaning']);

  const factual: string[] = [];
  const rewrites: string[] = [];
  const generations = config.system.number_of_factual_sft_generations_to_do;
  for (let index = 0; index < generations; index++) {
    const ofIndex: string[] = [];
    for (const style of Object.keys(config.factual_sft)) {
      const name = `factual_sft/${style}/${index}`;
      ofIndex.push(name);
      add(name, 'factual_sft', ['pdf_cleaning'], { style, index });
    }
    factual.push(...ofIndex);
    // Phase D of the original: the thought process of every domain answer of generation `index` is rewritten.
    const rewrite = `thought_rewrite/${index}`;
    rewrites.push(rewrite);
    const off = config.system.generic_thought_process_on_domain_data
      ? undefined
      : 'disabled by system.generic_thought_process_on_domain_data';
    add(rewrite, 'thought_rewrite', ofIndex, { index }, off);
  }
  add('rag_data', 'rag_data', ['pdf_cleaning']);
  add('correction', 'correction', ['pdf_cleaning']);
  const generic = config.final_datasaving_settings.generic_dataset_paths;
  add(
    'generic_sft',
    'generic_sft',
    [...factual, ...rewrites],
    {},
    generic.length === 0 ? 'no generic_dataset_paths configured' : undefined,
  );
  add('assembly', 'assembly', [
    'representation_variation',
    'inferred_facts',
    ...factual,
    ...rewrites,
    'rag_data',
    'correction',
    'generic_sft',
  ]);
  add('training_configs', 'training_configs', ['assembly']);
  return nodes;
}
