/**
 * The report channels the service watches: a folder (`PASARELA_REPORTS_DIR`) and a maildir
 * (`PASARELA_REPORTS_MAILDIR`), polled every few seconds. A folder's files stay where they are
 * (each is read once it has kept the same size and time for one poll; a file with bytes already
 * taken is stored once); a maildir's new mails are read and moved to `cur/` marked seen, as a mail
 * reader does. A file that cannot be read is logged and listed (`rejections`), never half-stored.
 */
import { mkdir, readdir, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../payments/index.js';
import { ServiceError } from '../errors.js';
import type { ReportIntake, ReportSource } from './intake.js';
import { mailAttachments } from './mail.js';

/** A file a channel could not take. */
export interface IntakeRejection {
  at: string;
  source: ReportSource;
  /** The file (or mail, and its attachment). */
  name: string;
  code: string;
  message: string;
  line: number | null;
  column: number | null;
}

export interface WatchOptions {
  dir: string | null;
  maildir: string | null;
  /** Between scans; default 2 s. */
  pollMs?: number;
}

/** At most this many files are read in one scan of one channel (the rest wait for the next). */
const FILES_PER_SCAN = 200;
const MAX_REJECTIONS = 50;

export class ReportWatcher {
  /** The latest files refused, newest first. */
  readonly rejections: IntakeRejection[] = [];
  readonly counters = { taken: 0, duplicates: 0, rejected: 0 };
  private timer: NodeJS.Timeout | null = null;
  private scanning: Promise<void> | null = null;
  /** Folder files by name: their size and time when last seen, and whether they were handled. */
  private readonly seen = new Map<string, { sig: string; handled: boolean }>();

  constructor(
    private readonly intake: ReportIntake,
    private readonly options: WatchOptions,
    private readonly log: Logger,
  ) {}

  get enabled(): boolean {
    return this.options.dir !== null || this.options.maildir !== null;
  }

  /** Starts polling (no-op when no channel is configured). */
  start(): void {
    if (!this.enabled || this.timer) return;
    const tick = () => {
      this.scanning = this.scan()
        .then(() => undefined)
        .catch((err: unknown) => this.log.error({ err: String(err) }, 'report watch failed'))
        .finally(() => {
          this.scanning = null;
          if (this.timer) this.timer = setTimeout(tick, this.options.pollMs ?? 2_000);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.scanning;
  }

  /** One scan of every channel; answers how many files were taken or found already taken. */
  async scan(): Promise<number> {
    let n = 0;
    if (this.options.dir) n += await this.scanFolder(this.options.dir);
    if (this.options.maildir) n += await this.scanMaildir(this.options.maildir);
    return n;
  }

  private reject(source: ReportSource, name: string, err: unknown): void {
    this.counters.rejected++;
    const extra = err instanceof ServiceError ? (err.extra ?? {}) : {};
    const rejection: IntakeRejection = {
      at: new Date().toISOString(),
      source,
      name,
      code: err instanceof ServiceError ? String(extra.report_error ?? err.code) : 'unreadable',
      message: err instanceof Error ? err.message : String(err),
      line: typeof extra.line === 'number' ? extra.line : null,
      column: typeof extra.column === 'number' ? extra.column : null,
    };
    this.rejections.unshift(rejection);
    this.rejections.length = Math.min(this.rejections.length, MAX_REJECTIONS);
    this.log.warn(
      { source, file: name, code: rejection.code, line: rejection.line, column: rejection.column },
      'report file refused',
    );
  }

  /** Takes one file; a refusal is recorded, a failure of the store is thrown (tried again later). */
  private async take(bytes: Buffer, filename: string, source: ReportSource, name: string): Promise<boolean> {
    try {
      const result = await this.intake.receive(bytes, { filename, source });
      if (result.duplicate) this.counters.duplicates++;
      else {
        this.counters.taken++;
        this.log.info(
          { source, file: name, report_id: result.file.id, lines: result.file.line_count },
          'report file taken',
        );
      }
      return true;
    } catch (err) {
      if (err instanceof ServiceError && err.status < 500) {
        this.reject(source, name, err);
        return false;
      }
      throw err;
    }
  }

  private async scanFolder(dir: string): Promise<number> {
    let names: string[];
    try {
      names = (await readdir(dir)).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
    let n = 0;
    const present = new Set(names);
    for (const name of this.seen.keys()) if (!present.has(name)) this.seen.delete(name);
    for (const name of names) {
      if (n >= FILES_PER_SCAN) break;
      if (name.startsWith('.') || name.endsWith('.tmp')) continue;
      const path = join(dir, name);
      let sig: string;
      try {
        const st = await stat(path);
        if (!st.isFile()) continue;
        sig = `${st.size}:${st.mtimeMs}`;
      } catch {
        continue;
      }
      const before = this.seen.get(name);
      if (!before || before.sig !== sig) {
        // New or still changing: taken once it stays the same for one poll.
        this.seen.set(name, { sig, handled: false });
        continue;
      }
      if (before.handled) continue;
      const bytes = await readFile(path);
      await this.take(bytes, name, 'folder', name);
      before.handled = true;
      n++;
    }
    return n;
  }

  private async scanMaildir(maildir: string): Promise<number> {
    const fresh = join(maildir, 'new');
    let names: string[];
    try {
      names = (await readdir(fresh)).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
    let n = 0;
    for (const name of names.slice(0, FILES_PER_SCAN)) {
      if (name.startsWith('.')) continue;
      const path = join(fresh, name);
      let raw: Buffer;
      try {
        raw = await readFile(path);
      } catch {
        continue; // taken by another instance meanwhile
      }
      const files = mailAttachments(raw).filter(
        (a) => a.contentType === 'text/csv' || (a.filename ?? '').toLowerCase().endsWith('.csv'),
      );
      let flags = 'S';
      if (files.length === 0) {
        this.log.info({ mail: name }, 'mail without a report file attached; marked seen');
      }
      for (const [i, file] of files.entries()) {
        const ok = await this.take(
          file.content,
          file.filename ?? `${name}-${i + 1}.csv`,
          'maildir',
          `${name} ${file.filename ?? `#${i + 1}`}`,
        );
        if (!ok) flags = 'FS';
      }
      // Maildir: a message read moves to cur/ with its flags (S seen; F flagged when a file was refused).
      await mkdir(join(maildir, 'cur'), { recursive: true });
      const base = name.includes(':') ? name.slice(0, name.indexOf(':')) : name;
      await rename(path, join(maildir, 'cur', `${base}:2,${flags}`)).catch(
        async (err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw err;
        },
      );
      n++;
    }
    return n;
  }
}
