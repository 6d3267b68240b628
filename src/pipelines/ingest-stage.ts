/**
 * `ingest`: text extraction of every file of the run. The job layer implements it (src/jobs/stages/ingest.ts: it needs
 * the database); every pipeline stage follows it and reads its documents.
 */
import type { StageSpec } from './stage-spec.ts';

export const ingestStage: StageSpec = { kind: 'ingest', needs: [], configPath: 'path' };
