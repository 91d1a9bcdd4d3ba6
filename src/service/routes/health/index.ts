/**
 * `GET /healthz` (the process answers), `GET /readyz` (the database answers; with the Fintoc mode and
 * the kind of database, which `pasarela check` reads), `GET /metrics` (Prometheus text).
 */
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { countJobs, countPendingInbox } from '../../db/repositories/index.js';
import { ServiceError } from '../../errors.js';

export default async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get('/healthz', async () => ({ ok: true }));

  app.get('/readyz', async (_request, reply) => {
    const lost = app.database.lost();
    if (lost !== null) {
      return reply.code(503).send({ ok: false, ...new ServiceError('data_dir_lost', lost).toJSON() });
    }
    try {
      await sql`SELECT 1`.execute(app.database.db);
      // Ready even when the shop's endpoint is disabled (payments go on); the detail says so.
      return {
        ok: true,
        database: app.database.kind,
        workers: app.jobs.running,
        mode: app.config.mode,
        notifications: await app.merchantEndpoint.state(),
      };
    } catch {
      return reply.code(503).send({
        ok: false,
        ...new ServiceError('database_unavailable', 'The database does not answer.').toJSON(),
      });
    }
  });

  app.get('/metrics', async (_request, reply) => {
    const lines: string[] = [];
    const metric = (
      name: string,
      type: 'counter' | 'gauge',
      help: string,
      values: Array<[Record<string, string>, number]>,
    ) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of values) {
        const l = Object.entries(labels)
          .map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`)
          .join(',');
        lines.push(`${name}${l ? `{${l}}` : ''} ${value}`);
      }
    };
    const c = app.inbox.counters;
    metric('pasarela_webhooks_received_total', 'counter', 'Webhook deliveries received.', [[{}, c.received]]);
    metric('pasarela_webhooks_stored_total', 'counter', 'Verified events stored in the inbox.', [
      [{}, c.stored],
    ]);
    metric('pasarela_webhooks_duplicates_total', 'counter', 'Deliveries of already stored events.', [
      [{}, c.duplicates],
    ]);
    metric(
      'pasarela_webhooks_rejected_total',
      'counter',
      'Deliveries refused (forged, stale, malformed), by code.',
      [...c.rejected.entries()].map(([code, n]) => [{ code }, n]),
    );
    const j = app.jobs.counters;
    metric('pasarela_jobs_total', 'counter', 'Job runs by this process, by result.', [
      [{ result: 'done' }, j.done],
      [{ result: 'retried' }, j.retried],
      [{ result: 'failed' }, j.failed],
    ]);
    const byStatus = await app.payments.countByStatus();
    metric(
      'pasarela_payments',
      'gauge',
      'Payments by status.',
      Object.entries(byStatus).map(([status, n]) => [{ status }, n]),
    );
    const queued = await countJobs(app.database.db);
    metric(
      'pasarela_jobs_queued',
      'gauge',
      'Jobs waiting, by kind.',
      Object.entries(queued).map(([kind, n]) => [{ kind }, n]),
    );
    metric('pasarela_webhooks_pending', 'gauge', 'Stored events waiting for the applier.', [
      [{}, await countPendingInbox(app.database.db)],
    ]);
    return reply.type('text/plain; version=0.0.4').send(`${lines.join('\n')}\n`);
  });
}
