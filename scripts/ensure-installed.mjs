// Runs before `npm start` / `npm test` on whatever Node the system has (it may be older than 24):
// installs the dependencies, including the Node 24 runtime from the `node` package, when they are
// missing or older than package-lock.json. Plain JavaScript on purpose: nothing is installed yet.
// `npm ci` runs as a child that gets the signals sent to us: stopping `npm start` during the
// install stops the install too, and we end the way it ended.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitLike, runForwardingSignals, stopWhenNpmShellEnds } from './forward-signals.mjs';

stopWhenNpmShellEnds();

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lock = join(root, 'package-lock.json');
const stamp = join(root, 'node_modules', '.tidings-installed');
const runtime = join(root, 'node_modules', 'node', 'bin', 'node');

const wanted = createHash('sha256').update(readFileSync(lock)).digest('hex');
const have = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : '';
if (have === wanted && existsSync(runtime)) process.exit(0);

console.error('tidings: installing dependencies (npm ci)…');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const result = await runForwardingSignals(npm, ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: root });
if (result.error) {
  console.error(`tidings: could not run npm: ${result.error.message}`);
  process.exit(1);
}
if (result.signal) exitLike(result);
else if (result.code !== 0) {
  console.error('tidings: `npm ci` failed; see the output above.');
  process.exit(result.code ?? 1);
} else writeFileSync(stamp, `${wanted}\n`);
