import nodemailer from 'nodemailer';
import { resolveSecret, type ChannelOf } from '../../schemas/channel.ts';
import { connectGuarded, isDestinationNotAllowed } from '../destination-guard.ts';
import { destinationRefused, type ProviderResult } from '../provider-result.ts';
import type { Send, SenderConfig } from '../sender.ts';
import { withFetchedAttachments } from './attachments.ts';

type Transport = ReturnType<typeof nodemailer.createTransport>;
type SocketCallback = (error: Error | null, socket?: { connection: unknown }) => void;
/** One transport per configuration, under each engine's configuration (its destination policy). */
const transports = new WeakMap<SenderConfig, Map<string, Transport>>();

/**
 * An SMTP channel sends through nodemailer once it has a host (else it delivers into the
 * sandbox). One transport per configuration, reused across sends; each send opens its own
 * connection (a pool would keep sockets open after the server stops). SMTP has no
 * idempotency key: every attempt at a message carries the same `Message-ID`, derived from its id,
 * so that a resend after a crash can be recognised by the receiving side.
 *
 * nodemailer resolves and connects by itself, with no `lookup` to check the address: the
 * transport's `getSocket` opens the connection instead (connectGuarded, the same checks as every
 * HTTP call), and nodemailer speaks SMTP over it, TLS included (SNI and the certificate are
 * checked against the channel's host).
 */
export function smtpSender(channel: ChannelOf<'smtp'>, config: SenderConfig): Send | null {
  if (!channel.host) return null;
  const timeoutMs = config.providerTimeoutMs;
  const user = resolveSecret(channel.user, config.env);
  const pass = resolveSecret(channel.password, config.env);
  const host = channel.host;
  const port = channel.port ?? (channel.secure ? 465 : 587);
  const options = {
    host,
    port,
    secure: channel.secure ?? false,
    ...(user ? { auth: { user, pass: pass ?? '' } } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: 2 * timeoutMs,
  };
  const key = JSON.stringify(options);
  let forConfig = transports.get(config);
  if (!forConfig) transports.set(config, (forConfig = new Map()));
  let transport = forConfig.get(key);
  if (!transport) {
    transport = nodemailer.createTransport({
      ...options,
      getSocket: (_options: unknown, callback: SocketCallback) =>
        connectGuarded(config, host, port, timeoutMs, (error, socket) =>
          error ? callback(error) : callback(null, { connection: socket }),
        ),
    } as Parameters<typeof nodemailer.createTransport>[0]);
    forConfig.set(key, transport);
  }
  return async (message) => {
    const ready = await withFetchedAttachments(message.payload as Record<string, unknown>, config, timeoutMs);
    if ('failure' in ready) return ready.failure;
    try {
      const info = await transport.sendMail({
        ...ready.mail,
        messageId: `<${message.id}@tidings.invalid>`,
        // Everything it sends is in the mail already: nodemailer reads no file and fetches no URL.
        disableFileAccess: true,
        disableUrlAccess: true,
      });
      return { kind: 'sent', providerMessageId: info.messageId ?? null };
    } catch (error) {
      return smtpFailure(error);
    }
  };
}

/** 4xx replies and connection trouble are transient; 5xx replies (and a refused login) are rejections. */
export function smtpFailure(error: unknown): ProviderResult {
  if (isDestinationNotAllowed(error)) return destinationRefused(error);
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
