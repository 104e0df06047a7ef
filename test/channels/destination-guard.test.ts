import type { LookupFunction } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  connectGuarded,
  guardedLookup,
  hostMatches,
  isDeniedAddress,
  isDestinationNotAllowed,
  PUBLIC_DESTINATIONS_ONLY,
} from '../../src/channels/destination-guard.ts';
import { callProvider } from '../../src/channels/provider-call.ts';
import { networkFailure } from '../../src/channels/provider-result.ts';
import { LoopbackServer } from '../fakes/loopback-server.ts';

/** A resolver answering from a table, as `dns.lookup` does (one address, or all with `all`). */
function tableLookup(table: Record<string, string[]>): LookupFunction {
  return (hostname, options, callback) => {
    const addresses = (table[hostname] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    if (addresses.length === 0) return callback(Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' }), '', 0);
    if (options.all) return (callback as unknown as (e: null, a: unknown[]) => void)(null, addresses);
    callback(null, addresses[0]!.address, addresses[0]!.family);
  };
}

function resolve(lookup: LookupFunction, host: string, all: boolean): Promise<unknown> {
  return new Promise((done, fail) => lookup(host, { all }, (error, address) => (error ? fail(error) : done(address))));
}

describe('the addresses no call may reach', () => {
  test.each([
    '127.0.0.1',
    '127.255.255.254',
    '10.0.0.1',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.100.100.200',
    '0.0.0.0',
    '0.1.2.3',
    '::1',
    '::',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:169.254.169.254',
    '::ffff:a00:1',
    '::7f00:1',
    '::127.0.0.1',
    'fe80::1%eth0',
  ])('%s is denied', (address) => {
    expect(isDeniedAddress(address)).toBe(true);
  });

  test.each(['8.8.8.8', '172.32.0.1', '172.15.255.255', '192.169.0.1', '1.1.1.1', '2606:4700::1111', '::ffff:8.8.8.8'])(
    '%s is allowed',
    (address) => {
      expect(isDeniedAddress(address)).toBe(false);
    },
  );
});

describe('host patterns (url_hosts, TIDINGS_ALLOWED_HOSTS)', () => {
  test.each([
    ['api.example.com', 'api.example.com', true],
    ['api.example.com', 'API.Example.com', true],
    ['api.example.com', 'api.example.com.', true],
    ['api.example.com', 'example.com', false],
    ['*.example.com', 'a.example.com', true],
    ['*.example.com', 'a.b.example.com', true],
    ['*.example.com', 'example.com', false],
    ['*.example.com', 'evilexample.com', false],
    ['*.example.com', 'example.com.evil.org', false],
    ['*', 'anything.org', true],
  ])('%s against %s: %s', (pattern, host, matches) => {
    expect(hostMatches(pattern, host)).toBe(matches);
  });
});

describe('guardedLookup', () => {
  const lookup = guardedLookup({
    ...PUBLIC_DESTINATIONS_ONLY,
    lookup: tableLookup({
      'public.test': ['93.184.216.34'],
      'inside.test': ['10.0.0.5'],
      'mixed.test': ['127.0.0.1', '93.184.216.35', '::1'],
    }),
  });

  test('passes public addresses, one or all', async () => {
    expect(await resolve(lookup, 'public.test', false)).toBe('93.184.216.34');
    expect(await resolve(lookup, 'public.test', true)).toEqual([{ address: '93.184.216.34', family: 4 }]);
  });

  test('drops the denied addresses of a name, and refuses a name with only denied ones', async () => {
    expect(await resolve(lookup, 'mixed.test', true)).toEqual([{ address: '93.184.216.35', family: 4 }]);
    const refused = await resolve(lookup, 'inside.test', false).catch((error: unknown) => error);
    expect(isDestinationNotAllowed(refused)).toBe(true);
    expect((refused as Error).message).toBe(
      'inside.test resolves to 10.0.0.5, a loopback, private or link-local address; calls there are not allowed',
    );
  });

  test('a name that does not resolve fails as the resolver did', async () => {
    await expect(resolve(lookup, 'nowhere.test', false)).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });
});

describe('calls under the default policy, against a real server on loopback', () => {
  const server = new LoopbackServer(async (_request, response) => void response.writeHead(200).end('inside'));
  let url: string;
  beforeAll(async () => {
    url = await server.start();
  });
  afterAll(() => server.stop());

  test('callProvider refuses a loopback IP literal: a refusal, not a retry', async () => {
    const error = await callProvider(`${url}/`, {}).catch((e: unknown) => e);
    expect(networkFailure(error)).toEqual({
      kind: 'refused',
      code: 'destination_not_allowed',
      message: '127.0.0.1 is a loopback, private or link-local address; calls there are not allowed',
    });
  });

  test('callProvider refuses a name that resolves to loopback, and reaches it when the host is allowed', async () => {
    const port = new URL(url).port;
    const lookup = tableLookup({ 'rebind.test': ['127.0.0.1'] });
    const error = await callProvider(`http://rebind.test:${port}/`, {}, 1000, {
      ...PUBLIC_DESTINATIONS_ONLY,
      lookup,
    }).catch((e: unknown) => e);
    expect(networkFailure(error)).toMatchObject({ kind: 'refused', code: 'destination_not_allowed' });
    const allowed = { allowPrivateNetwork: false, allowedHosts: ['rebind.test'], lookup };
    expect((await callProvider(`http://rebind.test:${port}/`, {}, 1000, allowed)).text).toBe('inside');
  });

  test('connectGuarded (the SMTP socket) refuses loopback, and connects when the private network is allowed', async () => {
    const port = Number(new URL(url).port);
    const refused = await new Promise<Error | null>((done) =>
      connectGuarded(PUBLIC_DESTINATIONS_ONLY, '127.0.0.1', port, 1000, (error) => done(error)),
    );
    expect(isDestinationNotAllowed(refused)).toBe(true);
    const socket = await new Promise<import('node:net').Socket | undefined>((done, fail) =>
      connectGuarded({ allowPrivateNetwork: true, allowedHosts: [] }, '127.0.0.1', port, 1000, (error, s) =>
        error ? fail(error) : done(s),
      ),
    );
    expect(socket?.remoteAddress).toBe('127.0.0.1');
    socket?.destroy();
  });
});
