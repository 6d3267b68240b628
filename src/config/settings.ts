import { constants } from 'node:buffer';
import { z } from 'zod';

const { MAX_STRING_LENGTH } = constants;

/**
 * Service settings, read once from the environment at start-up. Everything else receives the typed object.
 * Unknown variables are ignored; a bad value stops the process with the variable's name.
 */
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const envSchema = z.object({
  HOST: z.string().optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  DATABASE_URL: z.string().url().optional(),
  DATA_DIR: z.string().default('./data'),
  ROLE: z.enum(['all', 'api', 'worker']).default('all'),
  /**
   * With ROLE=all, run the job worker on a thread of its own, so a run's JavaScript (parsing answers, rendering
   * prompts, planning) never holds an HTTP request back. Off: everything on one thread.
   */
  WORKER_THREAD: bool.default(true),
  /** A worker-only process serves /metrics on this port (API processes serve it on PORT). */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Largest accepted upload, per file. */
  MAX_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(512 * 1024 * 1024),
  /** Files per multipart request. */
  MAX_FILES_PER_UPLOAD: z.coerce.number().int().positive().default(100),
  /**
   * Extracted text larger than this (characters) fails the file instead of exhausting memory (zip bombs). At most
   * V8's longest string: a run's chunking reads one document whole, and a longer one could not be held.
   */
  MAX_EXTRACTED_CHARS: z.coerce
    .number()
    .int()
    .positive()
    .max(MAX_STRING_LENGTH, `at most ${MAX_STRING_LENGTH} (the longest string this runtime can hold)`)
    .default(200_000_000),
  /**
   * Estimates simulate every call of a run in memory: past this much extracted text in the sources (characters) a
   * project is not estimated (POST …/estimates answers 422; a run goes without its estimate), rather than a worker
   * running out of memory (a 20,000-chunk source went past 4 GB).
   */
  ESTIMATE_MAX_TEXT_CHARS: z.coerce.number().int().positive().default(5_000_000),
  /**
   * Item jobs a worker process runs at once. Items wait on the run's LLM limiter and spend part of their time between
   * calls, so this is set well above a typical concurrency_limit: 64 items kept a limit of 64 only 2/3 busy (bench).
   */
  WORKER_CONCURRENCY: z.coerce.number().int().positive().default(1024),
  /** Seconds without a heartbeat after which a job of a dead worker is retried elsewhere (pg-boss minimum 10). */
  JOB_HEARTBEAT_SECONDS: z.coerce.number().int().min(10).default(30),
  /** Attempts per job before it is dead-lettered. */
  JOB_RETRY_LIMIT: z.coerce.number().int().min(0).default(3),
  /** An LLM answer that has not begun streaming within this long is abandoned and retried (a hung call). */
  LLM_FIRST_TOKEN_TIMEOUT_MS: z.coerce.number().int().positive().default(60_000),
  /** An LLM answer that stops streaming for this long is abandoned and retried. */
  LLM_STREAM_IDLE_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  /** The Hugging Face Hub for generic SFT datasets (the hub libraries' own variable); a mirror or a local fake. */
  HF_ENDPOINT: z.string().url().optional(),
  /** Older name of HF_ENDPOINT, still read. */
  HUGGINGFACE_HUB_URL: z.string().url().optional(),
  /** Token for private or gated datasets when a config names none (`model_auto_train.huggingface_token`). */
  HF_TOKEN: z.string().regex(/^hf_/, 'a Hugging Face access token starts with hf_').optional(),
  /** On stop, requests still in flight after this long (an event stream, a slow download) are cut. */
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  PRETTY_LOGS: bool.optional(),
  /**
   * Serve requests without an API key on a non-loopback address while no key exists. Off by default: without keys
   * the server binds 127.0.0.1, and a server on another address refuses keyless requests even after its last key
   * is revoked.
   */
  ALLOW_UNAUTHENTICATED: bool.default(false),
  /** /metrics, /docs and /openapi.json without a key; unset = only when the server is bound to loopback. */
  PUBLIC_OPS_ENDPOINTS: bool.optional(),
  /** Encrypts API keys inside configs (base64 of 32 bytes); unset = DATA_DIR/secrets.key, created on first start. */
  SECRETS_KEY: z.string().optional(),
  /** Retired secrets keys, comma-separated, still used to read secrets sealed before a rotation. */
  SECRETS_KEY_PREVIOUS: z.string().optional(),
});

export type Settings = {
  host: string | undefined;
  port: number;
  databaseUrl: string | undefined;
  dataDir: string;
  role: 'all' | 'api' | 'worker';
  workerThread: boolean;
  metricsPort: number | undefined;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  maxUploadBytes: number;
  maxFilesPerUpload: number;
  maxExtractedChars: number;
  estimateMaxTextChars: number;
  workerConcurrency: number;
  jobHeartbeatSeconds: number;
  jobRetryLimit: number;
  llmFirstTokenTimeoutMs: number;
  llmStreamIdleTimeoutMs: number;
  huggingfaceHubUrl: string;
  huggingfaceToken: string | undefined;
  shutdownGraceMs: number;
  allowUnauthenticated: boolean;
  publicOpsEndpoints: boolean | undefined;
  secretsKey: string | undefined;
  secretsKeyPrevious: string[];
};

export function loadSettings(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Settings> = {}): Settings {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid environment:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    host: e.HOST,
    port: e.PORT,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    role: e.ROLE,
    workerThread: e.WORKER_THREAD,
    metricsPort: e.METRICS_PORT,
    logLevel: e.LOG_LEVEL,
    maxUploadBytes: e.MAX_UPLOAD_BYTES,
    maxFilesPerUpload: e.MAX_FILES_PER_UPLOAD,
    maxExtractedChars: e.MAX_EXTRACTED_CHARS,
    estimateMaxTextChars: e.ESTIMATE_MAX_TEXT_CHARS,
    workerConcurrency: e.WORKER_CONCURRENCY,
    jobHeartbeatSeconds: e.JOB_HEARTBEAT_SECONDS,
    jobRetryLimit: e.JOB_RETRY_LIMIT,
    llmFirstTokenTimeoutMs: e.LLM_FIRST_TOKEN_TIMEOUT_MS,
    llmStreamIdleTimeoutMs: e.LLM_STREAM_IDLE_TIMEOUT_MS,
    huggingfaceHubUrl: e.HF_ENDPOINT ?? e.HUGGINGFACE_HUB_URL ?? 'https://huggingface.co',
    huggingfaceToken: e.HF_TOKEN,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    allowUnauthenticated: e.ALLOW_UNAUTHENTICATED,
    publicOpsEndpoints: e.PUBLIC_OPS_ENDPOINTS,
    secretsKey: e.SECRETS_KEY,
    secretsKeyPrevious: (e.SECRETS_KEY_PREVIOUS ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean),
    ...overrides,
  };
}
