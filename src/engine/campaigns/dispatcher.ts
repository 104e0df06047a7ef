import type { Engine } from '../engine.ts';
import { cachedSettings } from '../engine.ts';
import { liveDefinitions } from './definitions.ts';
import { deliverToSandbox } from './sandbox-delivery.ts';

/** How long a claimed message belongs to the dispatcher that claimed it; after that another may retry it. */
export const SEND_LEASE_MS = 30_000;

/**
 * Sends due outgoing messages (the outbox). Every channel delivers into the sandbox for now (the
 * real providers come with the channels): the claim, the sandbox rows, the `sent` state, the
 * timeline, the receipts and the campaigns that listen for this interaction commit together, so a
 * message is recorded exactly once however often the process dies. Returns how many it sent.
 */
export async function runDueMessages(engine: Engine, limit = 2000): Promise<number> {
  const [defs, settings] = await Promise.all([liveDefinitions(engine), cachedSettings(engine)]);
  return engine.store.transaction(async (tx) => {
    const now = engine.clock.now();
    const messages = await tx.campaigns.claimDueMessages(now, limit, now + SEND_LEASE_MS);
    if (messages.length === 0) return 0;
    await tx.campaigns.updateMessages(messages.map((m) => m.id), { state: 'sent', lease_until: null, updated_at: now });
    await deliverToSandbox(engine, tx, defs, settings, messages, now);
    return messages.length;
  });
}
