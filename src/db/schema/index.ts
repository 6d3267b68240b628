export * from './chunks.ts';
export * from './configs.ts';
export * from './files.ts';
export * from './llm.ts';
export * from './projects.ts';
export * from './runs.ts';
export * from './sources.ts';
export * from './tenants.ts';
