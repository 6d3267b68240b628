/**
 * A config in the original's own layout, quirks included (flow lists indented no deeper than their key, yes/no/on/off,
 * a tab inside a flow list, `input_dirs` given as a path), loads with the same effective values as its JSON
 * equivalent — as PyYAML would read it — and the strict parts stay strict.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCompositionConfig } from '../../../src/config/composition/parse.ts';
import { indentFlowCollections } from '../../../src/config/composition/yaml-compat.ts';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/original-layout');
const yaml = readFileSync(path.join(fixtures, 'config.yaml'), 'utf8');
const json = JSON.parse(readFileSync(path.join(fixtures, 'config.json'), 'utf8')) as unknown;

describe("a config in the original's layout", () => {
  it('loads with the same effective values as its JSON equivalent', () => {
    const fromYaml = parseCompositionConfig(yaml, 'yaml');
    const fromJson = parseCompositionConfig(json, 'json');
    if (!fromYaml.ok) throw new Error(JSON.stringify(fromYaml.errors));
    if (!fromJson.ok) throw new Error(JSON.stringify(fromJson.errors));
    expect(fromYaml.config).toEqual(fromJson.config);
    const c = fromYaml.config;
    expect(c.factual_sft_settings.final_assistant_prompts_no_rag).toEqual([
      "You are the cooperative's helpful assistant.",
      'You know the {context} thoroughly.\nAnswer members plainly and truthfully.',
      'u r the orchard bot, answr pls',
    ]);
    expect(c.rag_data.final_assistant_prompts[0]).toBe('Use the retrieved notes when they help:\n{data}');
    expect(c.path.input_dirs?.[0]).toMatchObject({ path: 'orchard_handbook', rag_use_subset: true });
    expect(c.do_not_use_llm_for_pdf_processing).toBe(true);
    expect(c.system.use_subset).toBe(false);
    expect(c.representation_variation.code_variation_functions).toEqual(['keyboard_augmentation', 'allcaps']);
    expect(fromYaml.secrets).toEqual({ 'factual_sft_settings.factual_small_api_key': 'sk-orchard-secret' });
  });

  it('names a source by the last segment of its path, however it is written', () => {
    for (const written of [
      './inputs/orchard_handbook/',
      'inputs/orchard_handbook',
      '/srv/data/orchard_handbook',
      'orchard_handbook',
      'C:\\inputs\\orchard_handbook',
    ]) {
      const result = parseCompositionConfig({ path: { input_dirs: [{ path: written }] } }, 'json');
      expect(result.ok && result.config.path.input_dirs?.[0]?.path, written).toBe('orchard_handbook');
    }
    const twice = parseCompositionConfig({ path: { input_dirs: [{ path: './a/' }, { path: 'a' }] } }, 'json');
    expect(twice.ok).toBe(false);
  });

  it('still refuses unknown keys, duplicate keys and alias bombs', () => {
    const unknown = parseCompositionConfig(`${yaml}\nsystem_typo: 1\n`, 'yaml');
    expect(unknown.ok || unknown.errors.map((e) => e.path)).toEqual(['system_typo']);
    expect(parseCompositionConfig('a: 1\na: 2\n', 'yaml').ok).toBe(false);
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      ...'bcdefgh'.split('').map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcdefgh'[i]}`).join(', ')}]`),
    ].join('\n');
    const refused = parseCompositionConfig(bomb, 'yaml');
    expect(refused.ok).toBe(false);
  });
});

describe('indentFlowCollections', () => {
  it('leaves a text without such lists byte for byte', () => {
    const plain = 'a:\n  b: [1, 2]\n  c: "x [ y"\n';
    expect(indentFlowCollections(plain)).toBe(plain);
  });

  it('ignores brackets inside quotes and comments when finding the end of a list', () => {
    const text = 'k:\n  list: [\n  \'a ] b\', # ] not the end\n  "c [ d"\n  ]\n  after: 1\n';
    expect(indentFlowCollections(text)).toBe(
      'k:\n  list: [\n    \'a ] b\', # ] not the end\n    "c [ d"\n    ]\n  after: 1\n',
    );
  });
});
