/** Who signs in to the dashboard of a running service: the API key, and PASARELA_DASHBOARD_PASSWORD when set. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, startHarness, type Harness } from './support/harness.js';

const PASSWORD = 'staff password 2026';
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ merchant: false, env: { PASARELA_DASHBOARD_PASSWORD: PASSWORD } });
});
afterAll(async () => {
  await h.close();
});

const login = (secret: string) =>
  h.app.inject({
    method: 'POST',
    url: '/dashboard/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `secret=${encodeURIComponent(secret)}`,
  });

describe('dashboard sign-in', () => {
  it('accepts the dashboard password and the API key, and nothing else', async () => {
    for (const secret of [PASSWORD, API_KEY]) {
      const res = await login(secret);
      expect(res.statusCode).toBe(303);
      const cookie = String(res.headers['set-cookie']).split(';')[0]!;
      const page = await h.app.inject({ url: '/dashboard', headers: { cookie } });
      expect(page.statusCode).toBe(200);
      expect(page.body).not.toContain(PASSWORD);
    }
    expect((await login('staff password 2025')).statusCode).toBe(401);
  });
});
