/**
 * Connection settings of the embedded store, also applied by the raw-insert baseline of the
 * ingestion benchmark so that both write the same way.
 */
export const SQLITE_PRAGMAS = [
  'journal_mode = WAL',
  // A commit is durable once in the WAL; only checkpoints sync the database file.
  'synchronous = NORMAL',
  // 64 MiB of page cache (the default 2 MiB made every profile lookup a read from the OS).
  'cache_size = -65536',
  'mmap_size = 268435456',
  // Checkpoint every 4,000 pages (16 MiB) instead of 1,000: a page written by several commits is
  // copied into the database once, which saved a fifth of the insert time in measurements.
  'wal_autocheckpoint = 4000',
] as const;
