import { CliError, EXIT_USAGE } from './cli-error.ts';
import { readDefinitions } from './definition-files.ts';

interface ApplyAnswer {
  message?: string;
  errors?: Array<{ field: string; message: string }>;
  created?: string[];
  updated?: string[];
}

/** `tidings apply PATH`: the bundle goes to POST /v1/apply; the server applies all of it or none. */
export async function applyFolder(path: string, options: { url: string; key?: string }): Promise<number> {
  if (!options.key) throw new CliError('an admin API key is required: --key or TIDINGS_API_KEY', EXIT_USAGE);
  const endpoint = applyUrl(options.url);
  const bundle = readDefinitions(path);
  const response = await post(endpoint, options.key, bundle);
  const body = await answerOf(response, endpoint);
  if (!response.ok) {
    const errors = body.errors ?? [];
    const lead = `Refused by the server (${response.status}), nothing applied`;
    console.error(errors.length > 0 ? `${lead}:` : `${lead}: ${body.message ?? response.statusText}`);
    for (const error of errors) console.error(`  ${error.field}: ${error.message}`);
    return 1;
  }
  console.log(`Applied: ${body.created?.length ?? 0} created, ${body.updated?.length ?? 0} replaced.`);
  for (const id of body.created ?? []) console.log(`  + ${id}`);
  for (const id of body.updated ?? []) console.log(`  ~ ${id}`);
  return 0;
}

function applyUrl(url: string): URL {
  try {
    return new URL('/v1/apply', url);
  } catch {
    throw new CliError(`--url ${JSON.stringify(url)} is not a URL (e.g. http://127.0.0.1:8080)`, EXIT_USAGE);
  }
}

async function post(endpoint: URL, key: string, bundle: unknown): Promise<Response> {
  try {
    return await fetch(endpoint, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(bundle),
    });
  } catch (error) {
    // fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, …) is its cause.
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new CliError(`cannot reach the server at ${endpoint.origin} (${reason}); is it running? (--url)`, 1, {
      cause: error,
    });
  }
}

async function answerOf(response: Response, endpoint: URL): Promise<ApplyAnswer> {
  const text = await response.text();
  try {
    return JSON.parse(text) as ApplyAnswer;
  } catch {
    throw new CliError(
      `${endpoint.origin} answered ${response.status} ${response.statusText} without JSON: is it a Tidings server? (--url)`,
    );
  }
}
