import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely';

/**
 * One migration set, PostgreSQL's dialect, for both stores. Append only: never edit a migration
 * that has shipped; add the next one.
 */
export const MIGRATIONS: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<unknown>) {
      await sql`
        CREATE TABLE payments (
          id text PRIMARY KEY,
          order_id text NOT NULL,
          amount bigint NOT NULL CHECK (amount > 0),
          currency text NOT NULL,
          status text NOT NULL,
          customer_email text,
          metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
          payment_intent_id text UNIQUE,
          widget_token text,
          intent_status text,
          failure_reason text,
          paid_after_cancel boolean NOT NULL DEFAULT false,
          refund_id text,
          idempotency_key text UNIQUE,
          request_hash text,
          expires_at timestamptz NOT NULL,
          created_at timestamptz NOT NULL,
          updated_at timestamptz NOT NULL,
          finalized_at timestamptz
        )`.execute(db);
      // An order has at most one open payment; closed ones stay for its history.
      await sql`CREATE UNIQUE INDEX payments_open_order ON payments (order_id)
        WHERE status IN ('pending', 'processing')`.execute(db);
      await sql`CREATE INDEX payments_order ON payments (order_id, created_at DESC)`.execute(db);
      await sql`
        CREATE TABLE payment_attempts (
          id text PRIMARY KEY,
          payment_id text NOT NULL REFERENCES payments (id),
          idempotency_key text NOT NULL UNIQUE,
          payment_intent_id text,
          error text,
          created_at timestamptz NOT NULL
        )`.execute(db);
      await sql`CREATE INDEX payment_attempts_payment ON payment_attempts (payment_id)`.execute(db);
      await sql`CREATE INDEX payment_attempts_intent ON payment_attempts (payment_intent_id)`.execute(db);
      await sql`
        CREATE TABLE payment_timeline (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          payment_id text NOT NULL REFERENCES payments (id),
          at timestamptz NOT NULL,
          kind text NOT NULL,
          from_status text,
          to_status text,
          cause text NOT NULL,
          cause_id text,
          detail jsonb
        )`.execute(db);
      await sql`CREATE INDEX payment_timeline_payment ON payment_timeline (payment_id, id)`.execute(db);
      await sql`
        CREATE TABLE webhook_inbox (
          event_id text PRIMARY KEY,
          type text NOT NULL,
          intent_id text,
          body text NOT NULL,
          received_at timestamptz NOT NULL,
          applied_at timestamptz,
          outcome text,
          attempts integer NOT NULL DEFAULT 0,
          last_error text
        )`.execute(db);
      await sql`CREATE INDEX webhook_inbox_received ON webhook_inbox (received_at DESC)`.execute(db);
      await sql`CREATE INDEX webhook_inbox_intent ON webhook_inbox (intent_id)`.execute(db);
      await sql`
        CREATE TABLE jobs (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          kind text NOT NULL,
          ref text NOT NULL,
          run_at timestamptz NOT NULL,
          attempts integer NOT NULL DEFAULT 0,
          locked_until timestamptz,
          locked_by text,
          last_error text,
          created_at timestamptz NOT NULL,
          UNIQUE (kind, ref)
        )`.execute(db);
      await sql`CREATE INDEX jobs_due ON jobs (run_at)`.execute(db);
      await sql`
        CREATE TABLE notifications (
          id text PRIMARY KEY,
          payment_id text NOT NULL REFERENCES payments (id),
          type text NOT NULL,
          payload text NOT NULL,
          created_at timestamptz NOT NULL,
          delivered_at timestamptz,
          attempts integer NOT NULL DEFAULT 0,
          last_status integer,
          last_error text
        )`.execute(db);
      await sql`CREATE INDEX notifications_payment ON notifications (payment_id)`.execute(db);
    },
  },
  '0002_inbox_queue_and_expiry_marker': {
    async up(db: Kysely<unknown>) {
      // Set when the service asks Fintoc to expire an intent: the expiry that follows is its cancellation.
      await sql`ALTER TABLE payments ADD COLUMN expire_requested_at timestamptz`.execute(db);
      // The inbox becomes its own queue: an event waits (apply_after set, applied_at null) until applied.
      await sql`ALTER TABLE webhook_inbox
        ADD COLUMN apply_after timestamptz,
        ADD COLUMN locked_until timestamptz,
        ADD COLUMN locked_by text,
        ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY`.execute(db);
      await sql`CREATE INDEX webhook_inbox_pending ON webhook_inbox (apply_after, seq)
        WHERE applied_at IS NULL AND apply_after IS NOT NULL`.execute(db);
      // Events that 0001 queued as jobs move to the inbox queue, due now.
      await sql`UPDATE webhook_inbox AS i SET apply_after = j.run_at
        FROM jobs AS j WHERE j.kind = 'apply_event' AND j.ref = i.event_id AND i.applied_at IS NULL`.execute(
        db,
      );
      await sql`DELETE FROM jobs WHERE kind = 'apply_event'`.execute(db);
    },
  },
  '0003_current_attempt': {
    async up(db: Kysely<unknown>) {
      // The attempt whose intent the payment may hand out: an intent created for any other attempt
      // (a late answer) is never recorded as the payment's, and the deadline knows which attempt to
      // resolve when the payment has no intent yet.
      await sql`ALTER TABLE payments ADD COLUMN attempt_id text`.execute(db);
      await sql`UPDATE payments AS p SET attempt_id = (
          SELECT a.id FROM payment_attempts AS a WHERE a.payment_id = p.id
          ORDER BY a.created_at DESC, a.id DESC LIMIT 1)`.execute(db);
    },
  },
  '0004_merchant_endpoint_state': {
    async up(db: Kysely<unknown>) {
      // The shop's notification endpoint, by the SHA-256 of its URL (a URL may hold a password):
      // disabled when it answers 410 Gone, until someone enables it again or the URL changes.
      await sql`
        CREATE TABLE merchant_endpoints (
          url_hash text PRIMARY KEY,
          disabled_at timestamptz,
          disabled_reason text
        )`.execute(db);
    },
  },
  '0005_rate_limits': {
    async up(db: Kysely<unknown>) {
      // @fastify/rate-limit's counters (sign-in lockout, new attempts per payment), shared by every
      // instance: one fixed window per key.
      await sql`
        CREATE TABLE rate_limits (
          key text PRIMARY KEY,
          hits integer NOT NULL,
          window_start timestamptz NOT NULL
        )`.execute(db);
      await sql`CREATE INDEX rate_limits_window_start ON rate_limits (window_start)`.execute(db);
    },
  },
  '0006_reconciliation': {
    async up(db: Kysely<unknown>) {
      // Fintoc's report files as received (upload, watched folder, maildir): one row per distinct
      // file (its SHA-256), with its exact bytes, and its lines; the same file twice is stored once.
      await sql`
        CREATE TABLE report_files (
          id text PRIMARY KEY,
          sha256 text NOT NULL UNIQUE,
          filename text,
          kind text,
          report_date text,
          org text,
          bytes integer NOT NULL,
          line_count integer NOT NULL,
          columns jsonb NOT NULL,
          extra_columns jsonb NOT NULL,
          source text NOT NULL,
          content bytea NOT NULL,
          received_at timestamptz NOT NULL
        )`.execute(db);
      await sql`CREATE INDEX report_files_received ON report_files (received_at DESC)`.execute(db);
      await sql`
        CREATE TABLE report_lines (
          report_id text NOT NULL REFERENCES report_files (id),
          line integer NOT NULL,
          txn_id text NOT NULL,
          type text NOT NULL,
          payment_intent_id text,
          amount bigint NOT NULL,
          fee bigint NOT NULL,
          net bigint NOT NULL,
          currency text,
          status text,
          created_at text NOT NULL,
          transaction_at text,
          payout_id text,
          extra jsonb NOT NULL DEFAULT '{}'::jsonb,
          PRIMARY KEY (report_id, line)
        )`.execute(db);
      await sql`CREATE INDEX report_lines_payout ON report_lines (payout_id)`.execute(db);
      await sql`CREATE INDEX report_lines_intent ON report_lines (payment_intent_id)`.execute(db);
      // Payouts read from Fintoc's Payouts API, and what each one settles.
      await sql`
        CREATE TABLE payouts (
          id text PRIMARY KEY,
          amount bigint NOT NULL,
          currency text NOT NULL,
          status text NOT NULL,
          created_at timestamptz NOT NULL,
          succeeded_at timestamptz,
          body jsonb NOT NULL,
          fetched_at timestamptz NOT NULL
        )`.execute(db);
      await sql`CREATE INDEX payouts_created ON payouts (created_at DESC)`.execute(db);
      await sql`
        CREATE TABLE payout_resources (
          payout_id text NOT NULL REFERENCES payouts (id),
          resource_type text NOT NULL,
          id text NOT NULL,
          amount bigint NOT NULL,
          currency text,
          created_at text,
          resource_id text,
          PRIMARY KEY (payout_id, resource_type, id)
        )`.execute(db);
      // Differences the shop was already notified of (reconciliation.mismatch), by a stable key.
      await sql`
        CREATE TABLE reconciliation_notices (
          key text PRIMARY KEY,
          kind text NOT NULL,
          notification_id text NOT NULL,
          created_at timestamptz NOT NULL
        )`.execute(db);
      // A notification about reconciliation belongs to no single payment.
      await sql`ALTER TABLE notifications ALTER COLUMN payment_id DROP NOT NULL`.execute(db);
    },
  },
  '0007_checkout_sessions': {
    async up(db: Kysely<unknown>) {
      // How each payment is paid at Fintoc. Payments made before this migration keep the flow they
      // used (a payment intent and its widget token); new ones take FINTOC_FLOW or their own `flow`.
      await sql`ALTER TABLE payments ADD COLUMN flow text NOT NULL DEFAULT 'intent'
        CHECK (flow IN ('session', 'redirect', 'intent'))`.execute(db);
      // The current attempt's Checkout Session (session and redirect flows), what the checkout opens
      // (its token for the embedded widget, or Fintoc's page), and each attempt's own session.
      await sql`ALTER TABLE payments ADD COLUMN checkout_session_id text UNIQUE`.execute(db);
      await sql`ALTER TABLE payments ADD COLUMN session_token text`.execute(db);
      await sql`ALTER TABLE payments ADD COLUMN redirect_url text`.execute(db);
      await sql`ALTER TABLE payment_attempts ADD COLUMN checkout_session_id text`.execute(db);
      await sql`CREATE INDEX payment_attempts_session ON payment_attempts (checkout_session_id)`.execute(db);
    },
  },
};

class StaticProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return MIGRATIONS;
  }
}

/**
 * Applies every pending migration. On PostgreSQL, Kysely holds an advisory lock meanwhile, so
 * several instances starting at once migrate once.
 *
 * @example
 * const applied = await migrate(db); // ['0001_initial'] on a fresh database, [] after
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any schema: migrations predate the types
export async function migrate(db: Kysely<any>, opts: { to?: string } = {}): Promise<string[]> {
  const migrator = migratorOf(db);
  const { error, results } = opts.to ? await migrator.migrateTo(opts.to) : await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(
      `Database migration${failed ? ` ${failed}` : ''} failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** The names of the migrations not yet applied, in order (all of them on a new database). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any schema, as migrate()
export async function pendingMigrations(db: Kysely<any>): Promise<string[]> {
  const known = await migratorOf(db).getMigrations();
  return known.filter((m) => m.executedAt === undefined).map((m) => m.name);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any schema, as migrate()
function migratorOf(db: Kysely<any>): Migrator {
  return new Migrator({
    db,
    provider: new StaticProvider(),
    migrationTableName: 'pasarela_migrations',
    migrationLockTableName: 'pasarela_migrations_lock',
  });
}
