/**
 * A stage writes each file and result as one string, and the runtime caps a string's length: past it, V8 says only
 * "Invalid string length". A run over a source that large must fail saying what to do about it. The stage here
 * throws what V8 throws (building a half-gigabyte string in a test would cost the machine more than it proves).
 */
import { constants } from 'node:buffer';
import { afterAll, describe, expect, it } from 'vitest';
import { configWithoutGenericData, createConfig, projectWithSources } from '../../support/projects.ts';
import { type RunDocument, runToEnd } from '../../support/runs.ts';
import { startTestService, type TestService } from '../../support/service.ts';
import { standInStage } from '../../support/stand-in-stage.ts';

const tooLong = standInStage({
  count: 2,
  async process() {},
  async finish() {
    throw new RangeError('Invalid string length');
  },
});

let t: TestService | undefined;
afterAll(async () => {
  await t?.stop();
});

describe('a stage whose file would exceed the longest string', () => {
  it('fails the run saying so, and what to do', async () => {
    t = await startTestService({ extraStages: [tooLong] });
    const service = t;
    const projectId = await projectWithSources(service, 'too-long', { docs: 'A short document.' }, {});
    const configId = await createConfig(service, projectId, configWithoutGenericData('long'));
    const { run: ended } = await runToEnd<RunDocument>(service.client, projectId, configId);
    expect(ended.status).toBe('failed');
    const stage = ended.stages.find((s) => s.name === 'test_items');
    expect(stage?.state).toBe('failed');
    expect(stage?.error).toContain(constants.MAX_STRING_LENGTH.toLocaleString('en'));
    expect(stage?.error).toContain('split the largest source');
    expect(ended.error).toContain('split the largest source');
  });
});
