import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { describeEachStore } from '../support/stores.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const T = '2026-03-06T07:00:00Z';

describeEachStore('request limits', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind);
  });
  afterAll(async () => {
    await server.close();
  });

  const users = async (query: string) => (await server.call('GET', `/v1/users?${query}`)).body.users;
  /** The request took less than a second: a secondary check, the answer's size is the first. */
  const timed = async <T>(work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await work();
    expect(performance.now() - started).toBeLessThan(1000);
    return result;
  };

  describe('validation runs in linear time and reports at most 50 errors', () => {
    test("an email of 'a@' + 60,000 dots + '@' is an item error naming email, quoted short", async () => {
      const email = `a@${'.'.repeat(60_000)}@`;
      const reply = await timed(() =>
        server.call('POST', '/users/track', { attributes: [{ external_id: 'dots', email }, { email }] }),
      );
      expect(reply.status).toBe(201);
      expect(reply.body.attributes_processed).toBe(0);
      expect(reply.body.errors).toHaveLength(2);
      for (const error of reply.body.errors) {
        expect(error.type).toMatch(/^'email' is not an email address: .*…\(60003 characters\)'?$/);
        expect(error.type.length).toBeLessThan(200);
      }
      expect(await users('external_id=dots')).toEqual([]);
    });

    test('40,000 invalid array items: a 400 listing 50 errors, the rest counted', async () => {
      const reply = await timed(() =>
        server.call('POST', '/users/identify', {
          aliases_to_identify: Array.from({ length: 40_000 }, () => ({ x: 1 })),
        }),
      );
      expect(reply.status).toBe(400);
      expect(reply.body.errors).toHaveLength(50);
      expect(reply.body.errors[0]).toEqual({
        field: 'aliases_to_identify',
        message: 'must NOT have more than 50 items',
      });
      expect(reply.body.errors[1]).toEqual({ field: 'aliases_to_identify[0].external_id', message: 'is required' });
      // One maxItems error and three per item (external_id, user_alias, x); 50 of them listed.
      expect(reply.body.more_errors).toBe(1 + 3 * 40_000 - 50);
      expect(reply.body.message).toContain(`; and ${1 + 3 * 40_000 - 50} more`);
      expect(JSON.stringify(reply.body).length).toBeLessThan(10_000);
    });

    test('40,000 invalid /users/track objects: Max Input Length Exceeded, 50 errors listed, the rest counted', async () => {
      const reply = await timed(() => server.call('POST', '/users/track', { attributes: Array(40_000).fill(1) }));
      expect(reply.status).toBe(400);
      expect(reply.body.message).toBe('Max Input Length Exceeded');
      expect(reply.body.errors).toHaveLength(50);
      expect(reply.body.errors.slice(0, 2)).toEqual([
        { field: 'attributes', message: 'must NOT have more than 75 items' },
        { field: 'attributes[0]', message: 'must be object' },
      ]);
      expect(reply.body.more_errors).toBe(40_001 - 50);
      expect(JSON.stringify(reply.body).length).toBeLessThan(5_000);
      expect(await users('external_id=x')).toEqual([]);
    });

    test("/users/track lists at most 50 item errors and counts the rest in 'more_errors'", async () => {
      const events = Array.from({ length: 75 }, () => ({ external_id: 'e', time: T }));
      const reply = await server.call('POST', '/users/track', { events });
      expect(reply.status).toBe(201);
      expect(reply.body.events_processed).toBe(0);
      expect(reply.body.errors).toHaveLength(50);
      expect(reply.body.errors[49]).toEqual({ type: "'name' is required", input_array: 'events', index: 49 });
      expect(reply.body.more_errors).toBe(25);
    });

    test('an object with thousands of bad fields names its first ten and counts the rest', async () => {
      const event: Record<string, unknown> = { external_id: 'e', name: 'n', time: T };
      for (let i = 0; i < 5000; i++) event[`f${i}`] = 1;
      const reply = await timed(() => server.call('POST', '/users/track', { events: [event] }));
      expect(reply.body.errors).toHaveLength(1);
      const { type } = reply.body.errors[0];
      expect(type.startsWith("'f0' is not a known field; 'f1' is not a known field")).toBe(true);
      expect(type.endsWith("'f9' is not a known field; and 4990 more")).toBe(true);
    });
  });

  test('an error raised by the engine lists at most 50 problems and a message of at most 2,000 characters', async () => {
    const segments = Array.from({ length: 81 }, () => ({
      id: `a-segment-whose-id-makes-the-message-long`,
      filters: [],
    }));
    const reply = await server.call('POST', '/v1/apply', { segments });
    expect(reply.status).toBe(400);
    expect(reply.body.errors).toHaveLength(50);
    expect(reply.body.more_errors).toBe(30);
    expect(reply.body.message.length).toBe(2001);
    expect(reply.body.message.endsWith('…')).toBe(true);
  });

  describe("Braze's size limits, nesting and Unicode", () => {
    /** `{"a": … 1}` nested `levels` deep, as JSON text (JSON.stringify cannot write 6,000 levels). */
    const deep = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

    test('an attribute nested 6,000 deep is an item error; the rest of the batch is written', async () => {
      const raw = `{"attributes": [{"external_id": "deep", "n": ${deep(6000)}}, {"external_id": "fine", "plan": "gold"}],
        "events": [{"external_id": "fine", "name": "e", "time": "${T}", "properties": {"p": ${deep(6000)}}}]}`;
      const reply = await server.call('POST', '/users/track', undefined, { raw });
      expect(reply.status).toBe(201);
      expect(reply.body).toEqual({
        message: 'success',
        attributes_processed: 1,
        events_processed: 0,
        errors: [
          { type: "'n.a.a.a.a.a.a.a…' is nested deeper than 32 levels", input_array: 'attributes', index: 0 },
          { type: "'properties.p.a.a.a.a.a.a…' is nested deeper than 32 levels", input_array: 'events', index: 0 },
        ],
      });
      expect(await users('external_id=deep')).toEqual([]);
      const [fine] = await users('external_id=fine');
      expect(fine.custom_attributes).toEqual({ plan: 'gold' });
    });

    test('32 levels are accepted', async () => {
      const raw = `{"attributes": [{"external_id": "d32", "n": ${deep(31)}}]}`;
      const reply = await server.call('POST', '/users/track', undefined, { raw });
      expect(reply.body).toEqual({ message: 'success', attributes_processed: 1 });
    });

    test('a whole-body schema nested too deep is a 400 naming the field', async () => {
      const raw = `{"campaign_id": "c", "trigger_properties": {"p": ${deep(6000)}}, "broadcast": true}`;
      const reply = await server.call('POST', '/campaigns/trigger/send', undefined, { raw });
      expect(reply.status).toBe(400);
      expect(reply.body.errors).toEqual([
        { field: 'trigger_properties.p.a.a.a.a.a.a…', message: 'is nested deeper than 32 levels' },
      ]);
      const definition = await server.call('PUT', '/v1/segments/deep', undefined, {
        raw: `{"name": "s", "filter": ${deep(100)}}`,
      });
      expect(definition.status).toBe(400);
      expect(definition.body.errors[0].message).toBe('is nested deeper than 32 levels');
    });

    test('a lone surrogate external_id is an item error and nothing is stored', async () => {
      const raw = '{"attributes": [{"external_id": "\\ud800", "a": 1}, {"external_id": "ok\\ud83d\\ude00", "a": 2}]}';
      const reply = await server.call('POST', '/users/track', undefined, { raw });
      expect(reply.status).toBe(201);
      expect(reply.body).toEqual({
        message: 'success',
        attributes_processed: 1,
        errors: [
          {
            type: "'external_id' is not well-formed Unicode (it holds a lone surrogate)",
            input_array: 'attributes',
            index: 0,
          },
        ],
      });
      expect(await users(`external_id=${encodeURIComponent('ok😀')}`)).toHaveLength(1);
      expect(await users(`external_id=${encodeURIComponent('\ufffd')}`)).toEqual([]);
    });

    test('a lone surrogate in any other body is a 400 naming the field', async () => {
      const reply = await server.call('POST', '/users/alias/new', undefined, {
        raw: '{"user_aliases": [{"alias_name": "x\\udc00", "alias_label": "crm"}]}',
      });
      expect(reply.status).toBe(400);
      expect(reply.body.errors).toEqual([
        { field: 'user_aliases[0].alias_name', message: 'is not well-formed Unicode (it holds a lone surrogate)' },
      ]);
    });

    test('an inc that would overflow is refused for that item; the counter keeps its value', async () => {
      await server.call('POST', '/users/track', { attributes: [{ external_id: 'counter', c: 9007199254740989 }] });
      const reply = await server.call('POST', '/users/track', {
        attributes: [
          { external_id: 'counter', c: { inc: 1 } },
          { external_id: 'counter', c: { inc: 1 } },
          { external_id: 'counter', c: { inc: 1 } },
          { external_id: 'counter', big: 1.7e308 },
          { external_id: 'counter', big: { inc: 1.7e308 } },
        ],
      });
      expect(reply.body.attributes_processed).toBe(3);
      expect(reply.body.errors.map((e: { index: number; type: string }) => [e.index, e.type])).toEqual([
        [2, expect.stringContaining('custom attribute \'c\' {"inc": 1} would take it beyond ±9007199254740991')],
        [4, expect.stringContaining('custom attribute \'big\' {"inc": 1.7e+308} would take it beyond')],
      ]);
      const [counter] = await users('external_id=counter');
      expect(counter.custom_attributes).toEqual({ c: 9007199254740991, big: 1.7e308 });
    });

    test('trigger_properties over 50 KB is a 400 naming which', async () => {
      const big = { text: 'x'.repeat(51_200) };
      const reply = await server.call('POST', '/campaigns/trigger/send', {
        campaign_id: 'c',
        trigger_properties: { small: 1 },
        recipients: [{ external_user_id: 'a' }, { external_user_id: 'b', trigger_properties: big }],
      });
      expect(reply.status).toBe(400);
      expect(reply.body.errors).toEqual([
        { field: 'recipients[1].trigger_properties', message: 'is 51211 bytes as JSON; at most 51200 are allowed' },
      ]);
    });

    test('a nested attribute or an array of objects over 50 KB is an item error', async () => {
      const reply = await server.call('POST', '/users/track', {
        attributes: [
          { external_id: 'big', profile: { text: 'x'.repeat(51_200) } },
          { external_id: 'big', orders: Array.from({ length: 60 }, (_, i) => ({ i, text: 'x'.repeat(900) })) },
          { external_id: 'big', small: { text: 'x' } },
        ],
      });
      expect(reply.body.attributes_processed).toBe(1);
      expect(reply.body.errors.map((e: { type: string }) => e.type)).toEqual([
        expect.stringMatching(/^custom attribute 'profile' is a nested object of 512\d\d bytes; at most 51200/),
        expect.stringMatching(/^custom attribute 'orders' is an array that is 5\d{4} bytes as JSON; at most 51200/),
      ]);
    });

    test('a user has at most 1,000 custom attributes', async () => {
      const attributes = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i]));
      const first = await server.call('POST', '/users/track', { attributes: [{ external_id: 'many', ...attributes }] });
      expect(first.body).toEqual({ message: 'success', attributes_processed: 1 });
      const more = await server.call('POST', '/users/track', { attributes: [{ external_id: 'many', extra: 1 }] });
      expect(more.body.errors).toEqual([
        {
          type: "custom attribute 'extra' would be more than the 1000 custom attributes a user may have",
          input_array: 'attributes',
          index: 0,
        },
      ]);
      const [many] = await users('external_id=many');
      expect(Object.keys(many.custom_attributes)).toHaveLength(1000);
    });
  });
});
