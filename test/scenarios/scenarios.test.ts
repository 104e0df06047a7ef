import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { readDefinitions, readDocument } from '../../src/cli/definition-files.ts';
import { runScenario, unmetExpectations } from '../../src/simulation/run-scenario.ts';
import type { Scenario } from '../../src/simulation/scenario.ts';

const here = dirname(fileURLToPath(import.meta.url));
const files = readdirSync(here)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();

/** Every scenario under test/scenarios/ runs through the whole engine and meets its own `expect:`. */
test.each(files)('%s meets its expectations', async (file) => {
  const scenario = readDocument(join(here, file)) as Scenario;
  const definitions =
    typeof scenario.definitions === 'string'
      ? readDefinitions(resolve(here, scenario.definitions))
      : scenario.definitions;
  const lines = await runScenario(scenario, definitions);
  expect(scenario.expect?.length ?? 0).toBeGreaterThan(0);
  expect(unmetExpectations(lines, scenario.expect ?? [])).toEqual([]);
});
