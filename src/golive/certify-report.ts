/**
 * The certification report `pasarela certify` writes (`report.json`, schema
 * `pasarela.certify.report/v1`), as `check` judges it: known schema, passed, not a rehearsal, for the
 * service's country, and recent.
 */
import { z } from 'zod';

export const CERTIFY_REPORT_SCHEMA = 'pasarela.certify.report/v1';
/** Where `certify` writes by default, relative to the folder `check` runs in. */
export const DEFAULT_CERTIFY_REPORT = 'certify-report/report.json';
export const DEFAULT_CERTIFY_MAX_AGE_DAYS = 30;

const Scenario = z.looseObject({
  id: z.string(),
  title: z.string().optional(),
  required: z.boolean(),
  verdict: z.enum(['passed', 'failed', 'not_available', 'skipped']),
  reason: z.string().nullable().optional(),
});

/** The fields of `report.json` that `check` reads (others are kept and ignored). */
export const CertifyReportSchema = z.looseObject({
  schema: z.literal(CERTIFY_REPORT_SCHEMA),
  generated_at: z.iso.datetime({ offset: true }),
  country: z.enum(['cl', 'mx']),
  rehearsal: z.boolean(),
  passed: z.boolean(),
  fintoc: z.looseObject({ kind: z.string(), mode: z.string() }).partial().optional(),
  flow: z.string().nullable().optional(),
  scenarios: z.array(Scenario),
});
export type CertifyReport = z.infer<typeof CertifyReportSchema>;

export type CertifyVerdict =
  { ok: true; report: CertifyReport; summary: string } | { ok: false; problem: string; fix: string };

const RUN = 'run pasarela certify again';

/**
 * Judges a parsed `report.json` against the contract, one problem at a time in a fixed order
 * (schema, country, rehearsal, passed, age).
 *
 * @example
 * judgeCertifyReport(JSON.parse(text), { country: 'cl', now: new Date(), maxAgeDays: 30 });
 */
export function judgeCertifyReport(
  json: unknown,
  opts: { country: 'cl' | 'mx'; now: Date; maxAgeDays: number },
): CertifyVerdict {
  const schema = (json as { schema?: unknown } | null)?.schema;
  if (schema !== CERTIFY_REPORT_SCHEMA) {
    return {
      ok: false,
      problem: `the report's schema is ${JSON.stringify(schema ?? null)}, not "${CERTIFY_REPORT_SCHEMA}"`,
      fix: `${RUN} with this version of Pasarela so it writes a report check can read.`,
    };
  }
  const parsed = CertifyReportSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return {
      ok: false,
      problem: `the report is damaged (${issue.path.join('.') || 'root'}: ${issue.message})`,
      fix: `${RUN}; do not edit report.json by hand.`,
    };
  }
  const r = parsed.data;
  if (r.country !== opts.country) {
    return {
      ok: false,
      problem: `the report certifies ${r.country}, but the service is configured for ${opts.country} (PASARELA_COUNTRY)`,
      fix: `${RUN} with PASARELA_COUNTRY=${opts.country}, the country you go live in.`,
    };
  }
  if (r.rehearsal) {
    return {
      ok: false,
      problem: 'the report is a rehearsal (its abandonment timeout was shortened), not a certification',
      fix: `${RUN} without the rehearsal option, with the real 10-minute timeout.`,
    };
  }
  if (!r.passed) {
    const failed = r.scenarios.filter((s) => s.required && s.verdict !== 'passed').map((s) => s.id);
    return {
      ok: false,
      problem: `the report did not pass${failed.length ? ` (required scenarios not passed: ${failed.join(', ')})` : ''}`,
      fix: `fix what report.md says for each of them, then ${RUN}.`,
    };
  }
  const generated = new Date(r.generated_at);
  const ageDays = (opts.now.getTime() - generated.getTime()) / 86_400_000;
  if (ageDays < -1) {
    return {
      ok: false,
      problem: `the report says it was generated on ${r.generated_at}, in the future`,
      fix: `check this machine's clock, then ${RUN}.`,
    };
  }
  if (ageDays > opts.maxAgeDays) {
    return {
      ok: false,
      problem: `the report is ${Math.floor(ageDays)} days old (generated ${r.generated_at.slice(0, 10)}); check accepts ${opts.maxAgeDays} days at most`,
      fix: `${RUN} so the certification reflects the integration you are taking live.`,
    };
  }
  const required = r.scenarios.filter((s) => s.required).length;
  return {
    ok: true,
    report: r,
    summary: `a passing certification for ${r.country} from ${r.generated_at.slice(0, 10)} (${required} required scenarios passed${r.fintoc?.kind ? `, against ${r.fintoc.kind === 'fintoc' ? `Fintoc's ${r.fintoc.mode ?? ''} mode`.replace(/ {2,}/g, ' ') : 'the sandbox'}` : ''})`,
  };
}
