import { describe, expect, test } from 'vitest';
import { secretEnvAllows, unlistedSecretEnv } from '../../src/channels/secret-env.ts';
import { senderFor } from '../../src/channels/sender.ts';
import { configFromEnv } from '../../src/engine/config.ts';
import type { Channel } from '../../src/schemas/channel.ts';

describe('TIDINGS_SECRET_ENV', () => {
  test.each([
    [['TIDINGS_SECRET_*'], 'TIDINGS_SECRET_LINE', true],
    [['TIDINGS_SECRET_*'], 'TIDINGS_ADMIN_KEY', false],
    [['TIDINGS_SECRET_*'], 'TIDINGS_SECRET', false],
    [['LINE_TOKEN', 'SMTP_*'], 'LINE_TOKEN', true],
    [['LINE_TOKEN', 'SMTP_*'], 'LINE_TOKEN_2', false],
    [['LINE_TOKEN', 'SMTP_*'], 'SMTP_PASSWORD', true],
    [['*'], 'ANYTHING', true],
  ])('%j allows %s: %s', (allowed, name, allows) => {
    expect(secretEnvAllows(allowed, name)).toBe(allows);
  });

  test('the configuration keeps only the variables a secret may read; the default is TIDINGS_SECRET_*', () => {
    const env = { TIDINGS_ADMIN_KEY: 'admin', TIDINGS_SECRET_LINE: 'line', DATABASE_URL: 'postgres://', PATH: '/bin' };
    expect(configFromEnv(env)).toMatchObject({ env: { TIDINGS_SECRET_LINE: 'line' }, secretEnv: ['TIDINGS_SECRET_*'] });
    expect(configFromEnv({ ...env, TIDINGS_SECRET_ENV: ' DATABASE_URL , TIDINGS_S* ' })).toMatchObject({
      env: { DATABASE_URL: 'postgres://', TIDINGS_SECRET_LINE: 'line' },
      secretEnv: ['DATABASE_URL', 'TIDINGS_S*'],
    });
  });

  test('a channel naming another variable is never given its value at send time', () => {
    const config = configFromEnv({ TIDINGS_ADMIN_KEY: 'admin', TIDINGS_SECRET_LINE: 'line' });
    const channel = (env: string): Channel => ({ id: 'l', type: 'line', channel_access_token: { env } });
    // No token: the channel has no credentials, so it delivers into the sandbox (no sender).
    expect(senderFor(channel('TIDINGS_ADMIN_KEY'), config)).toBeNull();
    expect(senderFor(channel('TIDINGS_SECRET_LINE'), config)).not.toBeNull();
  });

  test('every secret field that names a variable not allowed is a problem on channels[i].field', () => {
    const channels: Channel[] = [
      { id: 'a', type: 'line', channel_secret: 'inline', channel_access_token: { env: 'TIDINGS_SECRET_A' } },
      { id: 'b', type: 'twilio_sms', account_sid: { env: 'HOME' }, auth_token: { env: 'TIDINGS_ADMIN_KEY' } },
    ];
    expect(unlistedSecretEnv(channels, ['TIDINGS_SECRET_*']).map((p) => p.field)).toEqual([
      'channels[1].account_sid',
      'channels[1].auth_token',
    ]);
  });
});
