/** `application/x-www-form-urlencoded` bodies (the dashboard's sign-in form) parsed by `@fastify/formbody`. */
import formbody from '@fastify/formbody';
import fp from 'fastify-plugin';

export default fp(
  async (app) => {
    await app.register(formbody, { bodyLimit: 16 * 1024 });
  },
  { name: 'formbody' },
);
