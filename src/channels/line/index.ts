import { TidingsError } from '../../core/errors.ts';
import { LineChannel, resolveSecret } from '../../schemas/channel.ts';
import type { ChannelModule } from '../channel-module.ts';
import { addressed, groupState } from '../reachability.ts';
import { followerEstimate, followerPage, LineApiError, type LineApiConfig } from './api.ts';
import { buildPayload } from './payload.ts';
import { LINE_API_BASE_URL, lineSender, REPLY_WINDOW_MS } from './send.ts';
import { lineWebhook } from './webhook.ts';

/**
 * LINE: addressed by `line_id`; reachable unless `unsubscribed` from the group (never seen
 * following or unfollowing counts as subscribed, since LINE itself only delivers to friends).
 * Follows and unfollows set the group; the followers can be imported.
 */
export const channel: ChannelModule<'line'> = {
  type: 'line',
  displayName: 'LINE',
  config: LineChannel,
  addressField: 'line_id',
  subscriptionChannelType: 'line',
  buildPayload,
  reach: (user, channel) => addressed(user.line_id, groupState(user, channel.subscription_group) !== 'unsubscribed'),
  sender: lineSender,
  validationChannel: { id: 'validation', type: 'line' },
  inbound: {
    path: 'line',
    endpoints: [lineWebhook],
    followEvents: { follow: 'line_follow', unfollow: 'line_unfollow' },
    replyWindowMs: REPLY_WINDOW_MS,
  },
  followers: {
    open(channel, env, destinations) {
      const accessToken = resolveSecret(channel.channel_access_token, env);
      if (!accessToken)
        throw new TidingsError('invalid_input', `Channel '${channel.id}' has no channel_access_token`, [
          { field: 'channel_access_token', message: 'is required to read the followers' },
        ]);
      const config: LineApiConfig = { baseUrl: channel.api_base_url ?? LINE_API_BASE_URL, accessToken, destinations };
      return {
        source: 'line_follower_import',
        estimate: (now) => followerEstimate(config, now),
        page: async (start) => {
          try {
            const { userIds, next } = await followerPage(config, start);
            return { addresses: userIds, next };
          } catch (error) {
            if (error instanceof LineApiError)
              throw new TidingsError('provider_failed', `LINE did not give the follower list: ${error.message}`);
            throw error;
          }
        },
      };
    },
  },
};
