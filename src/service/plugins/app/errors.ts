/**
 * Every error answer, in one place: a thrown {@link ServiceError} (from a handler, the validator
 * compiler or a hook) is sent as its envelope; Fastify's own errors (a body that is not JSON, too
 * large, of another type) become the service's codes; anything else is `internal_error`, logged
 * with the request id. A client's mistake is logged below error. Unknown routes get `not_found`,
 * except a customer's page under `/pay/` (routes/pay's not-found page).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { isResponseSerializationError } from 'fastify-type-provider-zod';
import { ServiceError } from '../../errors.js';
import { clip } from '../../text.js';

/** A page the not-found handler answers instead of the envelope, for the URLs it wants. */
export interface NotFoundPage {
  wants(request: FastifyRequest): boolean;
  send(reply: FastifyReply): FastifyReply;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The code a body over this route's limit gets (default `payload_too_large`). */
    tooLargeCode?: 'payload_too_large' | 'browser_event_too_large';
  }
  interface FastifyInstance {
    /** Pages answered for unknown URLs under their prefix (registered by the routes that own them). */
    notFoundPages: NotFoundPage[];
  }
}

/** Fastify's errors and anything unexpected, as the service's error. */
export function toServiceError(error: FastifyError | Error): ServiceError {
  if (error instanceof ServiceError) return error;
  const e = error as FastifyError;
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ServiceError('payload_too_large', 'The request body is too large.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ServiceError('unsupported_media_type', 'Send Content-Type: application/json.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ServiceError(
        'invalid_json',
        'The body is not valid JSON (nor may it hold a __proto__ or constructor key).',
      );
  }
  if (error instanceof SyntaxError || (e.statusCode === 400 && /JSON/i.test(e.message))) {
    return new ServiceError(
      'invalid_json',
      'The body is not valid JSON (nor may it hold a __proto__ or constructor key).',
    );
  }
  if (e.statusCode === 413) return new ServiceError('payload_too_large', 'The request body is too large.');
  if (e.statusCode === 415)
    return new ServiceError('unsupported_media_type', 'Send Content-Type: application/json.');
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    return new ServiceError('invalid_parameter', clip(e.message));
  }
  return new ServiceError(
    'internal_error',
    'Something went wrong on our side; the request id is in the log.',
  );
}

/** The URL the router could not read, answered like an unknown one (used by `frameworkErrors`). */
export function unreadableUrl(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply): void {
  request.log.info('unreadable URL');
  const page = app.notFoundPages.find((p) => p.wants(request));
  if (page) {
    void page.send(reply);
    return;
  }
  void reply
    .code(400)
    .send(
      new ServiceError(
        'invalid_url',
        `The URL ${clip(request.url)} cannot be read: percent-encoding must decode to UTF-8 and each path segment is at most 100 characters.`,
      ).toJSON(),
    );
}

export default fp(
  async (app) => {
    app.decorate('notFoundPages', []);
    app.setErrorHandler((error: FastifyError, request, reply) => {
      let e = toServiceError(error);
      const tooLarge = request.routeOptions.config?.tooLargeCode;
      if (e.code === 'payload_too_large' && tooLarge === 'browser_event_too_large') {
        e = new ServiceError('browser_event_too_large', 'Send fewer events at once.');
      }
      if (e.status >= 500) {
        const why = isResponseSerializationError(error) ? 'answer outside its schema' : 'request failed';
        request.log.error({ err: error }, why);
      } else request.log.info({ code: e.code }, 'request refused');
      if (e.status === 429 && e.extra?.retry_after_s !== undefined) {
        reply.header('retry-after', String(e.extra.retry_after_s));
      }
      return reply.code(e.status).header('cache-control', 'no-store').send(e.toJSON());
    });
    app.setNotFoundHandler((request, reply) => {
      const page = app.notFoundPages.find((p) => p.wants(request));
      if (page) return page.send(reply);
      return reply
        .code(404)
        .send(
          new ServiceError(
            'not_found',
            `No route ${request.method} ${clip(request.url.split('?')[0] ?? '')}.`,
          ).toJSON(),
        );
    });
  },
  { name: 'errors' },
);
