/**
 * Prompt-set files from an upload: a `.tar`, `.tar.gz`, `.tgz` or `.zip` of a prompts folder (paths
 * `<group>/<name>.yaml`, optionally under one top folder such as `my-prompts/`), read in memory with hard caps — an
 * uploaded set is a few dozen small YAML files, so anything larger is refused rather than unpacked. Zip entries are
 * inflated by fflate into buffers of their declared size, so an entry that lies about its size cannot grow past it.
 */
import { gunzipSync } from 'node:zlib';
import { unzipSync } from 'fflate';
import tar from 'tar-stream';

/** Largest archive, compressed and unpacked, and most entries read. */
export const MAX_ARCHIVE_BYTES = 5 * 1024 * 1024;
export const MAX_UNPACKED_BYTES = 20 * 1024 * 1024;
export const MAX_ENTRIES = 500;

/** Prompt id → YAML text for every `.yaml` file of the archive; problems instead of throwing. */
export async function readPromptArchive(
  bytes: Buffer,
  gzipped: boolean,
): Promise<{ files: Record<string, string> } | { error: string }> {
  let raw: Buffer;
  try {
    raw = gzipped ? gunzipSync(bytes, { maxOutputLength: MAX_UNPACKED_BYTES }) : bytes;
  } catch (error) {
    return { error: `the archive does not unpack (${error instanceof Error ? error.message : String(error)})` };
  }
  const entries: Array<{ path: string; text: string }> = [];
  const extract = tar.extract();
  const done = new Promise<string | undefined>((resolve) => {
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        if (header.type === 'file' && header.name.endsWith('.yaml')) {
          entries.push({ path: header.name, text: Buffer.concat(chunks).toString('utf8') });
        }
        if (entries.length > MAX_ENTRIES) {
          extract.destroy();
          resolve(`the archive holds more than ${MAX_ENTRIES} YAML files`);
          return;
        }
        next();
      });
      stream.resume();
    });
    extract.on('finish', () => resolve(undefined));
    extract.on('error', (error) => resolve(`not a readable tar archive (${error.message})`));
  });
  extract.end(raw);
  const problem = await done;
  if (problem) return { error: problem };
  return { files: byPromptId(entries) };
}

export function readPromptZip(bytes: Buffer): { files: Record<string, string> } | { error: string } {
  let declared = 0;
  let count = 0;
  let refused: string | undefined;
  let unzipped: Record<string, Uint8Array>;
  try {
    unzipped = unzipSync(new Uint8Array(bytes), {
      filter: (file) => {
        if (!file.name.endsWith('.yaml')) return false;
        declared += file.originalSize;
        count++;
        if (count > MAX_ENTRIES) refused = `the archive holds more than ${MAX_ENTRIES} YAML files`;
        else if (declared > MAX_UNPACKED_BYTES)
          refused = `the archive unpacks to more than ${MAX_UNPACKED_BYTES} bytes`;
        return refused === undefined;
      },
    });
  } catch (error) {
    return { error: `not a readable zip archive (${error instanceof Error ? error.message : String(error)})` };
  }
  if (refused) return { error: refused };
  return {
    files: byPromptId(
      Object.entries(unzipped).map(([path, data]) => ({ path, text: Buffer.from(data).toString('utf8') })),
    ),
  };
}

/** Prompt id → text, the archive's single top folder (if every file is under one) taken off. */
function byPromptId(entries: ReadonlyArray<{ path: string; text: string }>): Record<string, string> {
  const paths = entries.map((e) => e.path.replace(/^\.\//, ''));
  // One folder holding everything (`my-prompts/…`) is the folder itself, not a prompt group.
  const tops = new Set(paths.map((p) => p.split('/')[0]));
  const [top] = tops;
  const strip = tops.size === 1 && paths.every((p) => p.split('/').length >= 3) ? `${top}/` : '';
  const files: Record<string, string> = {};
  entries.forEach((entry, i) => {
    const id = (paths[i] as string).slice(strip.length).replace(/\.yaml$/, '');
    files[id] = entry.text;
  });
  return files;
}
