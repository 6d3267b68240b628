import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { SecretBox, SecretKeyMissingError } from '../../../src/lib/secret-box.ts';

const oldKey = randomBytes(32);
const newKey = randomBytes(32);

it('seals with a fresh nonce and opens what it sealed', () => {
  const box = new SecretBox([newKey]);
  const a = box.seal('sk-123');
  const b = box.seal('sk-123');
  expect(a).not.toBe(b);
  expect(a).not.toContain('sk-123');
  expect(box.open(a)).toBe('sk-123');
  expect(box.openAll(box.sealAll({ 'x.api_key': 'é∂ unicode' }))).toEqual({ 'x.api_key': 'é∂ unicode' });
});

it('rotates: secrets sealed with a retired key still open, new ones use the current key', () => {
  const sealedBefore = new SecretBox([oldKey]).seal('before');
  const rotated = new SecretBox([newKey, oldKey]);
  expect(rotated.open(sealedBefore)).toBe('before');
  expect(rotated.seal('after')).toContain(`:${rotated.currentKeyId}:`);
});

it('says which key is missing, and refuses a tampered value', () => {
  const sealed = new SecretBox([oldKey]).seal('x');
  expect(() => new SecretBox([newKey]).open(sealed)).toThrow(SecretKeyMissingError);
  const box = new SecretBox([oldKey]);
  const tampered = `${sealed.slice(0, -2)}${sealed.endsWith('A') ? 'B' : 'A'}A`;
  expect(() => box.open(tampered)).toThrow();
});

it('reads values stored before encryption as they are', () => {
  expect(new SecretBox([newKey]).open('sk-plain')).toBe('sk-plain');
});

it('refuses keys that are not 32 bytes', () => {
  expect(() => new SecretBox([randomBytes(16)])).toThrow(/32 bytes/);
});
