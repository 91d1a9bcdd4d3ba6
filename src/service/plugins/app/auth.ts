/**
 * Who may call what: `app.requireApiKey`, the `onRequest` hook of every route the shop backend
 * calls (bearer `PASARELA_API_KEY`, compared in constant time), and `app.dashboardAuth`, the
 * secrets that open the dashboard (the API key, and `PASARELA_DASHBOARD_PASSWORD` when set).
 */
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { ServiceConfig } from '../../config.js';
import { ServiceError } from '../../errors.js';
import { secretMatches } from '../../routes/dashboard/auth.js';

export interface DashboardAuth {
  secrets: readonly string[];
  /** Mark the session cookie Secure (the service is reached over https). */
  secureCookies: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    requireApiKey(request: FastifyRequest): Promise<void>;
    dashboardAuth: DashboardAuth;
  }
}

export default fp<{ config: ServiceConfig }>(
  async (app, { config }) => {
    app.decorate('requireApiKey', async (request: FastifyRequest) => {
      const m = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '');
      if (!m || !secretMatches([config.apiKey], m[1]!.trim())) {
        throw new ServiceError(
          'unauthorized',
          'Missing or wrong API key: send Authorization: Bearer <PASARELA_API_KEY>.',
        );
      }
    });
    app.decorate('dashboardAuth', {
      secrets: (config.dashboardPassword
        ? [config.apiKey, config.dashboardPassword]
        : [config.apiKey]
      ).filter((s) => s.length > 0),
      secureCookies: config.publicUrl.startsWith('https:'),
    });
  },
  { name: 'auth' },
);
