/** Braze's per-object error: the object is skipped and named; the rest of the request goes on. */
export interface ItemError {
  type: string;
  input_array: string;
  index: number;
}
