/**
 * `@fastify/cookie` for the dashboard's session: `app.parseCookie` and `reply.setCookie`. Cookies
 * are parsed where they are read (`hook: false`), not on every request the service answers. Its
 * parser leaves a value whose percent-encoding does not decode (anyone can send `%E0%A4%A`) as
 * sent: never an exception.
 */
import cookie from '@fastify/cookie';
import fp from 'fastify-plugin';

export default fp(
  async (app) => {
    await app.register(cookie, { hook: false });
  },
  { name: 'cookie' },
);
