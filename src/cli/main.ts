import { Command, CommanderError, Option } from 'commander';
import type { RateLimits } from '../core/rate-limit.ts';
import { PACKAGE_VERSION } from '../http/app.ts';
import { openStore } from '../store/open-store.ts';
import { applyFolder } from './apply.ts';
import { CliError, debugTrace, EXIT_FAILED, EXIT_USAGE, failureLine } from './cli-error.ts';
import { simulate } from './simulate.ts';
import { syncFollowers } from './sync-followers.ts';
import { parseRateLimitOption, resolveDatabase, resolveRateLimits, startServer } from './start.ts';

/**
 * Runs the command. A failure prints one line on stderr and exits 1 (2 for a command written
 * wrong: an unknown option, a missing argument); `--debug` prints the stack trace as well.
 */
export async function main(argv: string[]): Promise<void> {
  try {
    await program().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed its message (or the help, or the version) already.
      process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE);
    }
    console.error(`tidings: ${failureLine(error)}`);
    if (argv.includes('--debug')) console.error(debugTrace(error));
    process.exit(error instanceof CliError ? error.exitCode : EXIT_FAILED);
  }
}

function program(): Command {
  const program = new Command('tidings')
    .version(PACKAGE_VERSION)
    .description('Tidings: a self-hosted customer messaging engine')
    .option('--debug', 'print the stack trace of a failure')
    // Usage errors come back as CommanderErrors (exit status 2) rather than ending the process; subcommands inherit it.
    .exitOverride();

  program
    .command('start')
    .description('Run the server (SQLite at ./data/tidings.db unless --db or DATABASE_URL says otherwise)')
    .option('-p, --port <port>', 'port to listen on', (v) => Number.parseInt(v, 10), Number(process.env.PORT ?? 8080))
    .option('-H, --host <host>', 'address to listen on', process.env.HOST ?? '0.0.0.0')
    .option('--db <location>', 'SQLite file path, or postgres://… URL')
    .addOption(
      new Option(
        '--rate-limit <spec>',
        "per-API-key limits, 'off' or group=max/window,… (groups users_track, users_identity, subscription_status_set, default; e.g. users_track=3000/3s,default=250000/1h); groups not named keep Braze's defaults",
      )
        .env('TIDINGS_RATE_LIMITS')
        .argParser(parseRateLimitOption),
    )
    .option('--no-rate-limit', 'serve without rate limits (same as --rate-limit off)')
    .action(async (options: { port: number; host: string; db?: string; rateLimit?: RateLimits | false }) => {
      await startServer({
        port: options.port,
        host: options.host,
        database: resolveDatabase(options.db),
        rateLimits: resolveRateLimits(options.rateLimit),
      });
    });

  program
    .command('migrate')
    .description('Bring the database schema to the newest version, then exit')
    .option('--db <location>', 'SQLite file path, or postgres://… URL')
    .action(async (options: { db?: string }) => {
      const database = resolveDatabase(options.db);
      const store = await openStore(database);
      try {
        const report = await store.migrate();
        console.log(
          report.applied.length === 0
            ? `Schema already at version ${report.current}.`
            : `Applied: ${report.applied.join(', ')}. Schema at version ${report.current}.`,
        );
      } finally {
        await store.close();
      }
    });

  program
    .command('simulate')
    .description('Run a scenario through the real engine on a virtual clock and print every decision (JSON Lines)')
    .argument('<scenario>', 'a YAML or JSON scenario file')
    .addOption(new Option('--format <format>', 'jsonl or table').choices(['jsonl', 'table']).default('jsonl'))
    .option('--check', 'print only the unmet expectations')
    .action(async (file: string, options: { format: 'jsonl' | 'table'; check?: boolean }) => {
      process.exitCode = await simulate(file, { format: options.format, check: options.check ?? false });
    });

  program
    .command('apply')
    .description('Send a folder (or file) of definitions to a running server with POST /v1/apply: all of it, or none')
    .argument('<path>', 'a folder of YAML/JSON files, or one file')
    .option('--url <url>', 'the server', process.env.TIDINGS_URL ?? 'http://127.0.0.1:8080')
    .addOption(new Option('--key <key>', 'an admin API key').env('TIDINGS_API_KEY'))
    .action(async (path: string, options: { url: string; key?: string }) => {
      process.exitCode = await applyFolder(path, options);
    });

  const line = program.command('line').description('LINE channels');
  line
    .command('sync-followers')
    .description(
      "Import a LINE channel's followers page by page: each found or created by line_id and subscribed to the channel's group",
    )
    .argument('<channel>', 'the channel id')
    .option('--db <location>', 'SQLite file path, or postgres://… URL')
    .action(async (channelId: string, options: { db?: string }) => {
      process.exitCode = await syncFollowers(channelId, resolveDatabase(options.db));
    });

  return program;
}
