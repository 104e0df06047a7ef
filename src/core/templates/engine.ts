import { Liquid, type FS } from 'liquidjs';
import { brazeFilters, dateOnRenderClock, type FilterHandler } from './filters.ts';
import { AbortMessageTag, unavailableTag } from './tags.ts';

/** Templates read no files: a second lock behind the file tags, which are removed below. */
const NO_FILE_SYSTEM: FS = {
  exists: async () => false,
  existsSync: () => false,
  readFile: async (file) => {
    throw new Error(`templates cannot read files (${file})`);
  },
  readFileSync: (file) => {
    throw new Error(`templates cannot read files (${file})`);
  },
  resolve: (_dir, file) => file,
};

/** The one LiquidJS instance; limits are per render (see render.ts), never on the instance. */
export const liquid = new Liquid({
  fs: NO_FILE_SYSTEM,
  relativeReference: false,
  // A misspelled filter is a save-time error rather than a silently unfiltered value.
  strictFilters: true,
  // Braze renders a missing value as empty.
  strictVariables: false,
  ownPropertyOnly: true,
  // Braze's `date` filter works in UTC, or in the offset a time carries (`time_zone` adds one);
  // the server's zone must not leak into messages.
  timezoneOffset: 0,
  preserveTimezones: true,
  locale: 'en-US',
});

const FILES = 'templates can read only the objects given; use {{ content_blocks.NAME }} for shared snippets';
for (const name of ['include', 'render', 'layout']) liquid.registerTag(name, unavailableTag(FILES));
liquid.registerTag('connected_content', unavailableTag('Connected Content is not supported'));
liquid.registerTag('abort_message', AbortMessageTag);
for (const [name, filter] of Object.entries(brazeFilters)) liquid.registerFilter(name, filter);
// LiquidJS calls the built-in `date` with its full filter `this`, of which ours reads a part.
const builtinDate = liquid.filters.date;
if (builtinDate === undefined) throw new Error('LiquidJS has no built-in date filter for ours to wrap');
liquid.registerFilter(
  'date',
  dateOnRenderClock((typeof builtinDate === 'function' ? builtinDate : builtinDate.handler) as FilterHandler),
);
