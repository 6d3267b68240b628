/**
 * The composition graph, built from the registry: its nodes and dependencies for the default config and for other
 * style and generation counts, skipped stages with their reasons, every needed kind provided, and the config warnings
 * for stages this version cannot run, which come from the same graph.
 */
import { describe, expect, it } from 'vitest';
import { type CompositionConfig, defaultCompositionConfig } from '../../../src/config/composition/schema.ts';
import { callPriority } from '../../../src/jobs/item-runner.ts';
import { buildStageGraph, modelChainPositions, unavailableStageWarnings } from '../../../src/pipelines/graph.ts';
import { compositionStages, pipelineStages } from '../../../src/pipelines/stages.ts';

const implemented = new Set(['ingest', ...pipelineStages.map((s) => s.kind)]);
const everything = new Set(compositionStages.map((s) => s.kind));
/** As a worker that cannot run generic_sft would see the composition. */
const withoutGeneric = new Set([...implemented].filter((kind) => kind !== 'generic_sft'));

function withGenerations(generations: number, styles: string[]): CompositionConfig {
  const config = defaultCompositionConfig();
  config.system.number_of_factual_sft_generations_to_do = generations;
  const way = Object.values(config.factual_sft)[0];
  config.factual_sft = Object.fromEntries(styles.map((s) => [s, way])) as CompositionConfig['factual_sft'];
  return config;
}

describe('buildStageGraph', () => {
  it('lays out the default composition with its dependencies', () => {
    const config = withGenerations(2, ['openended', 'negative']);
    config.system.generic_thought_process_on_domain_data = true;
    config.final_datasaving_settings.generic_dataset_paths = [{ path: 'x/y' }] as never;
    const nodes = buildStageGraph(config, compositionStages, everything);
    const factual = (i: number) => [`factual_sft/openended/${i}`, `factual_sft/negative/${i}`];
    expect(nodes.map((n) => [n.name, n.dependsOn])).toEqual([
      ['ingest', []],
      ['pdf_cleaning', ['ingest']],
      ['representation_variation', ['pdf_cleaning']],
      ['inferred_facts', ['pdf_cleaning']],
      ...factual(0).map((name) => [name, ['pdf_cleaning']]),
      ['thought_rewrite/0', factual(0)],
      ...factual(1).map((name) => [name, ['pdf_cleaning']]),
      ['thought_rewrite/1', factual(1)],
      ['rag_data', ['pdf_cleaning']],
      ['correction', ['pdf_cleaning']],
      ['generic_sft', []],
      ['pretraining_files', ['pdf_cleaning', 'representation_variation', 'inferred_facts']],
      [
        'sft_mix',
        ['pdf_cleaning', ...factual(0), ...factual(1), 'thought_rewrite/0', 'thought_rewrite/1', 'generic_sft'],
      ],
      ['assembly', ['pretraining_files', 'sft_mix', 'correction', 'rag_data']],
      ['training_configs', ['assembly']],
    ]);
    expect(nodes.find((n) => n.name === 'factual_sft/negative/1')?.params).toEqual({ style: 'negative', index: 1 });
    expect(nodes.every((n) => n.skip === undefined)).toBe(true);
  });

  it.each([
    [0, ['openended']],
    [1, []],
    [1, ['openended']],
    [3, ['openended', 'hallucination', 'negative', 'vague', 'followup', 'comparison']],
  ])('makes %i generation(s) of %j, every dependency a node of the graph', (generations, styles) => {
    const nodes = buildStageGraph(withGenerations(generations, styles), compositionStages, implemented);
    const names = new Set(nodes.map((n) => n.name));
    expect(nodes.filter((n) => n.kind === 'factual_sft')).toHaveLength(generations * styles.length);
    expect(nodes.filter((n) => n.kind === 'thought_rewrite')).toHaveLength(styles.length > 0 ? generations : 0);
    for (const node of nodes) for (const d of node.dependsOn) expect(names, `${node.name} → ${d}`).toContain(d);
    expect(names.size).toBe(nodes.length);
  });

  it('skips what this version cannot run, and what the config switches off, with the reason', () => {
    const all = buildStageGraph(defaultCompositionConfig(), compositionStages, implemented);
    for (const node of all) expect(node.skip, node.name).toBeUndefined();
    const nodes = buildStageGraph(defaultCompositionConfig(), compositionStages, withoutGeneric);
    const skip = Object.fromEntries(nodes.map((n) => [n.name, n.skip]));
    expect(skip.generic_sft).toBe('stage generic_sft is not available in this service version yet');
    const off = defaultCompositionConfig();
    off.system.generic_thought_process_on_domain_data = false;
    off.final_datasaving_settings.generic_dataset_paths = [];
    const offSkip = Object.fromEntries(
      buildStageGraph(off, compositionStages, everything).map((n) => [n.name, n.skip]),
    );
    expect(offSkip.generic_sft).toBe('no generic_dataset_paths configured');
    expect(offSkip['thought_rewrite/0']).toBe('disabled by system.generic_thought_process_on_domain_data');
    expect(offSkip.rag_data).toBeUndefined();
    expect(offSkip.correction).toBeUndefined();
  });

  it('refuses a stage that needs a kind no one provides', () => {
    const orphan = { kind: 'orphan', needs: [{ kind: 'missing' }], configPath: 'system' };
    expect(() => buildStageGraph(defaultCompositionConfig(), [...compositionStages, orphan], everything)).toThrow(
      /needs missing/,
    );
  });
});

describe('unavailableStageWarnings', () => {
  it('warns once per enabled kind whose stage is not available, at its config section', () => {
    const warnings = unavailableStageWarnings(defaultCompositionConfig(), compositionStages, withoutGeneric);
    expect(warnings).toEqual([
      {
        path: 'final_datasaving_settings.generic_dataset_paths',
        message: 'stage generic_sft is not available in this service version yet; it will be reported as skipped',
      },
    ]);
  });

  it('is silent about parts the config switches off', () => {
    const config = withGenerations(0, ['openended']);
    config.final_datasaving_settings.generic_dataset_paths = [];
    expect(unavailableStageWarnings(config, compositionStages, withoutGeneric)).toEqual([]);
  });

  it('is silent when every stage is available', () => {
    expect(unavailableStageWarnings(defaultCompositionConfig(), compositionStages, everything)).toEqual([]);
  });
});

describe('modelChainPositions', () => {
  const callsModel = (kind: string) => pipelineStages.some((s) => s.kind === kind && 'llmSection' in s && s.llmSection);

  it('places each model-calling kind of the composition in its chains', () => {
    const positions = Object.fromEntries(modelChainPositions(compositionStages, callsModel));
    expect(positions).toEqual({
      pdf_cleaning: { height: 3, depth: 1 },
      representation_variation: { height: 1, depth: 2 },
      inferred_facts: { height: 1, depth: 2 },
      factual_sft: { height: 2, depth: 2 },
      thought_rewrite: { height: 1, depth: 3 },
      rag_data: { height: 1, depth: 2 },
      correction: { height: 1, depth: 2 },
    });
  });

  it('refuses specs that read each other in a cycle', () => {
    const a = { kind: 'a', needs: [{ kind: 'b' }], configPath: 'a' };
    const b = { kind: 'b', needs: [{ kind: 'a' }], configPath: 'b' };
    expect(() => modelChainPositions([a, b], () => true)).toThrow(/cycle/);
  });
});

describe('callPriority', () => {
  it('puts longer chains first, then later links, then the earlier-started item', () => {
    const at = 1_000_000;
    const factual = callPriority(at + 5000, { height: 2, depth: 2 });
    const rewrite = callPriority(at + 5000, { height: 1, depth: 3 });
    const leafEarly = callPriority(at, { height: 1, depth: 2 });
    const leafLate = callPriority(at + 10, { height: 1, depth: 2 });
    expect(factual).toBeLessThan(rewrite);
    expect(rewrite).toBeLessThan(leafEarly);
    expect(leafEarly).toBeLessThan(leafLate);
    expect(callPriority(at, undefined)).toBe(at);
  });
});
