/**
 * The last pass over the generated OpenAPI document, so generated clients get what they need (pure):
 * - an operationId per operation, chosen for client method names (`createRun`, `listRuns`, `getArtifact`…);
 * - the wildcard artifact route as a named path parameter (`{path}`: the artifact's path, slashes included), which
 *   clients can fill (the router's `{*}` is not a valid OpenAPI parameter);
 * - descriptions for every tag;
 * - a 400 on the operations that declared no 4xx: every route answers 400 to a URL it cannot accept (a NUL byte,
 *   a malformed encoding), before any handler;
 * - only the components something refers to (the zod provider also registers input twins nobody uses);
 * - the media types the service really sends: problem+json for every error, and the byte, text and event-stream
 *   answers of the download, text, events and metrics operations (with their 206 and 416 for Range requests).
 */
type Json = Record<string, unknown>;

const OPERATION_IDS: Record<string, string> = {
  'post /v1/projects': 'createProject',
  'get /v1/projects': 'listProjects',
  'get /v1/projects/{id}': 'getProject',
  'patch /v1/projects/{id}': 'updateProject',
  'delete /v1/projects/{id}': 'deleteProject',
  'post /v1/projects/{id}/sources': 'createSource',
  'get /v1/projects/{id}/sources': 'listSources',
  'get /v1/sources/{id}': 'getSource',
  'patch /v1/sources/{id}': 'updateSource',
  'delete /v1/sources/{id}': 'deleteSource',
  'post /v1/sources/{id}/files': 'uploadFiles',
  'get /v1/sources/{id}/files': 'listFiles',
  'get /v1/files/{id}': 'getFile',
  'delete /v1/files/{id}': 'deleteFile',
  'get /v1/files/{id}/content': 'getFileContent',
  'get /v1/files/{id}/text': 'getFileText',
  'post /v1/projects/{id}/configs': 'createConfig',
  'get /v1/projects/{id}/configs': 'listConfigs',
  'get /v1/configs/{id}': 'getConfig',
  'get /v1/config-schema': 'getConfigSchema',
  'get /v1/config-defaults': 'getConfigDefaults',
  'delete /v1/configs/{id}': 'deleteConfig',
  'post /v1/projects/{id}/estimates': 'estimateRun',
  'post /v1/projects/{id}/previews': 'createPreview',
  'get /v1/previews/{id}': 'getPreview',
  'post /v1/runs/{id}/retry-failed': 'retryFailedItems',
  'post /v1/projects/{id}/runs': 'createRun',
  'get /v1/projects/{id}/runs': 'listRuns',
  'get /v1/runs/{id}': 'getRun',
  'post /v1/runs/{id}/cancel': 'cancelRun',
  'delete /v1/runs/{id}': 'deleteRun',
  'post /v1/runs/{id}/pause': 'pauseRun',
  'post /v1/runs/{id}/resume': 'resumeRun',
  'get /v1/runs/{id}/events': 'listRunEvents',
  'get /v1/runs/{id}/artifacts': 'listArtifacts',
  'get /v1/runs/{id}/artifacts/{path}': 'getArtifact',
  'get /v1/runs/{id}/bundle': 'getRunBundle',
  'post /v1/runs/{id}/push': 'pushRunToHub',
  'get /v1/runs/{id}/pushes': 'listHubPushes',
  'get /v1/prompts': 'listPrompts',
  'post /v1/projects/{id}/prompt-sets': 'createPromptSet',
  'get /v1/projects/{id}/prompt-sets': 'listPromptSets',
  'post /v1/projects/{id}/prompt-sets/upload': 'uploadPromptSet',
  'get /v1/projects/{id}/prompt-sets/{name}': 'getPromptSet',
  'get /healthz': 'getHealth',
  'get /readyz': 'getReadiness',
  'get /metrics': 'getMetrics',
};

export const TAG_DESCRIPTIONS: Record<string, string> = {
  projects: "A team's workspace: its sources, configs, prompt sets and runs",
  sources: "A named group of documents (one of the original's input_dirs) with its per-directory settings",
  files: 'Uploaded documents (txt, md, pdf, docx, jsonl, json) and their extracted text',
  configs: "Composition configs in the original's config.yaml layout (YAML or JSON), validated and immutable",
  runs: 'Runs of a config: estimate, preview, status, outcome, events, pause, resume, cancel, hub pushes',
  artifacts: "A run's output tree: one file, the list, or the whole tree as a tar.gz",
  prompts: 'The bundled prompts and the prompt sets a project uploads to replace them',
  ops: 'Health, readiness and Prometheus metrics',
};

const WILDCARD = '/v1/runs/{id}/artifacts/{*}';
const ARTIFACT_PATH = '/v1/runs/{id}/artifacts/{path}';

const binary = (description: string) => ({
  description,
  content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
});
const text = (mediaType: string, description: string) => ({
  description,
  content: { [mediaType]: { schema: { type: 'string' } } },
});

/** Success answers that are not JSON, by operation. */
const RAW_ANSWERS: Record<string, Record<string, unknown>> = {
  getArtifact: {
    200: binary('The artifact (its media type follows the file: JSON Lines, JSON, YAML, Markdown, text)'),
    206: binary('The requested byte range'),
  },
  getFileContent: { 200: binary('The file as uploaded'), 206: binary('The requested byte range') },
  getRunBundle: {
    200: {
      description: 'Every artifact as one tar.gz',
      content: { 'application/gzip': { schema: { type: 'string', format: 'binary' } } },
    },
  },
  getFileText: { 200: text('text/plain', 'The extracted text') },
  getMetrics: { 200: text('text/plain', 'Prometheus exposition format') },
};

export function polishOpenApi(document: Json): Json {
  const paths = { ...(document.paths as Record<string, Record<string, Json>>) };
  if (paths[WILDCARD]) {
    paths[ARTIFACT_PATH] = renameWildcard(paths[WILDCARD]);
    delete paths[WILDCARD];
  }
  const badRequest = findBadRequest(paths);
  const problem = badRequest as Json | undefined;
  for (const [path, operations] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const id = OPERATION_IDS[`${method} ${path}`];
      if (id) operation.operationId = id;
      let responses = (operation.responses ?? {}) as Record<string, unknown>;
      if (badRequest && !Object.keys(responses).some((status) => status.startsWith('4'))) {
        responses = { ...responses, 400: badRequest };
      }
      if (id && RAW_ANSWERS[id]) {
        responses = { ...responses, ...RAW_ANSWERS[id] };
        if (id === 'getArtifact' || id === 'getFileContent') {
          responses['416'] = { ...(problem as Json), description: 'The Range cannot be satisfied' };
        }
      }
      if (id === 'listRunEvents') {
        const ok = responses['200'] as Json;
        responses['200'] = {
          ...ok,
          content: {
            ...(ok.content as Json),
            'text/event-stream': {
              schema: {
                type: 'string',
                description: 'With `Accept: text/event-stream`: `id`, `event` and `data` (JSON) lines',
              },
            },
          },
        };
      }
      operation.responses = asProblems(responses);
    }
  }
  const tags = ((document.tags as Array<{ name: string }>) ?? []).map((tag) => ({
    ...tag,
    description: TAG_DESCRIPTIONS[tag.name] ?? tag.name,
  }));
  const polished = { ...document, paths, tags };
  return withoutInputSuffixes({ ...polished, components: usedComponents(polished) });
}

/**
 * The zod provider names a request body's schema `<id>Input`; where no output schema holds the plain name, the
 * plain name is the one clients should see (`RunCreate`, not `RunCreateInput`).
 */
function withoutInputSuffixes(document: Json): Json {
  const schemas = ((document.components as Json | undefined)?.schemas ?? {}) as Record<string, unknown>;
  const renames = new Map<string, string>();
  for (const name of Object.keys(schemas)) {
    const plain = name.replace(/(Input)+$/, '');
    if (plain !== name && plain !== '' && !(plain in schemas) && ![...renames.values()].includes(plain)) {
      renames.set(name, plain);
    }
  }
  if (renames.size === 0) return document;
  const text = JSON.stringify(document, (key, value) => {
    if (key === '$ref' && typeof value === 'string') {
      const name = value.slice('#/components/schemas/'.length);
      const renamed = renames.get(name);
      return renamed ? `#/components/schemas/${renamed}` : value;
    }
    return value;
  });
  const renamed = JSON.parse(text) as Json;
  const components = renamed.components as Json;
  components.schemas = Object.fromEntries(
    Object.entries(components.schemas as Record<string, unknown>).map(([name, schema]) => [
      renames.get(name) ?? name,
      schema,
    ]),
  );
  return renamed;
}

/** Errors are RFC 9457 documents, sent as application/problem+json. */
function asProblems(responses: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(responses).map(([status, response]) => {
      const r = response as Json;
      const content = r.content as Record<string, unknown> | undefined;
      if (!/^[45]/.test(status) || !content?.['application/json']) return [status, response];
      const { 'application/json': json, ...rest } = content;
      return [status, { ...r, content: { 'application/problem+json': json, ...rest } }];
    }),
  );
}

function renameWildcard(operations: Record<string, Json>): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [method, operation] of Object.entries(operations)) {
    const parameters = ((operation.parameters as Json[]) ?? []).map((p) =>
      p.in === 'path' && p.name === '*'
        ? {
            ...p,
            name: 'path',
            description:
              "The artifact's path in the output tree, e.g. `sft_run/sft_training_config.yaml` (slashes may be sent as they are or as %2F)",
            schema: { type: 'string' },
          }
        : p,
    );
    out[method] = { ...operation, parameters };
  }
  return out;
}

/** The 400 response some operation already declares, reused for those that declare no 4xx. */
function findBadRequest(paths: Record<string, Record<string, Json>>): unknown {
  for (const operations of Object.values(paths)) {
    for (const operation of Object.values(operations)) {
      const found = (operation.responses as Record<string, unknown> | undefined)?.['400'];
      if (found) return found;
    }
  }
  return undefined;
}

/** The components reachable from the paths (and from each other), everything else dropped. */
function usedComponents(document: Json): Json {
  const components = (document.components ?? {}) as Record<string, Record<string, unknown>>;
  const schemas = components.schemas ?? {};
  const used = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const v of value) visit(v);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    for (const [key, v] of Object.entries(value)) {
      if (key === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/')) {
        const name = v.slice('#/components/schemas/'.length);
        if (!used.has(name)) {
          used.add(name);
          visit(schemas[name]);
        }
      } else visit(v);
    }
  };
  visit(document.paths);
  return {
    ...components,
    schemas: Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name))),
  };
}
