import { z } from '@hono/zod-openapi';

/** Shared pieces of route definitions: the error body and response/request helpers. */
export const errorSchema = z
  .object({
    error: z.object({
      id: z.string(),
      message: z.string(),
      fields: z.array(z.object({ field: z.string(), message: z.string() })),
    }),
  })
  .openapi('Error');

export const bearerSecurity = [{ bearer: [] }];

export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { content: { 'application/json': { schema } }, description };
}

export function errorResponse(description: string) {
  return jsonResponse(errorSchema, description);
}

export function jsonBody<T extends z.ZodType>(schema: T) {
  return { body: { content: { 'application/json': { schema } }, required: true } };
}
