/**
 * YAML for Axolotl, which reads configs with PyYAML (YAML 1.1). Keys keep their insertion order. Two differences
 * from YAML 1.2 matter and are handled here:
 * - 1.1 reads yes/no/on/off (any case) as booleans: emitting with the 1.1 schema quotes such strings.
 * - 1.1 reads a float only with a dot and a signed exponent: `1e-7` would be the string "1e-7", so such numbers are
 *   written as `1.0e-7` (still a float to every YAML reader).
 */
import { stringify, type Tags } from 'yaml';

const pythonFloat = {
  // Integers from 1e21 up print in exponent form too.
  identify: (value: unknown) =>
    typeof value === 'number' && Number.isFinite(value) && (!Number.isInteger(value) || String(value).includes('e')),
  default: true,
  tag: 'tag:yaml.org,2002:float',
  // A `test` makes the library prefer this tag over its own float tags when stringifying.
  test: /^[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?$/,
  resolve: (source: string) => Number.parseFloat(source),
  stringify: ({ value }: { value: unknown }) => {
    const text = String(value);
    const [mantissa = text, exponent] = text.split('e');
    if (exponent === undefined) return text;
    const sign = exponent.startsWith('-') || exponent.startsWith('+') ? '' : '+';
    return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}e${sign}${exponent}`;
  },
};

export function toYaml(value: unknown): string {
  return stringify(value, {
    version: '1.1',
    customTags: (tags: Tags) => [pythonFloat, ...tags],
    lineWidth: 0,
  });
}
