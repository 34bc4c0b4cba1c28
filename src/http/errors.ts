import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import { DomainError, type DomainErrorId, type FieldIssue } from '../core/shared/errors.ts';

const STATUS: Record<DomainErrorId, ContentfulStatusCode> = {
  not_found: 404,
  forbidden: 403,
  invalid_input: 400,
  conflict: 409,
  unauthorized: 401,
  rate_limited: 429,
};

export interface ErrorBody {
  error: { id: string; message: string; fields: FieldIssue[] };
}

export function statusOf(id: DomainErrorId): ContentfulStatusCode {
  return STATUS[id];
}

/** zod issues → the field list an API client sees (`reporter.email: Invalid email`). */
export function fieldsOfZodError(error: ZodError): FieldIssue[] {
  return error.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message }));
}

export function errorBody(id: string, message: string, fields: FieldIssue[] = []): ErrorBody {
  return { error: { id, message, fields } };
}

/** The one place that turns thrown errors into API responses. */
export function toErrorResponse(err: unknown, c: Context, log?: (e: unknown) => void): Response {
  if (err instanceof DomainError) return c.json(errorBody(err.id, err.message, err.fields), STATUS[err.id]);
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    const id = status === 413 ? 'payload_too_large' : status === 401 ? 'unauthorized' : 'http_error';
    return c.json(errorBody(id, err.message || 'request rejected'), status);
  }
  log?.(err);
  return c.json(errorBody('internal', 'internal server error'), 500);
}
