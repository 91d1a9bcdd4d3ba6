/**
 * The report's three files: `report.json` (the contract), `report.md` and `report.html` (one
 * self-contained page: styles and screenshots inline, readable on a phone). The first line of each
 * says what the report is; a rehearsal says it is not a certification. No secret key is ever
 * written: everything passes a last redaction.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CertifyError } from './errors.js';
import { formatMs, headline, type CertifyReport, type ScenarioResult, type Verdict } from './report.js';

const SECRET = /\b(sk_(?:live|test)_|whsec_)[A-Za-z0-9+/=_-]+/g;

/** Replaces anything shaped like a secret key by its prefix and `[REDACTED]`. */
export function redact(text: string): string {
  return text.replace(SECRET, (_m, prefix: string) => `${prefix}[REDACTED]`);
}

const MARK: Record<Verdict, string> = {
  passed: 'PASSED',
  failed: 'FAILED',
  not_available: 'NOT AVAILABLE',
  skipped: 'SKIPPED',
};

function country(report: CertifyReport): string {
  return report.country === 'cl' ? 'Chile' : 'Mexico';
}

function facts(report: CertifyReport): Array<[string, string]> {
  return [
    [
      'Target',
      `${report.target.kind === 'bundled' ? "Pasarela's bundled service" : 'shop'} at ${report.target.url}`,
    ],
    [
      'Fintoc',
      `${report.fintoc.kind === 'sandbox' ? 'Pasarela sandbox' : "Fintoc's API"} at ${report.fintoc.api_url} (${report.fintoc.mode} mode)`,
    ],
    ['Country', country(report)],
    ['Flow', report.flow ?? 'unknown'],
    [
      'Abandonment timeout',
      `${formatMs(report.abandon_after_ms)} + ${formatMs(report.tolerance_ms)} tolerance, ${report.clocks === 'test' ? 'proven on test clocks (sandbox and service)' : 'waited in real time'}`,
    ],
    ['Hardening', report.strict ? 'required (--strict)' : 'reported, not required'],
    ['Pasarela', report.pasarela_version],
    ['Generated', report.generated_at],
    ['Duration', `${(report.duration_ms / 1000).toFixed(1)} s`],
  ];
}

/** report.md */
export function renderMarkdown(report: CertifyReport): string {
  const lines: string[] = [headline(report), '', '# Fintoc certification report', ''];
  for (const [k, v] of facts(report)) lines.push(`- **${k}:** ${v}`);
  lines.push('', '| scenario | required | verdict | why |', '| --- | --- | --- | --- |');
  for (const s of report.scenarios) {
    lines.push(
      `| \`${s.id}\` | ${s.required ? 'yes' : 'no'} | ${MARK[s.verdict]} | ${s.reason.replace(/\|/g, '\\|')} |`,
    );
  }
  for (const s of report.scenarios) {
    lines.push('', `## ${s.id}: ${MARK[s.verdict]}`, '', s.title, '', `**${s.reason}**`);
    if (s.evidence.length > 0) {
      lines.push('');
      for (const e of s.evidence) {
        const mark = e.ok === true ? '✓ ' : e.ok === false ? '✗ ' : '';
        lines.push(`- ${e.at ? `\`${e.at}\` ` : ''}${e.source}: ${mark}${e.text}`);
      }
    }
    for (const shot of s.screenshots) lines.push('', `![${shot.caption}](${shot.file})`);
  }
  return redact(`${lines.join('\n')}\n`);
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (t: string) => t.replace(/[&<>"']/g, (c) => ESC[c] ?? c);

const CSS = `
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1f36;background:#f4f5f8}
main{max-width:960px;margin:0 auto;padding:16px}
.banner{padding:14px 16px;border-radius:10px;font-weight:600;margin:0 0 16px}
.banner.passed{background:#e7f7ee;color:#0b6b3a}.banner.failed{background:#fdecec;color:#a4161a}.banner.rehearsal{background:#fff4e5;color:#7a4100}
h1{font-size:22px;margin:8px 0 12px}h2{font-size:17px;margin:0 0 6px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 12px;background:#fff;border:1px solid #e3e6ee;border-radius:10px;padding:12px 16px;margin:0 0 16px}
dt{color:#697386}dd{margin:0;word-break:break-word}
table{width:100%;border-collapse:collapse;background:#fff;border:1px solid #e3e6ee;border-radius:10px;overflow:hidden;margin:0 0 16px}
th,td{text-align:left;padding:8px 10px;border-bottom:1px solid #eef0f5;vertical-align:top}td code{white-space:nowrap}th{background:#f6f8fa;font-size:13px;color:#697386}
.v{display:inline-block;padding:1px 8px;border-radius:999px;font-size:12px;font-weight:700;white-space:nowrap}
.v.passed{background:#e7f7ee;color:#0b6b3a}.v.failed{background:#fdecec;color:#a4161a}.v.not_available{background:#eef0f5;color:#3c4257}.v.skipped{background:#f6f8fa;color:#697386}
section{background:#fff;border:1px solid #e3e6ee;border-radius:10px;padding:14px 16px;margin:0 0 12px}
.reason{font-weight:600;margin:6px 0}.title{color:#3c4257;margin:0}
ol{padding-left:20px;margin:8px 0}li{margin:2px 0;word-break:break-word}
time{color:#697386;font-size:12px;font-family:ui-monospace,monospace}.src{display:inline-block;min-width:58px;color:#697386;font-size:12px}
.ok{color:#0b6b3a}.no{color:#a4161a;font-weight:600}
figure{margin:8px 0;display:inline-block;max-width:100%;vertical-align:top}figure img{max-width:100%;max-height:520px;border:1px solid #e3e6ee;border-radius:6px}
figcaption{font-size:12px;color:#697386}
@media (max-width:600px){.hide-sm{display:none}dl{grid-template-columns:1fr}dt{font-size:12px}}
`;

/** report.html: one file, screenshots inline as data URIs. */
export function renderHtml(report: CertifyReport, screenshots: Map<string, Buffer>): string {
  const banner = report.rehearsal ? 'rehearsal' : report.passed ? 'passed' : 'failed';
  const row = (s: ScenarioResult) =>
    `<tr><td><a href="#${s.id}"><code>${esc(s.id)}</code></a></td><td class="hide-sm">${s.required ? 'required' : s.hardening ? 'hardening' : 'not required'}</td>` +
    `<td><span class="v ${s.verdict}">${MARK[s.verdict]}</span></td><td>${esc(s.reason)}</td></tr>`;
  const section = (s: ScenarioResult) => {
    const evidence = s.evidence
      .map((e) => {
        const cls = e.ok === true ? 'ok' : e.ok === false ? 'no' : '';
        const mark = e.ok === true ? '✓ ' : e.ok === false ? '✗ ' : '';
        return `<li>${e.at ? `<time>${esc(e.at.replace('T', ' ').replace('Z', ''))}</time> ` : ''}<span class="src">${esc(e.source)}</span> <span class="${cls}">${mark}${esc(e.text)}</span></li>`;
      })
      .join('');
    const shots = s.screenshots
      .map((shot) => {
        const image = screenshots.get(shot.file);
        const src = image ? `data:image/jpeg;base64,${image.toString('base64')}` : esc(shot.file);
        return `<figure><img src="${src}" alt="${esc(shot.caption)}" loading="lazy"><figcaption>${esc(shot.caption)}</figcaption></figure>`;
      })
      .join('');
    return (
      `<section id="${s.id}"><h2><code>${esc(s.id)}</code> <span class="v ${s.verdict}">${MARK[s.verdict]}</span></h2>` +
      `<p class="title">${esc(s.title)}</p><p class="reason">${esc(s.reason)}</p>` +
      (evidence ? `<ol>${evidence}</ol>` : '') +
      shots +
      `</section>`
    );
  };
  const html =
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>Fintoc certification report: ${esc(report.passed ? 'passed' : 'failed')}</title><style>${CSS}</style></head><body><main>` +
    `<p class="banner ${banner}" data-testid="headline">${esc(headline(report))}</p>` +
    `<h1>Fintoc certification report</h1><dl>${facts(report)
      .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`)
      .join('')}</dl>` +
    `<table><thead><tr><th>scenario</th><th class="hide-sm">kind</th><th>verdict</th><th>why</th></tr></thead><tbody>${report.scenarios
      .map(row)
      .join('')}</tbody></table>` +
    report.scenarios.map(section).join('') +
    `</main></body></html>\n`;
  return redact(html);
}

/**
 * Writes report.json, report.md, report.html and the screenshots into `dir` (created if needed).
 *
 * @example
 * writeReport('./certify-report', result.report, result.screenshots);
 */
export function writeReport(dir: string, report: CertifyReport, screenshots: Map<string, Buffer>): string[] {
  try {
    // The screenshots folder is the report's own: an earlier run's pictures must not linger in it.
    rmSync(join(dir, 'screenshots'), { recursive: true, force: true });
    mkdirSync(join(dir, 'screenshots'), { recursive: true });
    const files: Array<[string, string | Buffer]> = [
      ['report.json', redact(`${JSON.stringify(report, null, 2)}\n`)],
      ['report.md', renderMarkdown(report)],
      ['report.html', renderHtml(report, screenshots)],
      ...[...screenshots.entries()],
    ];
    for (const [name, content] of files) writeFileSync(join(dir, name), content);
    return files.map(([name]) => join(dir, name));
  } catch (err) {
    throw new CertifyError(
      'report_write_failed',
      `Cannot write the report into ${dir}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}

/** The terminal's summary table. */
export function summaryTable(report: CertifyReport): string {
  const width = Math.max(...report.scenarios.map((s) => s.id.length));
  const lines = [headline(report), ''];
  for (const s of report.scenarios) {
    lines.push(
      `  ${s.id.padEnd(width)}  ${MARK[s.verdict].padEnd(13)} ${s.required ? '' : '(not required) '}${s.reason}`,
    );
  }
  return redact(`${lines.join('\n')}\n`);
}
