import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parse } from 'yaml';

const BUNDLE_KEYS = ['subscription_groups', 'channels', 'segments', 'content_blocks', 'campaigns'] as const;
const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** Reads a YAML or JSON file (JSON is YAML); errors name the file. */
export function readDocument(path: string): unknown {
  try {
    return parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`);
  }
}

/**
 * A definitions bundle from a file or a folder. Each file holds part of a bundle (any of
 * subscription_groups, channels, segments, content_blocks, campaigns); a folder's files, read in
 * name order (sub-folders too), are concatenated into one bundle.
 */
export function readDefinitions(path: string): Record<string, unknown[]> {
  const bundle: Record<string, unknown[]> = {};
  for (const file of definitionFiles(path)) {
    const document = readDocument(file);
    if (document === null || document === undefined) continue;
    if (typeof document !== 'object' || Array.isArray(document))
      throw new Error(`${file}: expected a mapping of ${BUNDLE_KEYS.join(', ')}`);
    for (const [key, value] of Object.entries(document)) {
      if (!(BUNDLE_KEYS as readonly string[]).includes(key))
        throw new Error(`${file}: '${key}' is not one of ${BUNDLE_KEYS.join(', ')}`);
      if (!Array.isArray(value)) throw new Error(`${file}: '${key}' must be a list`);
      (bundle[key] ??= []).push(...value);
    }
  }
  return bundle;
}

function definitionFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const full = join(path, entry.name);
      if (entry.isDirectory()) return definitionFiles(full);
      return EXTENSIONS.has(extname(entry.name)) ? [full] : [];
    });
}
