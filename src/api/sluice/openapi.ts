import { z } from 'zod/v4';
import { VERSION } from '../../version.js';
import type { Route } from './router.js';
import { components } from './schemas.js';

type JsonSchema = Record<string, unknown>;

const ERRORS: Record<string, string> = {
  '400': 'Bad request: the field at fault is named',
  '401': 'Missing or wrong bearer token',
  '403': 'No token configured, and the client is not on loopback or is a page of another origin',
  '404': 'No such resource or route',
  '405': 'Method not allowed on this path',
  '409': 'The resource cannot do this in its state (a delivery logged without its body)',
  '413': 'Body larger than 64 KiB',
  '415': 'A body that is not sent as application/json',
};

/**
 * The OpenAPI 3.1 document of the routes, made from the schemas that validate their requests
 * and shape their answers. Named schemas become components; answers are read as the handlers
 * produce them, bodies as clients may send them (defaults optional).
 */
export function openApiDocument(routes: readonly Route[], prefix: string): JsonSchema {
  const options = { target: 'draft-2020-12' as const, uri: (id: string) => `#/components/schemas/${id}`, unrepresentable: 'any' as const };
  const answers = z.toJSONSchema(components, { ...options, io: 'output' }).schemas;
  const bodies = z.toJSONSchema(components, { ...options, io: 'input' }).schemas;
  const bodyIds = new Set(routes.flatMap((r) => (r.body ? [idOf(r.body)] : [])));
  const schemas: Record<string, JsonSchema> = {};
  for (const [id, schema] of Object.entries(answers)) schemas[id] = clean((bodyIds.has(id) ? bodies[id] : schema) as JsonSchema);

  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = `${prefix}${r.path}`;
    const params = [...r.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
    const query = r.query instanceof z.ZodObject ? queryParameters(r.query) : [];
    paths[path] ??= {};
    paths[path][r.method.toLowerCase()] = {
      operationId: r.operationId,
      summary: r.summary,
      ...(params.length + query.length > 0 ? { parameters: [...params, ...query] } : {}),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: ref(r.body) } } } } : {}),
      responses: {
        [String(r.status ?? 200)]: { description: r.summary, content: { 'application/json': { schema: ref(r.response) } } },
        ...Object.fromEntries(Object.entries(ERRORS).map(([code, text]) => [code, errorResponse(text)])),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Sluice API', version: VERSION, description: 'Streams, sessions, recordings, callbacks, config and figures of one Sluice server.' },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: '/' }],
    security: [{ bearerToken: [] }],
    paths,
    components: { schemas, securitySchemes: { bearerToken: { type: 'http', scheme: 'bearer' } } },
  };
}

function idOf(schema: z.ZodType): string {
  const id = components.get(schema)?.id;
  if (!id) throw new Error('route schemas must be named components');
  return id;
}

function ref(schema: z.ZodType): JsonSchema {
  return { $ref: `#/components/schemas/${idOf(schema)}` };
}

function errorResponse(description: string): JsonSchema {
  return { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
}

function queryParameters(query: z.ZodObject): JsonSchema[] {
  return Object.entries(query.shape).map(([name, field]) => {
    const schema = clean(z.toJSONSchema(field as z.ZodType, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as JsonSchema);
    return { name, in: 'query', required: false, schema };
  });
}

/** Drops what belongs to a standalone JSON Schema document, not to an embedded one. */
function clean(schema: JsonSchema): JsonSchema {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}
