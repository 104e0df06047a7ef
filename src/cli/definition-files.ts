import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parse } from 'yaml';
import { CliError, describeFileError } from './cli-error.ts';

const BUNDLE_KEYS = ['subscription_groups', 'channels', 'segments', 'content_blocks', 'campaigns', 'canvases'] as const;
const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** Reads a YAML or JSON file (JSON is YAML); errors name the file, and the line of a syntax error. */
export function readDocument(path: string): unknown {
  try {
    return parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw describeFileError(path, error);
  }
}

/**
 * A definitions bundle from a file or a folder. Each file holds part of a bundle (any of
 * subscription_groups, channels, segments, content_blocks, campaigns, canvases); a folder's files, read in
 * name order (sub-folders too), are concatenated into one bundle.
 */
export function readDefinitions(path: string): Record<string, unknown[]> {
  const bundle: Record<string, unknown[]> = {};
  for (const file of definitionFiles(path)) {
    const document = readDocument(file);
    if (document === null || document === undefined) continue;
    if (typeof document !== 'object' || Array.isArray(document))
      throw new CliError(`${file}: expected a mapping of ${BUNDLE_KEYS.join(', ')}`);
    for (const [key, value] of Object.entries(document)) {
      if (!(BUNDLE_KEYS as readonly string[]).includes(key))
        throw new CliError(`${file}: '${key}' is not one of ${BUNDLE_KEYS.join(', ')}`);
      if (!Array.isArray(value)) throw new CliError(`${file}: '${key}' must be a list`);
      (bundle[key] ??= []).push(...value);
    }
  }
  return bundle;
}

function definitionFiles(path: string): string[] {
  if (!isFolder(path)) return [path];
  return listFolder(path)
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const full = join(path, entry.name);
      if (entry.isDirectory()) return definitionFiles(full);
      return EXTENSIONS.has(extname(entry.name)) ? [full] : [];
    });
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch (error) {
    throw describeFileError(path, error);
  }
}

function listFolder(path: string) {
  try {
    return readdirSync(path, { withFileTypes: true });
  } catch (error) {
    throw describeFileError(path, error);
  }
}
