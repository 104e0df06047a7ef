/**
 * A one-line progress display for long CLI commands: `[████████░░░░░░░░] 52%  5,200 / ≈10,000 …`
 * when the total is known (approximately or not), else only the count. On a terminal each
 * update redraws the line; elsewhere (a log, a CI job) each update is a line of its own.
 */
export function progressLine(
  done: number,
  total: number | null,
  what: string,
  options: { approximate?: boolean; width?: number } = {},
): string {
  const count = done.toLocaleString('en-US');
  if (total === null || total <= 0) return `${count} ${what}`;
  const width = options.width ?? 24;
  const share = Math.min(1, done / total);
  const filled = Math.round(share * width);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
  return `[${bar}] ${String(Math.round(share * 100)).padStart(3)}%  ${count} / ${options.approximate ? '≈' : ''}${total.toLocaleString('en-US')} ${what}`;
}

/** Writes progress lines to a stream: redrawn in place on a terminal, one per update otherwise. */
export class ProgressWriter {
  private readonly stream: NodeJS.WriteStream;
  private drawn = false;

  constructor(stream: NodeJS.WriteStream = process.stderr) {
    this.stream = stream;
  }

  update(line: string): void {
    if (this.stream.isTTY) {
      this.stream.write(`\r${line}\x1b[K`);
      this.drawn = true;
    } else {
      this.stream.write(`${line}\n`);
    }
  }

  done(): void {
    if (this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}
