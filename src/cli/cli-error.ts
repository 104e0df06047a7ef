import { YAMLError } from 'yaml';

/** Exit statuses: 1 for a command that failed, 2 for a command written wrong (an unknown option, a missing argument). */
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** A failure the user can act on, said in one line; no stack trace unless `--debug`. */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode: number = EXIT_FAILED, options?: { cause: unknown }) {
    super(message, options);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

const FILE_ERRORS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EISDIR: 'is a folder, not a file',
  ENOTDIR: 'a part of the path is not a folder',
};

/**
 * What went wrong, as one line naming the file (and line) when there is one. A YAML error says
 * where (`file.yaml:3:7: …`); a file-system error says what, in words, rather than its errno.
 */
export function describeFileError(path: string, error: unknown): CliError {
  if (error instanceof YAMLError) {
    const where = error.linePos?.[0];
    const what = firstLine(error.message).replace(/ at line \d+, column \d+:?$/, '');
    return new CliError(where ? `${path}:${where.line}:${where.col}: ${what}` : `${path}: ${what}`, EXIT_FAILED, {
      cause: error,
    });
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const what = code && FILE_ERRORS[code] ? FILE_ERRORS[code] : failureLine(error);
  return new CliError(`${path}: ${what}`, EXIT_FAILED, { cause: error });
}

/** The one line printed for a failure: a CliError's message, or any other error's first line. */
export function failureLine(error: unknown): string {
  if (error instanceof Error) return firstLine(error.message) || error.name;
  return String(error);
}

/** What `--debug` prints: the stack, and the stack of each cause. */
export function debugTrace(error: unknown): string {
  const parts: string[] = [];
  for (let cause: unknown = error; cause !== undefined; cause = (cause as { cause?: unknown }).cause) {
    parts.push(cause instanceof Error ? (cause.stack ?? cause.message) : String(cause));
    if (!(cause instanceof Error)) break;
  }
  return parts.join('\nCaused by: ');
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0]?.trim() ?? '';
}
