import { describe, expect, test } from 'vitest';
import {
  findJsonProblem,
  formatPath,
  MAX_JSON_DEPTH,
  MAX_OBJECT_BYTES,
  objectTooLarge,
} from '../../src/core/json-limits.ts';

/** `{"a": {"a": … 1}}` with `levels` objects, parsed from text as a request body would be. */
const nestedObjects = (levels: number) => JSON.parse(`${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`);
const nestedArrays = (levels: number) => JSON.parse(`${'['.repeat(levels)}${']'.repeat(levels)}`);

describe('findJsonProblem', () => {
  test.each([
    ['a scalar', 'text'],
    ['null', null],
    ['a flat object', { a: 1, b: 'x', c: [1, 2] }],
    ['32 levels of objects', nestedObjects(MAX_JSON_DEPTH)],
    ['32 levels of arrays', nestedArrays(MAX_JSON_DEPTH)],
    ['surrogate pairs (emoji) and other scripts', { '🎉': '😀 あ é', list: ['𝒳'] }],
  ])('%s is accepted', (_name, value) => {
    expect(findJsonProblem(value)).toBeNull();
  });

  test('33 levels is refused, naming the path to the level too deep', () => {
    expect(findJsonProblem(nestedObjects(MAX_JSON_DEPTH + 1))).toEqual({
      path: Array.from({ length: MAX_JSON_DEPTH }, () => 'a'),
      why: 'is nested deeper than 32 levels',
    });
    expect(findJsonProblem({ list: [nestedArrays(MAX_JSON_DEPTH)] })).toEqual({
      path: ['list', 0, ...Array.from({ length: MAX_JSON_DEPTH - 2 }, () => 0)],
      why: 'is nested deeper than 32 levels',
    });
  });

  test('6,000 levels (which JSON.stringify cannot even print) is refused without recursion', () => {
    const deep = nestedObjects(6000);
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    expect(findJsonProblem({ n: deep })?.why).toBe('is nested deeper than 32 levels');
  });

  test('a lone surrogate in a value or a key is refused, naming where', () => {
    expect(findJsonProblem(JSON.parse('{"external_id": "\\ud800"}'))).toEqual({
      path: ['external_id'],
      why: 'is not well-formed Unicode (it holds a lone surrogate)',
    });
    expect(findJsonProblem(JSON.parse('{"p": [1, "ok", "x\\udc00"]}'))).toEqual({
      path: ['p', 2],
      why: 'is not well-formed Unicode (it holds a lone surrogate)',
    });
    expect(findJsonProblem(JSON.parse('{"p": {"\\ud83d": 1}}'))).toEqual({
      path: ['p', '\ud83d'],
      why: 'has a key that is not well-formed Unicode (it holds a lone surrogate)',
    });
    expect(findJsonProblem('\ud800')).toEqual({ path: [], why: expect.stringContaining('lone surrogate') });
  });

  test('raw bytes (a webhook body kept as a Buffer) are not walked as an object of indexes', () => {
    const body = Buffer.alloc(1024 * 1024, 0x7b);
    const started = performance.now();
    expect(findJsonProblem(body)).toBeNull();
    expect(performance.now() - started).toBeLessThan(20);
  });

  test('the first problem in document order is the one reported', () => {
    expect(findJsonProblem({ a: 'fine', b: '\udfff', c: nestedObjects(40) })?.path).toEqual(['b']);
  });
});

describe('formatPath', () => {
  test('keys with dots, indexes with brackets, a prefix before, long paths cut', () => {
    expect(formatPath(['recipients', 0, 'trigger_properties'])).toBe('recipients[0].trigger_properties');
    expect(formatPath(['n'], 'attributes[2]')).toBe('attributes[2].n');
    expect(formatPath([])).toBe('');
    expect(formatPath(Array.from({ length: 40 }, () => 'a'))).toBe('a.a.a.a.a.a.a.a…');
    expect(formatPath(['\ud800'])).toBe('\ufffd');
  });
});

describe('objectTooLarge', () => {
  test('50 KB of JSON is the limit', () => {
    const fits = { text: 'x'.repeat(MAX_OBJECT_BYTES - '{"text":""}'.length) };
    expect(objectTooLarge(fits)).toBeNull();
    expect(objectTooLarge({ ...fits, more: 1 })).toBe(
      `is ${MAX_OBJECT_BYTES + ',"more":1'.length} bytes as JSON; at most 51200 are allowed`,
    );
  });
});
