/**
 * The layering of src/, enforced in `npm test`: api → jobs → pipelines → llm / ingest; db, storage, hub, config,
 * lib below. Third-party packages stay in the one module that wraps them.
 */
const layer = (name, forbidden) => ({
  name: `${name}-layer`,
  severity: 'error',
  from: { path: `^src/${name}/` },
  to: { path: forbidden },
});

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    layer('api', '^src/(pipelines|llm|ingest/extract)/|node_modules/(pg-boss|openai)/'),
    layer('jobs', '^src/api/|node_modules/fastify'),
    layer('pipelines', '^src/(db|storage|jobs|api)/|node_modules/(fastify|pg-boss|pg|openai|nunjucks)/'),
    layer('llm', '^src/(pipelines/(?!step\\.ts)|jobs|api|ingest)/'),
    layer('ingest', '^src/(db|storage|llm|jobs|api|pipelines)/'),
    layer('hub', '^src/(db|storage|llm|jobs|api|pipelines|ingest)/'),
    layer('storage', '^src/(db|llm|jobs|api|pipelines|ingest)/'),
    layer('db', '^src/(storage|llm|jobs|api|pipelines|ingest)/'),
    layer('config', '^src/(db|storage|llm|jobs|api|pipelines|ingest)/'),
    layer('lib', '^src/(?!lib/)'),
    {
      name: 'pg-boss-only-in-queue',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/jobs/queue\\.ts$' },
      to: { path: 'node_modules/pg-boss/' },
    },
    {
      name: 'openai-only-in-client',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/llm/openai-client\\.ts$' },
      to: { path: 'node_modules/openai/' },
    },
    {
      name: 'database-drivers-only-in-db',
      comment: 'drizzle, node-postgres and PGlite stay behind the query modules of src/db',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/db/' },
      to: { path: 'node_modules/(drizzle-orm|pg|@electric-sql/pglite)/' },
    },
    {
      name: 'fastify-only-in-api',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/api/' },
      to: { path: 'node_modules/(fastify|@fastify/[^/]+|fastify-plugin|fastify-type-provider-zod)/' },
    },
    {
      name: 'template-engines-only-in-template-modules',
      comment: 'prompts render with nunjucks in the prompt library; chat templates with jinja in their own module',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/llm/prompts\\.ts$|^src/pipelines/[^/]+/chat-template\\.ts$' },
      to: { path: 'node_modules/(nunjucks|@huggingface/jinja)/' },
    },
    {
      name: 'hub-libraries-only-in-hub',
      comment: 'the Hugging Face Hub client and the Parquet reader stay behind src/hub',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/hub/' },
      to: { path: 'node_modules/(@huggingface/hub|hyparquet)/' },
    },
    {
      name: 'extractor-libraries-only-in-extractors',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/ingest/extract/' },
      to: { path: 'node_modules/(pdf-parse|mammoth)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
