import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RunEventRow } from '../../db/queries/run-events.ts';
import { hasEventUpTo, listEvents } from '../../db/queries/run-events.ts';
import { getRun, getRunById } from '../../db/queries/runs.ts';
import { notFound, ServiceError } from '../../lib/errors.ts';
import type { AppDeps } from '../deps.ts';
import { IdParam, problemResponses } from '../schemas/common.ts';

const RunEvent = z
  .object({
    id: z.number().int().describe('Monotonic; use as `after` (or SSE Last-Event-ID) to resume'),
    type: z
      .string()
      .describe(
        'run.created, run.estimated (the estimate’s totals), run.estimate_skipped (the sources are too large to simulate: `reason`), run.started, run.progress (every few seconds while items settle: cost so far, projected calls and cost, eta_seconds, running stages), ' +
          'run.paused, run.resumed, run.retried (retry-failed: items reopened, stages replanned), stage.started, stage.planned, stage.finished, stage.failed, item.dropped, item.failed, webhook.delivered, webhook.failed, ' +
          'run.succeeded, run.succeeded_with_drops, run.failed, run.canceled (the run.* end events carry `outcome`)',
      ),
    stage: z.string().nullable(),
    data: z.record(z.string(), z.unknown()),
    created_at: z.string(),
  })
  .meta({ id: 'RunEvent' });

const toEvent = (e: RunEventRow): z.infer<typeof RunEvent> => ({
  id: e.id,
  type: e.type,
  stage: e.stage,
  data: e.data,
  created_at: e.createdAt.toISOString(),
});

const terminal = new Set(['succeeded', 'succeeded_with_drops', 'failed', 'canceled']);
/** Event ids are bigserial values; 15 digits stay exact as JS numbers and outlast any run. */
const EVENT_ID = /^\d{1,15}$/;

const routes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  // Open event streams end when the server closes, so a stop does not wait for clients that never hang up.
  const closing = new AbortController();
  app.addHook('preClose', async () => closing.abort());

  app.get(
    '/v1/runs/:id/events',
    {
      schema: {
        tags: ['runs'],
        summary: 'Events of a run: a JSON page, or a live stream with `Accept: text/event-stream`',
        description:
          'JSON: `?cursor=<next_cursor>` pages through events; `next_cursor` is null once the run has ended and every event was ' +
          'returned, and otherwise where to ask again (a running run has more to come). SSE: events as they happen (`id`, `event` = type, `data` = JSON); ' +
          'resumes after `Last-Event-ID`; the stream ends once the run has finished and every event was sent.',
        params: IdParam('Run', 'run'),
        querystring: z.object({
          cursor: z
            .string()
            .regex(EVENT_ID, 'an event id (digits, as `next_cursor` gives them)')
            .optional()
            .describe('Return events after this one: the `next_cursor` of the previous page'),
          after: z
            .string()
            .regex(EVENT_ID, 'an event id (digits, as `next_cursor` gives them)')
            .optional()
            .describe('Older name of `cursor`'),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
        response: {
          200: z.object({ items: z.array(RunEvent), next_cursor: z.string().nullable() }).meta({ id: 'RunEventPage' }),
          ...problemResponses,
        },
      },
    },
    async (request, reply) => {
      const run = await getRun(deps.db, request.tenantId, request.params.id);
      if (!run) throw notFound('run', request.params.id);
      const lastEventId = request.headers['last-event-id'];
      if (lastEventId !== undefined && !EVENT_ID.test(String(lastEventId))) {
        throw new ServiceError('validation', 'Last-Event-ID must be the id of an event this stream sent', {
          errors: [{ path: 'headers.last-event-id', message: 'an event id (up to 15 digits)' }],
        });
      }
      const given = request.query.cursor ?? request.query.after;
      const after = Number(given ?? lastEventId ?? 0);
      if (!(request.headers.accept ?? '').includes('text/event-stream')) {
        const items = await listEvents(deps.db, run.id, after, request.query.limit);
        const last = items[items.length - 1];
        const position = last ? String(last.id) : (given ?? '0');
        // The last page of an ended run (its end event returned) has no next one; otherwise the next events come
        // after `position`. The run is read again: it may have ended while the page was read.
        const current = await getRunById(deps.db, run.id);
        const ended =
          items.length < request.query.limit &&
          current !== undefined &&
          terminal.has(current.status) &&
          (await hasEventUpTo(deps.db, run.id, `run.${current.status}`, Number(position)));
        return { items: items.map(toEvent), next_cursor: ended ? null : position };
      }
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-request-id': request.id,
      });
      let cursor = after;
      let closed = false;
      const stop = () => {
        closed = true;
      };
      request.raw.on('close', stop);
      closing.signal.addEventListener('abort', stop, { once: true });
      let lastWrite = Date.now();
      while (!closed) {
        const batch = await listEvents(deps.db, run.id, cursor, 500);
        for (const event of batch) {
          res.write(`id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(toEvent(event))}\n\n`);
          cursor = event.id;
          lastWrite = Date.now();
        }
        if (batch.length === 500) continue;
        const current = await getRunById(deps.db, run.id);
        if (!current || terminal.has(current.status)) {
          // One more read so events written together with the final status are not missed.
          const rest = await listEvents(deps.db, run.id, cursor, 500);
          for (const event of rest)
            res.write(`id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(toEvent(event))}\n\n`);
          break;
        }
        if (Date.now() - lastWrite > 15_000) {
          res.write(': keep-alive\n\n');
          lastWrite = Date.now();
        }
        await sleep(500, undefined, { signal: closing.signal }).catch(() => {});
      }
      closing.signal.removeEventListener('abort', stop);
      res.end();
    },
  );
};

export default routes;
