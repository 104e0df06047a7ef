/** An API key as stored: its name, permissions and hash. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  /** SHA-256 of the key, hex. The key itself is never stored. */
  hash: string;
  permissions: string[];
  created_at: number;
}
