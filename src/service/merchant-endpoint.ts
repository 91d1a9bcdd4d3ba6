import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../fintoc/index.js';
import { withoutPassword, type ServiceConfig } from './config.js';
import * as repo from './db/repositories/index.js';
import type { DB } from './db/schema.js';
import { NOTIFICATION_RETRY_WINDOW_MS } from './notify.js';

/** The shop's notification endpoint as the dashboard and `/readyz` show it. */
export interface MerchantEndpointState {
  /** `none`: MERCHANT_WEBHOOK_URL is not set. */
  state: 'none' | 'enabled' | 'disabled';
  /** The URL with any password replaced. */
  url: string | null;
  disabled_at: string | null;
  reason: string | null;
}

/**
 * The shop's endpoint (MERCHANT_WEBHOOK_URL): disabled in the database, for every instance, when it
 * answers `410 Gone`; enabled again from the dashboard (which queues what waited) or by configuring
 * another URL.
 */
export class MerchantEndpoint {
  private readonly hash: string | null;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly config: ServiceConfig,
    private readonly clock: Clock,
  ) {
    this.hash = config.merchantWebhook
      ? createHash('sha256').update(config.merchantWebhook.url).digest('hex')
      : null;
  }

  async disabled(): Promise<boolean> {
    if (this.hash === null) return true;
    return (await repo.findMerchantEndpoint(this.db, this.hash))?.disabled_at != null;
  }

  async disable(reason: string): Promise<void> {
    if (this.hash === null) return;
    await repo.disableMerchantEndpoint(this.db, this.hash, new Date(this.clock.now()), reason);
  }

  /** Enables it again and queues the notifications that waited (within their retry window). */
  async enable(): Promise<number> {
    if (this.hash === null) return 0;
    const now = this.clock.now();
    return repo.enableMerchantEndpoint(
      this.db,
      this.hash,
      new Date(now),
      new Date(now - NOTIFICATION_RETRY_WINDOW_MS),
    );
  }

  async state(): Promise<MerchantEndpointState> {
    if (this.hash === null || !this.config.merchantWebhook) {
      return { state: 'none', url: null, disabled_at: null, reason: null };
    }
    const row = await repo.findMerchantEndpoint(this.db, this.hash);
    const disabled = row?.disabled_at != null;
    return {
      state: disabled ? 'disabled' : 'enabled',
      url: withoutPassword(this.config.merchantWebhook.url),
      disabled_at: disabled ? row!.disabled_at!.toISOString() : null,
      reason: disabled ? row!.disabled_reason : null,
    };
  }
}
