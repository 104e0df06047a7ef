import { TidingsError } from '../../core/errors.ts';
import { normalizePhone } from '../../core/phone.ts';
import { classifySmsKeyword, smsKeywordReply } from '../../core/sms-keywords.ts';
import { resolveSecret, type ChannelOf } from '../../schemas/channel.ts';
import type { InboundEndpoint, InboundEvent, InboundRequest, KeywordHandling } from '../channel-module.ts';
import { validTwilioSignature } from './signature.ts';

/** Where Twilio's webhooks are under (`/webhooks/twilio/{id}`): the URLs Twilio numbers are configured with. */
export const TWILIO_WEBHOOK_PATH = 'twilio';

/** `X-Twilio-Signature` over the URL Twilio called and the form parameters, keyed with the auth token. */
function verify(
  channel: ChannelOf<'twilio_sms'>,
  request: InboundRequest,
  env: Readonly<Record<string, string | undefined>>,
): void {
  const authToken = resolveSecret(channel.auth_token, env);
  if (!authToken)
    throw new TidingsError('unauthorized', `Channel '${channel.id}' has no auth_token to check signatures with`, [
      { field: 'auth_token', message: 'is required to receive webhooks' },
    ]);
  const signature = request.headers['x-twilio-signature'];
  if (typeof signature !== 'string' || !validTwilioSignature(authToken, request.url, formOf(request.body), signature)) {
    throw new TidingsError('unauthorized', 'X-Twilio-Signature does not match the request', [
      { field: 'X-Twilio-Signature', message: typeof signature === 'string' ? 'does not match' : 'is missing' },
    ]);
  }
}

function formOf(body: Buffer | string): URLSearchParams {
  return new URLSearchParams(typeof body === 'string' ? body : '');
}

/**
 * An incoming SMS's form parameters as one inbound message: `From` normalised to E.164 (with
 * settings.default_country), `MessageSid` its event id. `From` and `MessageSid` are required by the
 * webhook; a simulation's SMS step comes here too.
 */
export function smsInboundEvent(params: URLSearchParams, defaultCountry: string): InboundEvent {
  const sid = params.get('MessageSid') ?? params.get('SmsMessageSid') ?? '';
  const body = params.get('Body') ?? '';
  const phone = normalizePhone(params.get('From') ?? '', defaultCountry);
  if (!phone.ok)
    throw new TidingsError('invalid_input', `'From' ${phone.reason}`, [{ field: 'From', message: phone.reason }]);
  return {
    kind: 'message',
    eventId: sid,
    address: phone.e164,
    answerable: true,
    messageType: 'text',
    text: body,
    properties: { text: body, message_id: sid, from_number: phone.e164, to_number: params.get('To') ?? '' },
  };
}

/** `POST /webhooks/twilio/{id}`: one incoming SMS; answers in TwiML, with the keyword reply if any. */
export const twilioSmsWebhook: InboundEndpoint<'twilio_sms'> = {
  suffix: '',
  summary: 'Twilio incoming SMS webhook (signed with the auth token); answers in TwiML',
  verify,
  parse(body, { defaultCountry }) {
    const params = formOf(body);
    if (!params.get('From') || !params.get('MessageSid')) {
      throw new TidingsError('invalid_input', "An incoming SMS needs 'From' and 'MessageSid'", [
        { field: params.get('From') ? 'MessageSid' : 'From', message: 'is required' },
      ]);
    }
    return { events: [smsInboundEvent(params, defaultCountry)], ignored: 0 };
  },
  answer({ replies }) {
    const twiml =
      replies.length === 0
        ? '<Response/>'
        : `<Response>${replies.map((text) => `<Message>${escapeXml(text)}</Message>`).join('')}</Response>`;
    return { status: 200, contentType: 'text/xml', body: `<?xml version="1.0" encoding="UTF-8"?>${twiml}` };
  },
};

/**
 * `POST /webhooks/twilio/{id}/status`: `delivered`, or `failed` / `undelivered` with Twilio's
 * `ErrorCode`; other statuses are ignored. Answers 204.
 */
export const twilioStatusWebhook: InboundEndpoint<'twilio_sms'> = {
  suffix: '/status',
  summary: 'Twilio message status callback (signed with the auth token)',
  verify,
  parse(body) {
    const params = formOf(body);
    const status = params.get('MessageStatus') ?? params.get('SmsStatus') ?? '';
    const sid = params.get('MessageSid') ?? params.get('SmsSid') ?? '';
    if (sid === '' || !['delivered', 'failed', 'undelivered'].includes(status)) return { events: [], ignored: 1 };
    if (status === 'delivered')
      return { events: [{ kind: 'delivery_status', providerMessageId: sid, status: 'delivered' }], ignored: 0 };
    const errorCode = params.get('ErrorCode');
    return {
      events: [
        {
          kind: 'delivery_status',
          providerMessageId: sid,
          status: 'failed',
          errorCode: errorCode ?? status,
          error: `Twilio reported the message ${status}${errorCode ? ` (error ${errorCode})` : ''}`,
        },
      ],
      ignored: 0,
    };
  },
  answer: () => ({ status: 204 }),
};

/**
 * Braze's SMS keyword handling: a message that is no opt-in, opt-out or help keyword also records
 * `sms_response_{group}_custom` (lower-cased `message_body`); a keyword answer leaves in the TwiML.
 */
export const smsKeywords: KeywordHandling = {
  classify: classifySmsKeyword,
  reply: smsKeywordReply,
  source: 'sms_keyword',
  responseEvent: (groupId, message) => ({
    name: `sms_response_${groupId}_custom`,
    properties: {
      message_body: (message.text ?? '').toLowerCase(),
      to_number: message.properties.to_number ?? '',
      from_number: message.address,
      sms_message_id: message.eventId,
    },
  }),
  replyPayload: (text) => ({ twiml_message: text }),
};

function escapeXml(text: string): string {
  return text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!,
  );
}
