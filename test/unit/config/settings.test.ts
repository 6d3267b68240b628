import { constants } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../../src/config/settings.ts';

describe('loadSettings', () => {
  it('reads defaults from an empty environment', () => {
    const settings = loadSettings({});
    expect(settings.port).toBe(8080);
    expect(settings.maxExtractedChars).toBe(200_000_000);
    expect(settings.workerThread).toBe(true);
  });

  it('names the variable and what was expected when a value is bad', () => {
    expect(() => loadSettings({ PORT: 'eighty' })).toThrow(/invalid environment:\n {2}PORT: /);
    expect(() => loadSettings({ WORKER_THREAD: 'maybe' })).toThrow(/WORKER_THREAD: /);
  });

  it('refuses an extraction limit longer than the runtime can hold as one string', () => {
    // A run's chunking reads a document whole: past V8's longest string it would fail mid-run instead of at start.
    const longest = constants.MAX_STRING_LENGTH;
    expect(loadSettings({ MAX_EXTRACTED_CHARS: String(longest) }).maxExtractedChars).toBe(longest);
    expect(() => loadSettings({ MAX_EXTRACTED_CHARS: String(longest + 1) })).toThrow(
      `MAX_EXTRACTED_CHARS: at most ${longest} (the longest string this runtime can hold)`,
    );
    expect(() => loadSettings({ MAX_EXTRACTED_CHARS: '1e400' })).toThrow(/MAX_EXTRACTED_CHARS: /);
  });
});
