/**
 * The readiness write (`Store.probeWrite`): a settings row inserted and deleted again in one
 * transaction, so no reader ever sees it. Its value is 64 KiB, about what a large `/users/track`
 * request writes: a store with less room than that left is not ready for the next request.
 */
export const WRITE_PROBE_KEY = 'tidings:write-probe';
export const WRITE_PROBE_VALUE = JSON.stringify({ filler: 'x'.repeat(64 * 1024) });
