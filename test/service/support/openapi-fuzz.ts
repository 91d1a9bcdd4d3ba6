/**
 * Requests generated from an OpenAPI 3.1 document, and answers checked against it: the service's
 * contract fuzzed from the same schemas it publishes. For each operation, fast-check builds requests
 * that follow the schemas (so handlers are reached) and requests with one part broken (a parameter
 * of the wrong type or shape, a missing required field, an unknown key, hostile text); every answer
 * must be below 500, have a status the document declares for that operation, and a body its schema
 * accepts (JSON Schema 2020-12, checked with Ajv).
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import fc from 'fast-check';

// Only the parts of OpenAPI 3.1 and JSON Schema this generator reads.
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  maxProperties?: number;
  $ref?: string;
  [key: string]: unknown;
}

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonSchema;
}

export interface OpenApiOperation {
  parameters?: OpenApiParameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }> };
  responses?: Record<string, { content?: Record<string, { schema?: JsonSchema }> }>;
  security?: unknown[];
}

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

export interface GeneratedRequest {
  method: string;
  /** The path with its parameters filled in and percent-encoded, plus the query string. */
  url: string;
  headers: Record<string, string>;
  /** JSON text, or undefined for no body. */
  payload?: string;
  /** What was broken, for the failure message (`valid` when nothing). */
  broken: string;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Text that has broken services: NUL, lone surrogates, RTL marks, long runs, JSON and SQL fragments. */
const hostileText = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\ud800',
    '\udc00x',
    '\u202e',
    '%',
    '%E0%A4%A',
    '../../etc/passwd',
    "' OR 1=1 --",
    '{"a":1}',
    '__proto__',
    'constructor',
    'null',
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ minLength: 300, maxLength: 600 }),
);

/** Any JSON value at all, hostile text included. */
const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, 1e300, -0, Number.MAX_SAFE_INTEGER + 2),
  hostileText,
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
);

/**
 * An arbitrary of values that follow `schema` (the subset of JSON Schema that zod writes: types,
 * bounds, patterns, enums, objects, arrays, unions).
 */
export function valueOf(schema: JsonSchema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 6) return fc.jsonValue({ maxDepth: 2 });
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const union = schema.anyOf ?? schema.oneOf;
  if (union && union.length > 0) return fc.oneof(...union.map((s) => valueOf(s, depth + 1)));
  if (schema.allOf && schema.allOf.length === 1) return valueOf(schema.allOf[0], depth + 1);
  const type = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (type.length > 1) return fc.oneof(...type.map((t) => valueOf({ ...schema, type: t }, depth + 1)));
  switch (type[0]) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer': {
      const min =
        schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : -1e9);
      const max =
        schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : 1e9);
      return fc.integer({
        min: Math.max(min, Number.MIN_SAFE_INTEGER),
        max: Math.min(max, Number.MAX_SAFE_INTEGER),
      });
    }
    case 'number':
      return fc.double({
        min: schema.minimum ?? schema.exclusiveMinimum ?? -1e9,
        max: schema.maximum ?? schema.exclusiveMaximum ?? 1e9,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'string':
      return stringOf(schema);
    case 'array':
      return fc.array(valueOf(schema.items, depth + 1), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 3, 3),
      });
    case 'object':
      return objectOf(schema, depth);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function stringOf(schema: JsonSchema): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.min(schema.maxLength ?? 40, Math.max(minLength, 40));
  if (schema.format === 'email')
    return fc.emailAddress().filter((e) => e.length <= (schema.maxLength ?? 254));
  if (schema.format === 'date-time') return fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
  if (schema.pattern) {
    return fc
      .stringMatching(new RegExp(schema.pattern))
      .filter((s) => s.length >= minLength && s.length <= (schema.maxLength ?? Infinity));
  }
  return fc.string({ minLength, maxLength });
}

function objectOf(schema: JsonSchema, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const shape: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, s] of Object.entries(properties)) shape[name] = valueOf(s, depth + 1);
  const known = fc.record(shape, { requiredKeys: [...required].filter((k) => k in shape) });
  if (Object.keys(properties).length > 0 || schema.additionalProperties === false) return known;
  // A record (metadata): keys and values from their own schemas.
  const values = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
  return fc.dictionary(
    schema.propertyNames ? stringOf(schema.propertyNames) : fc.string({ maxLength: 10 }),
    valueOf(values, depth + 1),
    { maxKeys: Math.min(schema.maxProperties ?? 3, 3) },
  );
}

/** A value that follows `schema`, with one thing broken somewhere (or, for a scalar, any JSON instead). */
export function brokenValueOf(
  schema: JsonSchema | undefined,
): fc.Arbitrary<{ value: unknown; broken: string }> {
  const props = schema?.properties;
  if (!schema || !props || Object.keys(props).length === 0) {
    return anyJson.map((value) => ({ value, broken: 'any JSON in place of the value' }));
  }
  const names = Object.keys(props);
  const required = schema.required ?? [];
  const whole = valueOf(schema) as fc.Arbitrary<Record<string, unknown>>;
  const replaced = fc.tuple(whole, fc.constantFrom(...names), anyJson).map(([v, name, bad]) => ({
    value: { ...v, [name]: bad },
    broken: `${name} replaced by ${preview(bad)}`,
  }));
  const extra = fc
    .tuple(
      whole,
      fc.oneof(fc.constantFrom('__proto__', 'constructor', 'colour'), fc.string({ maxLength: 10 })),
      anyJson,
    )
    .filter(([, k]) => !names.includes(k))
    .map(([v, k, bad]) => ({ value: { ...v, [k]: bad }, broken: `unknown key ${preview(k)}` }));
  const arbitraries = [replaced, extra];
  if (required.length > 0) {
    arbitraries.push(
      fc.tuple(whole, fc.constantFrom(...required)).map(([v, name]) => {
        const rest = { ...v };
        delete rest[name];
        return { value: rest, broken: `required ${name} left out` };
      }),
    );
  }
  return fc.oneof(...arbitraries);
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** The operations of a document, as `[method, path, operation]`. */
export function operationsOf(doc: OpenApiDocument): Array<[string, string, OpenApiOperation]> {
  const ops: Array<[string, string, OpenApiOperation]> = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (op) ops.push([method.toUpperCase(), path, op]);
    }
  }
  return ops;
}

/** Percent-encodes the UTF-8 bytes of a path segment (a lone surrogate becomes U+FFFD, as in any client). */
function encodePathSegment(value: string): string {
  return [...Buffer.from(value, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9\-._~]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}

function asText(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
}

/**
 * Requests for one operation: mostly valid, some with one part broken. `known` supplies real values
 * for path parameters (ids that exist), so the happy path is reached too.
 */
export function requestsFor(
  method: string,
  path: string,
  op: OpenApiOperation,
  options: { headers?: Record<string, string>; known?: Record<string, string[]> } = {},
): fc.Arbitrary<GeneratedRequest> {
  const params = op.parameters ?? [];
  const bodySchema = op.requestBody?.content?.['application/json']?.schema;
  const paramValue = (p: OpenApiParameter) => {
    const real = options.known?.[p.name];
    const generated = valueOf(p.schema).map(asText);
    return real && real.length > 0 ? fc.oneof(fc.constantFrom(...real), generated) : generated;
  };
  const valid = fc.record({
    values: fc.record(Object.fromEntries(params.map((p) => [`${p.in}:${p.name}`, paramValue(p)]))),
    present: fc.record(
      Object.fromEntries(
        params.map((p) => [`${p.in}:${p.name}`, p.required ? fc.constant(true) : fc.boolean()]),
      ),
    ),
    body: bodySchema
      ? valueOf(bodySchema).map((v) => ({ value: v as unknown, broken: 'valid' }))
      : fc.constant(undefined),
  });
  const brokenBody = bodySchema
    ? fc.record({
        values: valid.map((v) => v.values),
        body: fc.oneof(
          brokenValueOf(bodySchema),
          anyJson.map((value) => ({ value, broken: `body replaced by ${preview(value)}` })),
        ),
      })
    : null;
  const brokenParam =
    params.length > 0
      ? fc
          .tuple(valid, fc.constantFrom(...params), fc.oneof(hostileText, anyJson.map(asText)))
          .map(([v, p, bad]) => ({
            ...v,
            values: { ...v.values, [`${p.in}:${p.name}`]: bad },
            brokenParam: `${p.in} ${p.name} = ${preview(bad)}`,
          }))
      : null;
  const variants: Array<fc.Arbitrary<GeneratedRequest>> = [
    valid.map((v) => build(v.values, v.present, v.body, 'valid')),
  ];
  if (brokenBody) variants.push(brokenBody.map((v) => build(v.values, {}, v.body, v.body.broken)));
  if (brokenParam) variants.push(brokenParam.map((v) => build(v.values, v.present, v.body, v.brokenParam)));
  return fc.oneof(...variants);

  function build(
    values: Record<string, string>,
    present: Record<string, boolean>,
    body: { value: unknown; broken: string } | undefined,
    broken: string,
  ): GeneratedRequest {
    let url = path;
    const query = new URLSearchParams();
    const headers: Record<string, string> = { ...options.headers };
    for (const p of params) {
      const key = `${p.in}:${p.name}`;
      const value = values[key] ?? '';
      if (p.in === 'path') url = url.replace(`{${p.name}}`, encodePathSegment(value));
      else if (present[key] === false && broken === 'valid') continue;
      else if (p.in === 'query') query.set(p.name, value);
      else if (p.in === 'header') {
        // A header cannot carry every character: what HTTP refuses is not the service's to answer.
        if (/^[\t\x20-\x7e]*$/.test(value)) headers[p.name] = value;
      }
    }
    const qs = query.toString();
    const request: GeneratedRequest = { method, url: qs ? `${url}?${qs}` : url, headers, broken };
    if (body !== undefined) {
      request.payload = JSON.stringify(body.value) ?? 'null';
      request.headers['content-type'] = 'application/json';
    }
    return request;
  }
}

/** Checks answers against the responses a document declares. */
export class ResponseChecker {
  private readonly ajv: Ajv2020;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(private readonly doc: OpenApiDocument) {
    this.ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: true });
    // ajv-formats is CommonJS: its function is the module's default export.
    (formats as unknown as { default: (ajv: Ajv2020) => void }).default(this.ajv);
    this.ajv.addSchema({ $id: 'openapi.json', components: doc.components ?? {} });
  }

  /** Why an answer does not fit the document, or null when it does. */
  problem(
    method: string,
    path: string,
    status: number,
    contentType: string | undefined,
    body: string,
  ): string | null {
    const op = this.doc.paths[path]?.[method.toLowerCase()];
    if (!op) return `no operation ${method} ${path}`;
    if (status >= 500) return `answered ${status}`;
    const declared =
      op.responses?.[String(status)] ?? op.responses?.[`${String(status)[0]}XX`] ?? op.responses?.default;
    if (!declared)
      return `status ${status} is not declared (declared: ${Object.keys(op.responses ?? {}).join(', ')})`;
    const schema = declared.content?.['application/json']?.schema;
    if (!schema) return null;
    if (!contentType?.startsWith('application/json')) return `content-type ${contentType} instead of JSON`;
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return 'the body is not JSON';
    }
    const key = `${method} ${path} ${status}`;
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile(rebase(schema));
      this.validators.set(key, validate);
    }
    if (validate(json)) return null;
    return `body outside the ${status} schema: ${this.ajv.errorsText(validate.errors)}; body ${body.slice(0, 300)}`;
  }
}

/** `#/components/…` refs point into the document the checker registered as `openapi.json`. */
function rebase(schema: JsonSchema): JsonSchema {
  return JSON.parse(
    JSON.stringify(schema).replace(/"\$ref":"#\/components\//g, '"$ref":"openapi.json#/components/'),
  ) as JsonSchema;
}

/** The document with every `#/components/schemas/…` reference replaced by its schema (for generating). */
export function dereference(doc: OpenApiDocument): OpenApiDocument {
  const schemas = doc.components?.schemas ?? {};
  const walk = (node: unknown, seen: readonly string[]): unknown => {
    if (Array.isArray(node)) return node.map((n) => walk(n, seen));
    if (typeof node !== 'object' || node === null) return node;
    const ref = (node as { $ref?: unknown }).$ref;
    if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) {
      const name = ref.slice('#/components/schemas/'.length);
      if (seen.includes(name)) return {};
      return walk(schemas[name], [...seen, name]);
    }
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v, seen)]));
  };
  return { ...doc, paths: walk(doc.paths, []) as OpenApiDocument['paths'] };
}
