import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../../support/service.ts';

let t: TestService;
let projectId: string;

beforeAll(async () => {
  t = await startTestService();
  const project = await t.client.POST('/v1/projects', { body: { name: 'configs' } });
  projectId = project.data?.id as string;
  await t.client.POST('/v1/projects/{id}/sources', { params: { path: { id: projectId } }, body: { name: 'manuals' } });
});
afterAll(async () => {
  await t?.stop();
});

async function postConfig(body: string, contentType = 'application/yaml') {
  const res = await fetch(`${t.baseUrl}/v1/projects/${projectId}/configs?name=test`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  return {
    status: res.status,
    contentType: res.headers.get('content-type') ?? '',
    body: (await res.json()) as Record<string, unknown>,
  };
}

describe('configs', () => {
  it('accepts a minimal YAML config and fills every default', async () => {
    const res = await postConfig('dataset_context: US Army field manuals\npath:\n  input_dirs:\n    - path: manuals\n');
    expect(res.status).toBe(201);
    const doc = res.body.document as Record<string, Record<string, unknown>>;
    expect(doc.dataset_context).toBe('US Army field manuals');
    expect(doc.system?.concurrency_limit).toBe(300);
    expect(doc.representation_variation?.representation_variation_chunk_size).toBe(4000);
    expect(doc.factual_sft_settings?.factual_chunk_size).toBe(3000);
  });

  it('accepts JSON too', async () => {
    const res = await postConfig(JSON.stringify({ system: { concurrency_limit: 8 } }), 'application/json');
    expect(res.status).toBe(201);
    expect((res.body.document as { system: { concurrency_limit: number } }).system.concurrency_limit).toBe(8);
  });

  it('lists every failing path at once: unknown keys, wrong types, negative counts', async () => {
    const res = await postConfig(
      [
        'bogus_top: 1',
        'system:',
        '  concurrency_limit: lots',
        '  number_of_factual_sft_generations_to_do: -2',
        'representation_variation:',
        '  not_a_key: true',
      ].join('\n'),
    );
    expect(res.status).toBe(400);
    expect(res.contentType).toContain('application/problem+json');
    const paths = (res.body.errors as Array<{ path: string }>).map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'bogus_top',
        'system.concurrency_limit',
        'system.number_of_factual_sft_generations_to_do',
        'representation_variation.not_a_key',
      ]),
    );
  });

  it('rejects an alias bomb quickly with a clear error', async () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 9; i++) {
      const prev = String.fromCharCode(97 + i);
      const next = String.fromCharCode(98 + i);
      lines.push(`${next}: &${next} [${Array(10).fill(`*${prev}`).join(',')}]`);
    }
    const started = Date.now();
    const res = await postConfig(lines.join('\n'));
    expect(res.status).toBe(400);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(JSON.stringify(res.body).toLowerCase()).toContain('alias');
    expect((await t.client.GET('/healthz')).data?.status).toBe('ok');
  });

  it('names input_dirs that are not sources of the project', async () => {
    const res = await postConfig('path:\n  input_dirs:\n    - path: manuals\n    - path: nowhere\n');
    expect(res.status).toBe(400);
    expect((res.body.errors as Array<{ path: string }>).map((e) => e.path)).toEqual(['path.input_dirs.1.path']);
  });

  it('matches an input_dirs path by its last segment, and lists the sources when none matches', async () => {
    const ok = await postConfig('path:\n  input_dirs:\n    - path: ./inputs/manuals/\n');
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    const missing = await postConfig('path:\n  input_dirs:\n    - path: /data/inputs/letters\n');
    expect(missing.status).toBe(400);
    expect((missing.body.errors as Array<{ message: string }>)[0]?.message).toMatch(
      /"letters" \(the last segment of the path\) is not a source of this project \(sources: manuals\)/,
    );
  });

  it('warns about the chunk subsets in force for each source it reads', async () => {
    const on = await postConfig('dataset_context: Field manuals\n');
    const warnings = on.body.warnings as Array<{ path: string; message: string }>;
    expect(warnings.find((w) => w.path === 'system.use_subset')?.message).toMatch(/at most 30 chunks per source/);
    expect(warnings.find((w) => w.path === 'sources.manuals')?.message).toMatch(
      /factual SFT 20 per way, RAG data 20, correction data 10 chunks at most/,
    );
    const off = await postConfig(
      'dataset_context: Field manuals\nsystem:\n  use_subset: false\npath:\n  input_dirs:\n    - path: manuals\n' +
        '      factual_gen_use_subset: false\n      rag_use_subset: false\n      correction_use_subset: false\n',
    );
    expect(off.body.warnings).toEqual([]);
  });

  it('serves the config JSON Schema and the defaults, and an OpenAPI document naming the server reached', async () => {
    const schema = (await (await fetch(`${t.baseUrl}/v1/config-schema`)).json()) as {
      properties: Record<string, { properties?: Record<string, { default?: unknown }> }>;
    };
    expect(schema.properties.system?.properties?.subset_size?.default).toBe(30);
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['final_datasaving_settings', 'llm_cache']));
    const defaults = (await (await fetch(`${t.baseUrl}/v1/config-defaults`)).json()) as {
      system: { subset_size: number };
    };
    expect(defaults.system.subset_size).toBe(30);
    const served = (await (await fetch(`${t.baseUrl}/openapi.json`)).json()) as { servers: Array<{ url: string }> };
    expect(served.servers).toEqual([{ url: t.baseUrl }]);
  });

  it('never returns or logs secrets, and warns about managed paths', async () => {
    const res = await postConfig(
      [
        'path:',
        '  output_dir: ./outputs/mine',
        'representation_variation:',
        '  representation_variation_small_api_key: sk-very-secret',
      ].join('\n'),
    );
    expect(res.status).toBe(201);
    expect(JSON.stringify(res.body)).not.toContain('sk-very-secret');
    const warnings = (res.body.warnings as Array<{ path: string }>).map((w) => w.path);
    expect(warnings).toContain('path.output_dir');
    const again = await t.client.GET('/v1/configs/{id}', { params: { path: { id: res.body.id as string } } });
    expect(JSON.stringify(again.data)).not.toContain('sk-very-secret');
    const list = await t.client.GET('/v1/projects/{id}/configs', { params: { path: { id: projectId } } });
    expect(JSON.stringify(list.data)).not.toContain('sk-very-secret');
  });

  it('rejects YAML that is not a mapping, and reports syntax errors', async () => {
    expect((await postConfig('- just\n- a list\n')).status).toBe(400);
    const syntax = await postConfig('system:\n  concurrency_limit: [1, 2\n');
    expect(syntax.status).toBe(400);
  });
});
