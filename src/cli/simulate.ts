import { dirname, resolve } from 'node:path';
import { Ajv } from 'ajv';
import * as ajvFormats from 'ajv-formats';
import { describeAjvErrors } from '../http/validation.ts';
import { ScenarioSchema, type Scenario } from '../simulation/scenario.ts';
import { runScenario, ScenarioError, unmetExpectations, type OutcomeLine } from '../simulation/run-scenario.ts';
import { CliError } from './cli-error.ts';
import { readDefinitions, readDocument } from './definition-files.ts';

const validateScenario = (() => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  (ajvFormats.default as unknown as (ajv: Ajv) => Ajv)(ajv);
  return ajv.compile(ScenarioSchema);
})();

/** `tidings simulate FILE`: JSON Lines (or a table) on stdout; exit status 1 when an expectation is unmet. */
export async function simulate(file: string, options: { format: 'jsonl' | 'table'; check: boolean }): Promise<number> {
  const document = readDocument(file);
  if (!validateScenario(document)) {
    const problems = describeAjvErrors(validateScenario.errors ?? []);
    throw new CliError(`${file}: not a valid scenario: ${problems.map((p) => `'${p.field}' ${p.message}`).join('; ')}`);
  }
  const scenario = document as Scenario;
  const definitions =
    typeof scenario.definitions === 'string'
      ? readDefinitions(resolve(dirname(file), scenario.definitions))
      : scenario.definitions;
  const lines = await runScenario(scenario, definitions).catch((error: unknown) => {
    throw error instanceof ScenarioError ? new CliError(`${file}: ${error.message}`) : error;
  });
  const unmet = unmetExpectations(lines, scenario.expect ?? []);
  if (options.check) {
    for (const expectation of unmet) console.log(JSON.stringify({ unmet: expectation }));
  } else if (options.format === 'table') {
    console.log(formatTable(lines));
    for (const expectation of unmet) console.log(`UNMET ${JSON.stringify(expectation)}`);
  } else {
    for (const line of lines) console.log(JSON.stringify(line));
    for (const expectation of unmet) console.error(`unmet expectation: ${JSON.stringify(expectation)}`);
  }
  return unmet.length > 0 ? 1 : 0;
}

function formatTable(lines: OutcomeLine[]): string {
  const rows = lines.map((l) => [
    l.at,
    l.user,
    l.campaign ?? '',
    l.outcome,
    l.reason ?? (typeof l.send_at === 'string' ? `send_at ${l.send_at}` : ''),
    typeof l.to === 'string' ? `${l.channel} → ${l.to}` : '',
  ]);
  const header = ['at', 'user', 'campaign', 'outcome', 'reason / send time', 'channel'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const format = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [format(header), format(widths.map((w) => '-'.repeat(w))), ...rows.map(format)].join('\n');
}
