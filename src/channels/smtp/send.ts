import nodemailer from 'nodemailer';
import { resolveSecret, type ChannelOf } from '../../schemas/channel.ts';
import { DEFAULT_PROVIDER_TIMEOUT_MS } from '../provider-call.ts';
import type { ProviderResult } from '../provider-result.ts';
import type { Send } from '../sender.ts';

type Transport = ReturnType<typeof nodemailer.createTransport>;
const transports = new Map<string, Transport>();

/**
 * An SMTP channel sends through nodemailer once it has a host (else it delivers into the
 * sandbox). One transport per configuration, reused across sends; each send opens its own
 * connection (a pool would keep sockets open after the server stops). SMTP has no
 * idempotency key: every attempt at a message carries the same `Message-ID`, derived from its id,
 * so that a resend after a crash can be recognised by the receiving side.
 */
export function smtpSender(
  channel: ChannelOf<'smtp'>,
  env: Record<string, string | undefined>,
  timeoutMs = DEFAULT_PROVIDER_TIMEOUT_MS,
): Send | null {
  if (!channel.host) return null;
  const user = resolveSecret(channel.user, env);
  const pass = resolveSecret(channel.password, env);
  const options = {
    host: channel.host,
    port: channel.port ?? (channel.secure ? 465 : 587),
    secure: channel.secure ?? false,
    ...(user ? { auth: { user, pass: pass ?? '' } } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: 2 * timeoutMs,
  };
  const key = JSON.stringify(options);
  let transport = transports.get(key);
  if (!transport) transports.set(key, (transport = nodemailer.createTransport(options)));
  return async (message) => {
    try {
      const info = await transport.sendMail({
        ...(message.payload as Record<string, unknown>),
        messageId: `<${message.id}@tidings.invalid>`,
      });
      return { kind: 'sent', providerMessageId: info.messageId ?? null };
    } catch (error) {
      return smtpFailure(error);
    }
  };
}

/** 4xx replies and connection trouble are transient; 5xx replies (and a refused login) are rejections. */
export function smtpFailure(error: unknown): ProviderResult {
  const { responseCode, code, message } = error as { responseCode?: number; code?: string; message?: string };
  const text = message ?? String(error);
  if (typeof responseCode === 'number') {
    return responseCode >= 500
      ? { kind: 'rejected', code: `smtp_${responseCode}`, message: text }
      : { kind: 'transient', code: `smtp_${responseCode}`, message: text };
  }
  if (code === 'EAUTH' || code === 'EENVELOPE' || code === 'EMESSAGE')
    return { kind: 'rejected', code: code.toLowerCase(), message: text };
  return { kind: 'transient', code: code === 'ETIMEDOUT' ? 'timeout' : 'network', message: text };
}
