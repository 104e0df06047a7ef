import { IANAZone } from 'luxon';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const YEARS_REMEMBERED = 5_000;

/** A zone's offsets over one UTC year: the offset at its start, then each change. */
interface ZoneYear {
  /** Ascending instants at which the offset changes, and the offset from then on. */
  changes: Array<{ at: number; offsetMs: number }>;
  initialMs: number;
}

const years = new Map<string, ZoneYear>();

/**
 * The UTC offset of an IANA zone at `instant`, in ms. Reading it through Intl (what Luxon does)
 * costs microseconds, and every delay, window and local-time rule asks several times per
 * decision; but a zone's offset only changes at its transitions. So the first question about a
 * zone in a given UTC year finds that year's transitions (one Intl reading per day, then a binary
 * search to the millisecond where two days differ) and later ones are looked up. This assumes a
 * zone changes its offset at most once in 24 hours, as every zone does in the years the tests
 * compare against Intl (2000 to 2035).
 */
export function zoneOffsetMs(zone: string, instant: number): number {
  const year = new Date(instant).getUTCFullYear();
  const key = `${zone}\u0000${year}`;
  let known = years.get(key);
  if (known === undefined) {
    known = readYear(zone, year);
    if (years.size >= YEARS_REMEMBERED) years.clear();
    years.set(key, known);
  }
  let offset = known.initialMs;
  for (const change of known.changes) {
    if (change.at > instant) break;
    offset = change.offsetMs;
  }
  return offset;
}

function readYear(zone: string, year: number): ZoneYear {
  const iana = IANAZone.create(zone);
  if (!iana.isValid) throw new RangeError(`unknown time zone: ${zone}`);
  const read = (instant: number) => iana.offset(instant) * MINUTE_MS;
  const start = Date.UTC(year, 0, 1);
  const end = Date.UTC(year + 1, 0, 1);
  const initialMs = read(start);
  const changes: ZoneYear['changes'] = [];
  let previous = { at: start, offsetMs: initialMs };
  for (let at = Math.min(start + DAY_MS, end); ; at = Math.min(at + DAY_MS, end)) {
    const offsetMs = read(at);
    if (offsetMs !== previous.offsetMs)
      changes.push({ at: firstInstantWith(read, previous.at, at, offsetMs), offsetMs });
    previous = { at, offsetMs };
    if (at === end) break;
  }
  // The change at `end` itself belongs to the next year.
  return { initialMs, changes: changes.filter((change) => change.at < end) };
}

/** The first instant in (from, to] whose offset is `offsetMs`, given that `to`'s is and `from`'s is not. */
function firstInstantWith(read: (instant: number) => number, from: number, to: number, offsetMs: number): number {
  let [low, high] = [from, to];
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (read(middle) === offsetMs) high = middle;
    else low = middle;
  }
  return high;
}
