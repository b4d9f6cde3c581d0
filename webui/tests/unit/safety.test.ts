// Everything a client reports is untrusted: the console must render it as text.
// This guards the rule mechanically: no {@html}, no innerHTML, no eval anywhere in src/.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

describe('source safety', () => {
  const src = files(join(__dirname, '../../src')).filter((f) => /\.(ts|svelte)$/.test(f));
  it('finds the sources', () => expect(src.length).toBeGreaterThan(10));
  for (const f of src) {
    it(f.replace(/.*\/src\//, 'src/'), () => {
      const text = readFileSync(f, 'utf8');
      expect(text).not.toMatch(/\{@html/);
      expect(text).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
      expect(text).not.toMatch(/\beval\(|new Function\(/);
    });
  }
});
