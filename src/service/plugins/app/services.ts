/**
 * The service's own parts, built once per app and decorated on it: `app.payments` (every change of
 * a payment), `app.inbox` (Fintoc's webhook events), `app.merchantEndpoint` (the shop's notification
 * endpoint) and `app.jobs` (the durable job runner: deadlines, status sync, notifications, refunds,
 * and the inbox's events in a lane of their own). Routes read them from the instance; they never
 * build their own.
 */
import fp from 'fastify-plugin';
import { createFintocClient } from '../../../fintoc/index.js';
import type { ServiceConfig } from '../../config.js';
import type { FintocPort } from '../../fintoc-port.js';
import { Inbox } from '../../inbox.js';
import type { Checkpoint } from '../../checkpoint.js';
import { jobHandlers } from '../../jobs/handlers.js';
import { JobRunner, type JobRunnerOptions } from '../../jobs/runner.js';
import { MerchantEndpoint } from '../../merchant-endpoint.js';
import { PaymentsService } from '../../payments/index.js';
import { ReconciliationService, ReportWatcher } from '../../reconciliation/index.js';

declare module 'fastify' {
  interface FastifyInstance {
    payments: PaymentsService;
    inbox: Inbox;
    /** The shop's notification endpoint (disabled after a 410 Gone). */
    merchantEndpoint: MerchantEndpoint;
    jobs: JobRunner;
    /** Report intake, the Payouts API's read, matching and the mismatch notification. */
    reconciliation: ReconciliationService;
    /** The watched report folder and maildir (polling only while the job loop runs). */
    reportWatcher: ReportWatcher;
  }
}

export interface ServicesOptions {
  config: ServiceConfig;
  /** Used for calls to Fintoc and notifications to the shop. */
  fetch: typeof fetch;
  /** A ready Fintoc client; default: `createFintocClient` on `FINTOC_API_URL`. */
  fintoc?: FintocPort;
  jobOptions?: JobRunnerOptions;
  checkpoint?: Checkpoint;
}

export default fp<ServicesOptions>(
  async (app, opts) => {
    const { config } = opts;
    const db = app.database.db;
    const fintoc =
      opts.fintoc ??
      createFintocClient({
        secretKey: config.fintoc.secretKey,
        baseUrl: config.fintoc.apiUrl,
        fetch: opts.fetch,
        maxRetries: 2,
        timeoutMs: 15_000,
      });
    let runner: JobRunner | null = null;
    const nudge = () => runner?.nudge();
    const payments = new PaymentsService(db, config, fintoc, app.clock, app.log, nudge, opts.checkpoint);
    const inbox = new Inbox(db, payments, config.fintoc.webhookSecrets, app.clock, nudge);
    const merchantEndpoint = new MerchantEndpoint(db, config, app.clock);
    const reconciliation = new ReconciliationService(db, config, fintoc, app.clock, app.log, nudge);
    runner = new JobRunner(
      db,
      app.clock,
      jobHandlers({
        db,
        config,
        fintoc,
        clock: app.clock,
        payments,
        inbox,
        endpoint: merchantEndpoint,
        reconciliation,
        fetch: opts.fetch,
        log: app.log,
        ...(opts.checkpoint ? { checkpoint: opts.checkpoint } : {}),
      }),
      app.log,
      opts.jobOptions,
    );
    app.decorate('payments', payments);
    app.decorate('inbox', inbox);
    app.decorate('merchantEndpoint', merchantEndpoint);
    app.decorate('jobs', runner);
    app.decorate('reconciliation', reconciliation);
    app.decorate('reportWatcher', new ReportWatcher(reconciliation.intake, config.reports, app.log));
  },
  { name: 'services', dependencies: ['database', 'config'] },
);
