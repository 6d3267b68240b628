/**
 * A local OpenAI-compatible server for tests, benchmarks and offline demos: POST /v1/chat/completions and
 * /v1/completions, GET /v1/models, with `usage`. It injects latency, 429 (with Retry-After), 500, hangs and malformed
 * answers at given rates, decided by a hash of (seed, request body, how often that body was seen) so a run is
 * reproducible whatever the arrival order. Control endpoints under /_fake/ let another process read the counters.
 * Plain node:http and little work per request: it serves 64 concurrent requests at 300 ms latency on a sliver of CPU.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { applyLimits, type ChatTurn, chatAnswer, completionAnswer, fakeEmbedding, tokensOf } from './answer.ts';
import { Draws, type FakeLlmOptions, latencyFor, pickFault } from './faults.ts';

export type { FakeFault, FakeLlmOptions } from './faults.ts';

export interface FakeCounters {
  requests: number;
  byPromptId: Record<string, number>;
  byStatus: Record<string, number>;
  inFlight: number;
  maxInFlight: number;
  /** When the first completion request arrived and the last one ended (epoch ms; 0 before any). */
  firstRequestAt: number;
  lastDoneAt: number;
  /** The time completion requests spent in flight, summed over requests (ms): the slots a schedule kept busy. */
  busyMs: number;
  /** How often each distinct request body (by sha256) was answered with 200: a value above 1 is a repeated call. */
  answeredBodies: Record<string, number>;
  /** Requests whose body contained each watched string (option `watch`), as the service sent them. */
  watched: Record<string, number>;
  /** Completion requests by the API key they were sent with ('' without one). */
  byApiKey: Record<string, number>;
  /** The prompt id (x-prompt-id header) of each answered body, to tell what a repeated body was. */
  promptIdOfBody: Record<string, string>;
}

export interface FakeLlm {
  /** Base URL ending in /v1. */
  url: string;
  counters(): Promise<FakeCounters>;
  reset(): Promise<void>;
  setOptions(options: Partial<FakeLlmOptions>): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeLlm(initial: FakeLlmOptions = {}): Promise<FakeLlm> {
  let options: FakeLlmOptions = { ...initial, script: [...(initial.script ?? [])] };
  let counters = emptyCounters();
  const draws = new Draws();
  const hanging = new Set<ServerResponse>();

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => send(res, 500, { error: { message: String(error), type: 'server_error' } }));
  });
  server.keepAliveTimeout = 60_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const body = await readBody(req);
    if (url.startsWith('/_fake/')) return control(url, req.method ?? 'GET', body, res);
    // The body is JSON, so a watched string is looked for as JSON writes it (quotes and newlines escaped).
    for (const watched of options.watch ?? []) {
      if (body.includes(JSON.stringify(watched).slice(1, -1))) {
        counters.watched[watched] = (counters.watched[watched] ?? 0) + 1;
      }
    }
    if (req.method === 'GET' && url === '/v1/models') {
      return send(res, 200, {
        object: 'list',
        data: [{ id: 'fake-model', object: 'model', created: 0, owned_by: 'fake' }],
      });
    }
    if (req.method === 'POST' && url === '/v1/embeddings') {
      counters.requests++;
      counters.byPromptId.embeddings = (counters.byPromptId.embeddings ?? 0) + 1;
      const request = JSON.parse(body || '{}') as { input?: string | string[]; model?: string };
      const inputs = typeof request.input === 'string' ? [request.input] : (request.input ?? []);
      // Scripted transport faults apply here too, so the embeddings client's retries can be tested.
      const scripted = options.script?.[0];
      if (scripted === '429' || scripted === '500') {
        options.script?.shift();
        count(scripted);
        if (scripted === '429') res.setHeader('retry-after', String(options.retryAfterSeconds ?? 1));
        return send(res, Number(scripted), { error: { message: `scripted ${scripted} (fake)` } });
      }
      count('200');
      return send(res, 200, {
        object: 'list',
        model: request.model ?? 'fake-embeddings',
        data: inputs.map((text, index) => ({ object: 'embedding', index, embedding: fakeEmbedding(text) })),
        usage: { prompt_tokens: tokensOf(inputs.join(' ')), total_tokens: tokensOf(inputs.join(' ')) },
      });
    }
    const chat = url === '/v1/chat/completions';
    if (req.method !== 'POST' || (!chat && url !== '/v1/completions'))
      return send(res, 404, { error: { message: 'not found' } });
    counters.requests++;
    const promptId = String(req.headers['x-prompt-id'] ?? 'unknown');
    counters.byPromptId[promptId] = (counters.byPromptId[promptId] ?? 0) + 1;
    const key = String(req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
    counters.byApiKey[key] = (counters.byApiKey[key] ?? 0) + 1;
    counters.inFlight++;
    counters.maxInFlight = Math.max(counters.maxInFlight, counters.inFlight);
    const arrived = Date.now();
    if (counters.firstRequestAt === 0) counters.firstRequestAt = arrived;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      counters.inFlight--;
      counters.lastDoneAt = Date.now();
      counters.busyMs += counters.lastDoneAt - arrived;
    };
    res.on('close', finish);
    const reply = (status: number, payload: unknown) => {
      count(String(status));
      send(res, status, payload);
    };

    const draw = draws.next(options.seed ?? 0, body);
    const poisoned = options.malformedMarker !== undefined && body.includes(options.malformedMarker);
    const refused = options.refuseMarker !== undefined && body.includes(options.refuseMarker);
    const fault = poisoned
      ? 'malformed'
      : refused
        ? '401'
        : (options.script?.shift() ?? pickFault(options, draw[0] ?? 0));
    if (fault === 'hang') {
      count('hang');
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    await delay(latencyFor(options, draw[1] ?? 0), res);
    if (res.destroyed || res.socket?.destroyed) return count('aborted');
    if (options.quotaExhausted) {
      return reply(429, {
        error: {
          message: 'You exceeded your current quota, please check your plan and billing details. (fake)',
          type: 'insufficient_quota',
          code: 'insufficient_quota',
        },
      });
    }
    if (fault === '429') {
      res.setHeader('retry-after', String(options.retryAfterSeconds ?? 1));
      return reply(429, { error: { message: 'rate limited (fake)', type: 'rate_limit_error' } });
    }
    if (fault === '400')
      return reply(400, { error: { message: 'context length exceeded (fake)', type: 'invalid_request_error' } });
    if (fault === '401')
      return reply(401, { error: { message: 'invalid api key (fake)', type: 'invalid_request_error' } });
    if (fault === '500') return reply(500, { error: { message: 'internal error (fake)', type: 'server_error' } });
    const request = JSON.parse(body || '{}') as FakeRequest;
    const malformed = fault === 'malformed';
    let text = chat
      ? chatAnswer(request.messages ?? [], malformed)
      : completionAnswer(String(request.prompt ?? ''), options.continuation ?? DEFAULT_CONTINUATION, malformed);
    const fixed = options.answers?.find((a) => a.promptId === promptId);
    if (fixed && !malformed) text = fixed.answer;
    if (fault === 'think') text = `<think>\nLet me think about what the passage says.\n</think>\n${text}`;
    const stop = typeof request.stop === 'string' ? [request.stop] : (request.stop ?? []);
    const limited = applyLimits(text, stop, request.max_tokens);
    const promptTokens = chat
      ? tokensOf((request.messages ?? []).map((m) => m.content).join('\n'))
      : tokensOf(String(request.prompt ?? ''));
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: tokensOf(limited.text),
      total_tokens: promptTokens + tokensOf(limited.text),
    };
    const base = {
      id: `fake-${Math.floor((draw[2] ?? 0) * 2 ** 32).toString(16)}`,
      created: 0,
      model: request.model ?? 'fake-model',
      usage,
    };
    const choice = { index: 0, finish_reason: limited.finishReason, logprobs: null };
    const bodyHash = createHash('sha256').update(body).digest('hex');
    if (fault === 'stall') {
      // The answer begins, then nothing more comes: only a client watching the stream notices.
      count('stall');
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify(streamChunk(chat, base, '', null))}\n\n`);
      return;
    }
    counters.answeredBodies[bodyHash] = (counters.answeredBodies[bodyHash] ?? 0) + 1;
    counters.promptIdOfBody[bodyHash] = promptId;
    if (request.stream) {
      count('200');
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for (const part of pieces(limited.text, 4))
        res.write(`data: ${JSON.stringify(streamChunk(chat, base, part, null))}\n\n`);
      res.write(`data: ${JSON.stringify(streamChunk(chat, base, '', limited.finishReason))}\n\n`);
      if (request.stream_options?.include_usage) {
        res.write(`data: ${JSON.stringify({ ...base, object: chunkObject(chat), choices: [], usage })}\n\n`);
      }
      res.end('data: [DONE]\n\n');
      return;
    }
    reply(
      200,
      chat
        ? {
            ...base,
            object: 'chat.completion',
            choices: [{ ...choice, message: { role: 'assistant', content: limited.text } }],
          }
        : { ...base, object: 'text_completion', choices: [{ ...choice, text: limited.text }] },
    );
  }

  function send(res: ServerResponse, status: number, payload: unknown): void {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(payload));
  }

  function count(status: string): void {
    counters.byStatus[status] = (counters.byStatus[status] ?? 0) + 1;
  }

  function control(url: string, method: string, body: string, res: ServerResponse): void {
    if (url === '/_fake/counters') {
      send(res, 200, counters);
    } else if (url === '/_fake/reset' && method === 'POST') {
      reset();
      send(res, 200, { ok: true });
    } else if (url === '/_fake/options' && method === 'POST') {
      setOptions(JSON.parse(body || '{}') as Partial<FakeLlmOptions>);
      send(res, 200, { ok: true });
    } else {
      send(res, 404, { error: { message: 'unknown control endpoint' } });
    }
  }

  function reset(): void {
    counters = { ...emptyCounters(), inFlight: counters.inFlight, maxInFlight: counters.inFlight };
    draws.clear();
  }

  function setOptions(patch: Partial<FakeLlmOptions>): void {
    options = { ...options, ...patch, script: [...(patch.script ?? options.script ?? [])] };
  }

  await new Promise<void>((resolve) => server.listen(initial.port ?? 0, initial.host ?? '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://${initial.host ?? '127.0.0.1'}:${address.port}/v1`,
    counters: async () => structuredClone(counters),
    reset: async () => reset(),
    setOptions: async (patch) => setOptions(patch),
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface FakeRequest {
  model?: string;
  messages?: ChatTurn[];
  prompt?: unknown;
  stop?: string | string[] | null;
  max_tokens?: number;
  stream?: boolean;
  stream_options?: { include_usage?: boolean } | null;
}

const chunkObject = (chat: boolean) => (chat ? 'chat.completion.chunk' : 'text_completion');

/** One server-sent chunk of a streamed answer (no usage: that comes in its own last chunk when asked for). */
function streamChunk(
  chat: boolean,
  base: { id: string; created: number; model: string },
  text: string,
  finish: string | null,
) {
  const { id, created, model } = base;
  return chat
    ? {
        id,
        created,
        model,
        object: chunkObject(chat),
        choices: [{ index: 0, delta: { content: text }, finish_reason: finish }],
      }
    : { id, created, model, object: chunkObject(chat), choices: [{ index: 0, text, finish_reason: finish }] };
}

/** `text` in `n` pieces of about equal length (fewer when it is short). */
function pieces(text: string, n: number): string[] {
  const size = Math.max(1, Math.ceil(text.length / n));
  const out: string[] = [];
  for (let at = 0; at < text.length; at += size) out.push(text.slice(at, at + size));
  return out;
}

const DEFAULT_CONTINUATION = ' This is a deterministic continuation from the fake LLM.';

function emptyCounters(): FakeCounters {
  return {
    requests: 0,
    byPromptId: {},
    byStatus: {},
    inFlight: 0,
    maxInFlight: 0,
    firstRequestAt: 0,
    lastDoneAt: 0,
    busyMs: 0,
    answeredBodies: {},
    watched: {},
    promptIdOfBody: {},
    byApiKey: {},
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Waits `ms`, or less when the client goes away (its timeout or abort). */
function delay(ms: number, res: ServerResponse): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      res.off('close', done);
      resolve();
    }
    res.on('close', done);
  });
}
