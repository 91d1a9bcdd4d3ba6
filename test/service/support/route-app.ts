/**
 * A Fastify app with the service's external plugins and error handling but none of its parts, for
 * testing one route plugin against fakes: the test decorates what the routes read (`checkout`,
 * `dashboard`, `dashboardAuth`, `demo`) and registers the routes. Rate limits count in memory here.
 */
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler } from 'fastify-type-provider-zod';
import { validatorCompiler } from '../../../src/service/http/validation.js';
import errorsPlugin from '../../../src/service/plugins/app/errors.js';
import cookiePlugin from '../../../src/service/plugins/external/cookie.js';
import formbodyPlugin from '../../../src/service/plugins/external/formbody.js';
import helmetPlugin from '../../../src/service/plugins/external/helmet.js';

export async function routeTestApp(decorations: Record<string, unknown>): Promise<FastifyInstance> {
  const app = Fastify();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(helmetPlugin, { https: false });
  await app.register(cookiePlugin);
  await app.register(formbodyPlugin);
  await app.register(rateLimit, { global: false });
  await app.register(errorsPlugin);
  for (const [name, value] of Object.entries(decorations)) app.decorate(name, value);
  return app;
}
