import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { readDefinitions } from '../../src/cli/definition-files.ts';

let folder: string | undefined;
afterEach(() => {
  if (folder) rmSync(folder, { recursive: true, force: true });
});

test('a folder of definitions may hold canvases, concatenated in name order like every other key', () => {
  folder = mkdtempSync(join(tmpdir(), 'tidings-defs-'));
  mkdirSync(join(folder, 'journeys'));
  writeFileSync(join(folder, 'journeys', 'a.yaml'), 'canvases:\n  - id: first\n');
  writeFileSync(join(folder, 'journeys', 'b.json'), JSON.stringify({ canvases: [{ id: 'second' }] }));
  writeFileSync(join(folder, 'segments.yaml'), 'segments:\n  - id: vip\n');
  expect(readDefinitions(folder)).toEqual({
    canvases: [{ id: 'first' }, { id: 'second' }],
    segments: [{ id: 'vip' }],
  });
});
