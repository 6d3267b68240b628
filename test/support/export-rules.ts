/**
 * The published rules of the formats the service exports, written from their documentation and independent of the
 * exporter, so a test checks the exporter against them rather than against itself.
 * - OpenAI chat fine-tuning (platform docs, "Preparing your dataset" and the cookbook's format checks): each line an
 *   object with a `messages` array; each message has `role` and `content` and only known keys; roles system, user,
 *   assistant; content a non-empty string; at least one assistant message; a file of at least 10 examples.
 * - LLaMA-Factory ShareGPT (data/README.md): after an optional leading system turn, human and gpt alternate from
 *   human, an even number of turns.
 * - Alpaca (LLaMA-Factory data/README.md): `instruction` and `output` non-empty strings, `input` a string, optional
 *   `system`.
 */
const OPENAI_MESSAGE_KEYS = new Set([
  'role',
  'content',
  'name',
  'weight',
  'function_call',
  'tool_calls',
  'tool_call_id',
]);

export function openAiChatProblems(line: unknown): string[] {
  const problems: string[] = [];
  const messages = (line as { messages?: unknown })?.messages;
  if (!Array.isArray(messages) || messages.length === 0) return ['missing messages list'];
  for (const [i, message] of messages.entries()) {
    const m = message as Record<string, unknown>;
    if (!('role' in m) || !('content' in m)) problems.push(`message ${i} missing role or content`);
    for (const key of Object.keys(m))
      if (!OPENAI_MESSAGE_KEYS.has(key)) problems.push(`message ${i} unknown key ${key}`);
    if (!['system', 'user', 'assistant'].includes(m.role as string)) problems.push(`message ${i} unrecognized role`);
    if (typeof m.content !== 'string' || m.content.trim() === '') problems.push(`message ${i} missing content`);
    if (m.role === 'system' && i !== 0) problems.push(`message ${i} system message not first`);
  }
  if (!messages.some((m) => (m as { role?: unknown }).role === 'assistant')) problems.push('no assistant message');
  return problems;
}

export function shareGptProblems(record: unknown): string[] {
  const turns = (record as { conversations?: Array<{ from?: unknown; value?: unknown }> })?.conversations;
  if (!Array.isArray(turns) || turns.length === 0) return ['missing conversations'];
  const start = turns[0]?.from === 'system' ? 1 : 0;
  const exchange = turns.slice(start);
  const problems: string[] = [];
  if (exchange.length === 0 || exchange.length % 2 !== 0) problems.push('not an even number of human/gpt turns');
  exchange.forEach((t, i) => {
    if (t.from !== (i % 2 === 0 ? 'human' : 'gpt')) problems.push(`turn ${i + start} out of order (${String(t.from)})`);
    if (typeof t.value !== 'string' || t.value.trim() === '') problems.push(`turn ${i + start} empty`);
  });
  return problems;
}

export function alpacaProblems(record: unknown): string[] {
  const r = record as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of ['instruction', 'output']) {
    if (typeof r[key] !== 'string' || (r[key] as string).trim() === '') problems.push(`${key} missing`);
  }
  if (typeof r.input !== 'string') problems.push('input missing');
  if ('system' in r && typeof r.system !== 'string') problems.push('system not a string');
  return problems;
}
