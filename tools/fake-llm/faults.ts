/**
 * The fake LLM's options and its reproducible choices: faults and latency are drawn from a hash of (seed, request
 * body, how often that body was seen), so a run behaves the same whatever the arrival order of its requests.
 */
import { createHash } from 'node:crypto';

/** Scripted outcomes; 400 and 401 exist for scripts only (a request rejected as such, a bad key). */
export type FakeFault = 'ok' | '400' | '401' | '429' | '500' | 'hang' | 'stall' | 'malformed' | 'think';

export interface FakeLlmOptions {
  port?: number;
  host?: string;
  /** Fixed, or uniform in [min, max] (deterministic per request). */
  latencyMs?: number | { min: number; max: number };
  seed?: string | number;
  rateLimitRate?: number;
  /** Sent with every 429 (seconds). */
  retryAfterSeconds?: number;
  serverErrorRate?: number;
  /** Requests that never answer (until the client gives up). */
  hangRate?: number;
  /** Streamed answers that send their first chunk and then nothing more (until the client gives up). */
  stallRate?: number;
  /** Answers without the tags the prompt asks for. */
  malformedRate?: number;
  /** Answers that start with a `<think>` block. */
  thinkRate?: number;
  /** Requests whose body contains this string always get a malformed answer (a passage no retry can fix). */
  malformedMarker?: string;
  /** Requests whose body contains this string are refused (401): their items fail every attempt. */
  refuseMarker?: string;
  /** Fixed answers: a request whose x-prompt-id equals `promptId` gets `answer` (e.g. a filter saying UNSUITABLE). */
  answers?: Array<{ promptId: string; answer: string }>;
  /** Forced outcomes for the next requests, in arrival order, before the rates apply. */
  script?: FakeFault[];
  /** The completion-mode answer for prompts that are not a chat transcript. */
  continuation?: string;
  /** Every completion request answers 429 `insufficient_quota`, as a provider whose credit ran out. */
  quotaExhausted?: boolean;
  /** Strings to look for in request bodies: `counters().watched[s]` counts the requests that contained each. */
  watch?: string[];
}

/** Three uniform draws per request: fault, latency, response id. */
export class Draws {
  private readonly seen = new Map<string, number>();

  next(seed: string | number, body: string): number[] {
    const bodyHash = createHash('sha256').update(body).digest('hex');
    const n = this.seen.get(bodyHash) ?? 0;
    this.seen.set(bodyHash, n + 1);
    const digest = createHash('sha256').update(`${seed}\u0000${bodyHash}\u0000${n}`).digest();
    return [0, 4, 8].map((offset) => digest.readUInt32LE(offset) / 2 ** 32);
  }

  clear(): void {
    this.seen.clear();
  }
}

export function pickFault(options: FakeLlmOptions, r: number): FakeFault {
  const table: Array<[FakeFault, number | undefined]> = [
    ['429', options.rateLimitRate],
    ['500', options.serverErrorRate],
    ['hang', options.hangRate],
    ['stall', options.stallRate],
    ['malformed', options.malformedRate],
    ['think', options.thinkRate],
  ];
  let edge = 0;
  for (const [fault, rate] of table) {
    edge += rate ?? 0;
    if (r < edge) return fault;
  }
  return 'ok';
}

export function latencyFor(options: FakeLlmOptions, r: number): number {
  const latency = options.latencyMs ?? 0;
  return typeof latency === 'number' ? latency : latency.min + r * (latency.max - latency.min);
}
