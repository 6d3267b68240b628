import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { deleteCachedResponsesOfProject } from '../../db/queries/llm-cache.ts';
import { listRunsOfProject } from '../../db/queries/project-cleanup.ts';
import {
  deleteProject,
  getProject,
  insertProject,
  listProjects,
  type ProjectRow,
  updateProject,
} from '../../db/queries/projects.ts';
import { notFound, ServiceError } from '../../lib/errors.ts';
import type { AppDeps } from '../deps.ts';
import { IdParam, PageQuery, pageOf, problemResponses } from '../schemas/common.ts';

export const Project = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Project' });

const ProjectCreate = z
  .object({
    name: z.string().trim().min(1).max(200).describe('A human-readable name'),
    description: z.string().max(5000).optional(),
  })
  .strict()
  .meta({ id: 'ProjectCreate' });

const ProjectPatch = z
  .object({ name: z.string().trim().min(1).max(200).optional(), description: z.string().max(5000).optional() })
  .strict()
  .meta({ id: 'ProjectPatch' });

export const toProject = (p: ProjectRow): z.infer<typeof Project> => ({
  id: p.id,
  name: p.name,
  description: p.description,
  created_at: p.createdAt.toISOString(),
  updated_at: p.updatedAt.toISOString(),
});

const routes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  const { db } = deps;
  const params = IdParam('Project', 'proj');

  app.post(
    '/v1/projects',
    {
      schema: {
        tags: ['projects'],
        summary: 'Create a project',
        body: ProjectCreate,
        response: { 201: Project, ...problemResponses },
      },
    },
    async (request, reply) => {
      const project = await insertProject(db, request.tenantId, request.body);
      return reply.code(201).header('location', `/v1/projects/${project.id}`).send(toProject(project));
    },
  );

  app.get(
    '/v1/projects',
    {
      schema: {
        tags: ['projects'],
        summary: 'List projects',
        querystring: PageQuery,
        response: { 200: pageOf(Project, 'ProjectPage'), ...problemResponses },
      },
    },
    async (request) => {
      const page = await listProjects(db, request.tenantId, request.query);
      return { items: page.items.map(toProject), next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/projects/:id',
    {
      schema: { tags: ['projects'], summary: 'Get a project', params, response: { 200: Project, ...problemResponses } },
    },
    async (request) => {
      const project = await getProject(db, request.tenantId, request.params.id);
      if (!project) throw notFound('project', request.params.id);
      return toProject(project);
    },
  );

  app.patch(
    '/v1/projects/:id',
    {
      schema: {
        tags: ['projects'],
        summary: 'Rename or describe a project',
        params,
        body: ProjectPatch,
        response: { 200: Project, ...problemResponses },
      },
    },
    async (request) => {
      const project = await updateProject(db, request.tenantId, request.params.id, request.body);
      if (!project) throw notFound('project', request.params.id);
      return toProject(project);
    },
  );

  app.delete(
    '/v1/projects/:id',
    {
      schema: {
        tags: ['projects'],
        summary: 'Delete a project with its sources, files, configs, runs and outputs',
        params,
        response: {
          204: z.null().describe('Deleted'),
          ...problemResponses,
          409: problemResponses[400].describe('A run is still in progress'),
        },
      },
    },
    async (request, reply) => {
      const project = await getProject(db, request.tenantId, request.params.id);
      if (!project) throw notFound('project', request.params.id);
      const runs = await listRunsOfProject(db, project.id);
      if (runs.some((r) => r.status === 'queued' || r.status === 'running')) {
        throw new ServiceError('conflict', 'the project has a run in progress: cancel it first');
      }
      await deleteProject(db, request.tenantId, project.id);
      await deleteCachedResponsesOfProject(db, project.id);
      // Rows are gone first, so a crash here leaves only unreachable blobs, never rows pointing at missing blobs.
      await deps.blobs.deletePrefix(`projects/${project.id}`);
      for (const run of runs) await deps.blobs.deletePrefix(`runs/${run.id}`);
      return reply.code(204).send(null);
    },
  );
};

export default routes;
