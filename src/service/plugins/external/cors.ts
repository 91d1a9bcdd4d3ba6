/**
 * CORS by `@fastify/cors`, for the checkout's JSON endpoints only: the browser module may run on the
 * shop's own origin, and those endpoints carry no ambient authority (no cookies; the unguessable
 * payment id is the key), so any origin may call them. Nothing else answers another origin.
 */
import cors from '@fastify/cors';
import fp from 'fastify-plugin';

/** The checkout endpoints the browser module calls. */
export const CHECKOUT_JSON_ENDPOINT = /^\/pay\/[^/]+\/(session|status|events|attempts)$/;

export default fp(
  async (app) => {
    await app.register(cors, {
      hideOptionsRoute: true,
      delegator: (request, callback) => {
        const path = (request.url ?? '').split('?')[0] ?? '';
        if (!CHECKOUT_JSON_ENDPOINT.test(path)) return callback(null, { origin: false });
        callback(null, {
          origin: '*',
          methods: ['GET', 'POST'],
          allowedHeaders: ['content-type'],
          maxAge: 600,
          credentials: false,
        });
      },
    });
  },
  { name: 'cors' },
);
