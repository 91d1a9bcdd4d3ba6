import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { postgresSkipReason, startPostgres, type TestPostgres } from './postgres.js';
import { launchChromium, skipWithoutChromium } from './chromium.js';

const pgReason = postgresSkipReason();
if (pgReason) console.warn(`[skip] test PostgreSQL: ${pgReason}`);

describe.skipIf(pgReason !== null)('throwaway PostgreSQL', () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());

  it('accepts connections and creates databases', async () => {
    const url = server.createDatabase('support_check');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query<{ n: number }>('select 40 + 2 as n');
    await client.end();
    expect(rows[0]?.n).toBe(42);
  });
});

describe.skipIf(skipWithoutChromium('chromium support'))('Chromium', () => {
  it('renders a page', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.setContent('<h1>hola</h1>');
      expect(await page.textContent('h1')).toBe('hola');
    } finally {
      await browser.close();
    }
  });
});
