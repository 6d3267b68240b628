/**
 * Prompts: the bundled prompts (`GET /v1/prompts`), and a project's prompt sets — replacement prompt files uploaded
 * under a name that a config's prompt keys then use (`representation_variation_prompts: my-set`,
 * `factual_sft.<way>.prompts: my-set`). A set is checked whole when uploaded and every problem is listed; sets are
 * immutable (upload under a new name to change one).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isBundledPromptSet } from '../../config/composition/prompt-sets.ts';
import { getProject } from '../../db/queries/projects.ts';
import {
  getPromptSetByName,
  insertPromptSet,
  listPromptSets,
  type PromptSetRow,
} from '../../db/queries/prompt-sets.ts';
import { notFound, ServiceError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import type { AppDeps } from '../deps.ts';
import { multipartError } from '../multipart-errors.ts';
import { MAX_ARCHIVE_BYTES, readPromptArchive, readPromptZip } from '../prompt-archive.ts';
import { IdParam, problemResponses, validateAllButBody } from '../schemas/common.ts';

const Prompt = z
  .object({
    id: z.string().describe('e.g. `representation-variation/filter`; the key of a prompt set file'),
    group: z.string(),
    variables: z.array(z.string()).describe('What the prompt may use, as `{{ name }}`'),
    description: z.string().describe("The file's header: purpose, variables and the answer contract"),
    messages: z.array(z.object({ role: z.string(), content: z.string() })),
    styles: z.array(z.string()).describe('Factual ways with a bundled variant'),
    in_local_set: z.boolean().describe('Whether `prompts_local` has a compact version'),
  })
  .meta({ id: 'Prompt' });

const SetName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\w.-]+$/, 'letters, digits, _ . - only')
  .refine((name) => !isBundledPromptSet(name), 'that name means a bundled prompt folder');

const PromptSetSummary = z
  .object({
    id: z.string(),
    name: z.string(),
    prompts: z.array(z.string()).describe('The prompt ids the set replaces'),
    created_at: z.string(),
  })
  .meta({ id: 'PromptSet' });

const PromptSetFull = PromptSetSummary.extend({ files: z.record(z.string(), z.string()) }).meta({
  id: 'PromptSetWithFiles',
});

const toSummary = (row: PromptSetRow): z.infer<typeof PromptSetSummary> => ({
  id: row.id,
  name: row.name,
  prompts: Object.keys(row.files).sort(),
  created_at: row.createdAt.toISOString(),
});

const routes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  const { db } = deps;
  /** Stores a checked set under its name; a name the project already uses is a conflict (sets are immutable). */
  const store = async (tenantId: string, projectId: string, name: string, files: Record<string, string>) => {
    const row = await insertPromptSet(db, { id: newId('promptSet'), tenantId, projectId, name, files });
    if (!row) throw new ServiceError('conflict', `the project already has a prompt set named ${name}`);
    return toSummary(row);
  };

  app.get(
    '/v1/prompts',
    {
      schema: {
        tags: ['prompts'],
        summary: 'The bundled prompts, with their variables, answer contracts and text',
        response: { 200: z.object({ items: z.array(Prompt) }).meta({ id: 'PromptList' }), ...problemResponses },
      },
    },
    async () => ({
      items: deps.jobs.promptCatalog().map(({ inLocalSet, variables, ...p }) => ({
        ...p,
        variables: [...variables],
        in_local_set: inLocalSet,
      })),
    }),
  );

  app.post(
    '/v1/projects/:id/prompt-sets',
    {
      schema: {
        tags: ['prompts'],
        summary: 'Upload a prompt set: replacement prompt files, checked before any run uses them',
        description:
          'Each file replaces one bundled prompt (see `GET /v1/prompts`) and is checked: YAML messages ending with the user ' +
          "message, only the prompt's variables, and few-shot answers its step's parser accepts. Every problem is listed. " +
          'A config uses the set by naming it in a prompt key.',
        params: IdParam('Project', 'proj'),
        body: z
          .object({
            name: SetName,
            files: z
              .record(z.string().max(200), z.string().max(200_000))
              .describe("Prompt id → the file, in the bundled prompts' YAML format"),
          })
          .strict()
          .meta({ id: 'PromptSetCreate' }),
        response: {
          201: PromptSetSummary,
          ...problemResponses,
          409: problemResponses[400].describe('The project has a prompt set of that name'),
        },
      },
    },
    async (request, reply) => {
      const project = await getProject(db, request.tenantId, request.params.id);
      if (!project) throw notFound('project', request.params.id);
      const problems = deps.jobs.checkPromptSet(request.body.files);
      if (problems.length > 0) throw new ServiceError('validation', 'the prompt set is invalid', { errors: problems });
      return reply.code(201).send(await store(request.tenantId, project.id, request.body.name, request.body.files));
    },
  );

  app.post(
    '/v1/projects/:id/prompt-sets/upload',
    {
      schema: {
        tags: ['prompts'],
        summary:
          'Upload a prompt set as files: YAML parts named by prompt id, or a .tar / .tar.gz / .zip of a prompts folder',
        description:
          'multipart/form-data. A part named `representation-variation/filter.yaml` replaces that prompt; a `.tar`, `.tar.gz` ' +
          '`.tgz` or `.zip` part holds a folder of them (`<group>/<name>.yaml`, optionally under one top folder). Checked like a JSON ' +
          `upload. At most ${MAX_ARCHIVE_BYTES / 1024 / 1024} MB in all.`,
        params: IdParam('Project', 'proj'),
        querystring: z.object({ name: SetName }).strict(),
        consumes: ['multipart/form-data'],
        body: z
          .object({ file: z.string().meta({ format: 'binary' }).describe('Repeat the part for several files') })
          .meta({ id: 'PromptSetUpload' }),
        response: {
          201: PromptSetSummary,
          ...problemResponses,
          409: problemResponses[400].describe('The project has a prompt set of that name'),
          413: problemResponses[400].describe(`The upload exceeds ${MAX_ARCHIVE_BYTES} bytes`),
          415: problemResponses[400].describe('Not multipart'),
        },
      },
      validatorCompiler: validateAllButBody,
    },
    async (request, reply) => {
      const project = await getProject(db, request.tenantId, request.params.id);
      if (!project) throw notFound('project', request.params.id);
      if (!request.isMultipart())
        throw new ServiceError('unsupported-media-type', 'upload the files as multipart/form-data');
      const files: Record<string, string> = {};
      const problems: Array<{ path: string; message: string }> = [];
      let total = 0;
      try {
        // preservePath: a part's name is its prompt id, folders included (busboy keeps only the base name otherwise).
        for await (const part of request.parts({ preservePath: true })) {
          if (part.type !== 'file') continue;
          const chunks: Buffer[] = [];
          for await (const chunk of part.file) {
            total += (chunk as Buffer).length;
            if (total > MAX_ARCHIVE_BYTES) {
              throw new ServiceError('payload-too-large', `a prompt set upload is at most ${MAX_ARCHIVE_BYTES} bytes`);
            }
            chunks.push(chunk as Buffer);
          }
          const name = part.filename ?? '';
          const bytes = Buffer.concat(chunks);
          if (/\.(tar|tar\.gz|tgz|zip)$/i.test(name)) {
            const archive = /\.zip$/i.test(name)
              ? readPromptZip(bytes)
              : await readPromptArchive(bytes, !/\.tar$/i.test(name));
            if ('error' in archive) problems.push({ path: `files.${name}`, message: archive.error });
            else Object.assign(files, archive.files);
          } else if (/^[\w.-]+(\/[\w.-]+)+\.yaml$/.test(name) && !name.split('/').includes('..')) {
            files[name.replace(/\.yaml$/, '')] = bytes.toString('utf8');
          } else {
            problems.push({
              path: `files.${name}`,
              message:
                'name each part by its prompt id (`representation-variation/filter.yaml`) or send a .tar, .tar.gz or .zip',
            });
          }
        }
      } catch (error) {
        throw error instanceof ServiceError ? error : multipartError(error, MAX_ARCHIVE_BYTES);
      }
      if (problems.length === 0 || Object.keys(files).length > 0) {
        problems.push(...deps.jobs.checkPromptSet(files).map((p) => ({ ...p, path: p.path.replace(/^body\./, '') })));
      }
      if (problems.length > 0) throw new ServiceError('validation', 'the prompt set is invalid', { errors: problems });
      return reply.code(201).send(await store(request.tenantId, project.id, request.query.name, files));
    },
  );

  app.get(
    '/v1/projects/:id/prompt-sets',
    {
      schema: {
        tags: ['prompts'],
        summary: "The project's prompt sets",
        params: IdParam('Project', 'proj'),
        response: {
          200: z.object({ items: z.array(PromptSetSummary) }).meta({ id: 'PromptSetList' }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const project = await getProject(db, request.tenantId, request.params.id);
      if (!project) throw notFound('project', request.params.id);
      return { items: (await listPromptSets(db, request.tenantId, project.id)).map(toSummary) };
    },
  );

  app.get(
    '/v1/projects/:id/prompt-sets/:name',
    {
      schema: {
        tags: ['prompts'],
        summary: 'One prompt set with its files',
        params: IdParam('Project', 'proj').extend({ name: SetName }),
        response: { 200: PromptSetFull, ...problemResponses },
      },
    },
    async (request) => {
      const project = await getProject(db, request.tenantId, request.params.id);
      if (!project) throw notFound('project', request.params.id);
      const row = await getPromptSetByName(db, project.id, request.params.name);
      if (!row) throw notFound('prompt set', request.params.name);
      return { ...toSummary(row), files: row.files };
    },
  );
};

export default routes;
