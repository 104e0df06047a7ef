import { request } from 'undici';
import { destinationDispatcher, type DestinationPolicy } from '../destination-guard.ts';
import { httpFailure, networkFailure, type ProviderResult } from '../provider-result.ts';

/** The most an email's attachments may weigh together, fetched (most mail servers take 25 MB). */
export const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;

/** An attachment as the payload holds it (`{filename, path: url}`) and as nodemailer is given it. */
type Attachment = { filename: string; path?: string; content?: Buffer };

/**
 * Fetches the attachments of a mail before it is handed to nodemailer, and gives them to it as
 * content. nodemailer would fetch a `path` URL itself, over its own HTTP client, following
 * redirects and reaching any address: the URL may come from a template, so these go through the
 * same destination checks as every provider call (destination-guard.ts), redirects not followed.
 * Returns the mail to send, or what the message comes to when an attachment cannot be had: a 3xx
 * or 4xx is a rejection, a 5xx or a network failure is transient, a refused address is refused.
 */
export async function withFetchedAttachments(
  mail: Record<string, unknown>,
  destinations: DestinationPolicy,
  timeoutMs: number,
): Promise<{ mail: Record<string, unknown> } | { failure: ProviderResult }> {
  const attachments = (mail.attachments ?? []) as Attachment[];
  if (!attachments.some((a) => typeof a.path === 'string')) return { mail };
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException('the attachment did not arrive in time', 'TimeoutError')),
    timeoutMs,
  );
  let total = 0;
  try {
    const fetched: Attachment[] = [];
    for (const attachment of attachments) {
      if (typeof attachment.path !== 'string') {
        fetched.push(attachment);
        continue;
      }
      const response = await request(attachment.path, {
        signal: controller.signal,
        dispatcher: destinationDispatcher(destinations),
        headers: { 'user-agent': 'Tidings' },
      });
      if (response.statusCode < 200 || response.statusCode >= 300) {
        await response.body.dump();
        const failure = httpFailure(
          response.statusCode,
          `attachment ${attachment.filename}: HTTP ${response.statusCode}`,
        );
        return { failure: { ...failure, code: `attachment_${failure.code}` } };
      }
      const chunks: Buffer[] = [];
      for await (const chunk of response.body) {
        total += (chunk as Buffer).length;
        if (total > MAX_ATTACHMENT_BYTES) {
          controller.abort();
          return {
            failure: {
              kind: 'rejected',
              code: 'attachment_too_large',
              message: `the attachments weigh more than ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB together`,
            },
          };
        }
        chunks.push(chunk as Buffer);
      }
      fetched.push({ filename: attachment.filename, content: Buffer.concat(chunks) });
    }
    return { mail: { ...mail, attachments: fetched } };
  } catch (error) {
    return { failure: networkFailure(error) };
  } finally {
    clearTimeout(timer);
  }
}
