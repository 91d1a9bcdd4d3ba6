/**
 * Security headers on every answer (`@fastify/helmet`): a CSP that allows nothing by default (JSON
 * answers need none), no framing, no referrer, `nosniff`; HSTS only when the service is reached over
 * https. Pages widen the CSP for what they load with their route's `helmet` option
 * (`contentSecurityPolicy.directives`), never by writing the header themselves.
 */
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import fp from 'fastify-plugin';

/** The policy of an answer that loads nothing: JSON, redirects, errors. */
export const BASE_CSP = {
  defaultSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

export default fp<{ https: boolean }>(
  async (app, opts) => {
    const options: FastifyHelmetOptions = {
      global: true,
      contentSecurityPolicy: { useDefaults: false, directives: BASE_CSP },
      referrerPolicy: { policy: 'no-referrer' },
      frameguard: { action: 'deny' },
      strictTransportSecurity: opts.https ? { maxAge: 15_552_000 } : false,
      crossOriginEmbedderPolicy: false,
      // The checkout's browser module may run on the shop's own origin (see routes/pay).
      crossOriginResourcePolicy: { policy: 'cross-origin' },
    };
    await app.register(helmet, options);
  },
  { name: 'helmet' },
);
