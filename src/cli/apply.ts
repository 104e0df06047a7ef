import { readDefinitions } from './definition-files.ts';

/** `tidings apply PATH`: the bundle goes to POST /v1/apply; the server applies all of it or none. */
export async function applyFolder(path: string, options: { url: string; key?: string }): Promise<number> {
  if (!options.key) throw new Error('an admin API key is required: --key or TIDINGS_API_KEY');
  const bundle = readDefinitions(path);
  const response = await fetch(new URL('/v1/apply', options.url), {
    method: 'POST',
    headers: { authorization: `Bearer ${options.key}`, 'content-type': 'application/json' },
    body: JSON.stringify(bundle),
  });
  const body = (await response.json()) as {
    message?: string;
    errors?: Array<{ field: string; message: string }>;
    created?: string[];
    updated?: string[];
  };
  if (!response.ok) {
    console.error(`Refused (${response.status}): ${body.message}`);
    for (const error of body.errors ?? []) console.error(`  ${error.field}: ${error.message}`);
    return 1;
  }
  console.log(`Applied: ${body.created?.length ?? 0} created, ${body.updated?.length ?? 0} replaced.`);
  for (const id of body.created ?? []) console.log(`  + ${id}`);
  for (const id of body.updated ?? []) console.log(`  ~ ${id}`);
  return 0;
}
