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
  // Reads through a 64 MiB memory map. Mapped pages count in the process's RSS: 256 MiB put B3's
  // worker over its 512 MiB budget, and B1 and B3 ran as fast with 64 MiB.
  'mmap_size = 67108864',
  // Checkpoint every 4,000 pages (16 MiB) instead of 1,000: a page written by several commits is
  // copied into the database once, which saved a fifth of the insert time in measurements.
  'wal_autocheckpoint = 4000',
] as const;
