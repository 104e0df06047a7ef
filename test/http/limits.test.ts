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
});
