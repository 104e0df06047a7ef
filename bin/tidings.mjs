#!/usr/bin/env node
// Entry point of the `tidings` command. Tidings runs on Node.js 24 (node:sqlite, type stripping);
// when started by an older system Node, re-run the same command on the runtime that the `node`
// dependency installed, as a child that gets the signals sent to us (a supervisor stopping the
// launcher stops the server) and whose exit status or signal becomes ours. Started by npm
// (`npm start`, `npx tidings`), the end of npm's shell stops us too (see forward-signals.mjs).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitLike, runForwardingSignals, stopWhenNpmShellEnds } from '../scripts/forward-signals.mjs';

stopWhenNpmShellEnds();
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  const runtime = join(root, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(runtime)) {
    console.error(`tidings needs Node.js 24; this is ${process.version}. Run \`npm install\` in ${root} first.`);
    process.exit(1);
  }
  const result = await runForwardingSignals(runtime, [fileURLToPath(import.meta.url), ...process.argv.slice(2)]);
  if (result.error) {
    console.error(`tidings: could not start ${runtime}: ${result.error.message}`);
    process.exit(1);
  }
  exitLike(result);
} else {
  const { main } = await import('../src/cli/main.ts');
  await main(process.argv);
}
