/**
 * The integer that indexes a user's events in SQLite. Indexing the 26-character ULID itself made
 * every event insert dirty a page of a wide, randomly written index, which capped ingestion
 * (docs/benchmarks.md); an 8-byte key makes that index about three times smaller. Two users
 * may share a key, so every query filters on `user_id` as well.
 *
 * 53 bits of two FNV-1a hashes, so the key is a safe JavaScript integer.
 */
export function userKey(userId: string): number {
  let low = 0x811c9dc5;
  let high = 0x050c5d1f;
  for (let i = 0; i < userId.length; i++) {
    const c = userId.charCodeAt(i);
    low = Math.imul(low ^ c, 0x01000193);
    high = Math.imul(high ^ c, 0x01000193);
  }
  return (high & 0x1fffff) * 0x100000000 + (low >>> 0);
}
