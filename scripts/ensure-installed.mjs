// Runs before `npm start` / `npm test` on whatever Node the system has (it may be older than 24):
// installs the dependencies, including the Node 24 runtime from the `node` package, when they are
// missing or older than package-lock.json. Plain JavaScript on purpose: nothing is installed yet.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lock = join(root, 'package-lock.json');
const stamp = join(root, 'node_modules', '.tidings-installed');
const runtime = join(root, 'node_modules', 'node', 'bin', 'node');

const wanted = createHash('sha256').update(readFileSync(lock)).digest('hex');
const have = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : '';
if (have === wanted && existsSync(runtime)) process.exit(0);

console.error('tidings: installing dependencies (npm ci)…');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) {
  console.error('tidings: `npm ci` failed; see the output above.');
  process.exit(result.status ?? 1);
}
writeFileSync(stamp, `${wanted}\n`);
