import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, expect, test } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'tidings-wal-exit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const STORE = pathToFileURL(join(import.meta.dirname, '../../src/store/sqlite/sqlite-store.ts')).href;

// With nothing else keeping the event loop alive (a server after app.close()), the process
// used to exit while close() waited for the unreferenced checkpointer thread, so whatever came
// after close() (shutdown's last log line, its exit status) never ran.
test('close() of a store with background checkpoints settles in a process with nothing else to do', () => {
  const script = `
    const { SqliteStore } = await import(${JSON.stringify(STORE)});
    const store = new SqliteStore(${JSON.stringify(join(dir, 'exit.db'))}, { backgroundCheckpoints: true });
    await store.migrate();
    store.close().then(() => console.log('closed'));
  `;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 10_000 });
  expect({ status: run.status, stdout: run.stdout.trim(), stderr: run.stderr }).toEqual({
    status: 0,
    stdout: 'closed',
    stderr: '',
  });
});
