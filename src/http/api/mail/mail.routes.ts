import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { DomainError } from '../../../core/shared/errors.ts';
import { requireActor } from '../../auth/auth.middleware.ts';
import type { AppDeps, AppEnv } from '../../context.ts';
import { bearerSecurity as security, errorResponse as err, jsonResponse as json } from '../openapi.ts';

const rawSubmissionSchema = z
  .object({
    trackingNumbers: z.array(z.string()).openapi({ description: 'tracking numbers of the reports created' }),
    reportIds: z.array(z.number().int()),
    incidentIds: z.array(z.number().int()),
    format: z.string().openapi({
      description: '`email`, `machine` (a machine-readable e-mail), `xarf-v4`, `iodef-1`, `iodef-2`, …',
    }),
    mailMessageId: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'the stored message (message/rfc822 only)' }),
  })
  .openapi('RawReportSubmission');

const RAW_TYPES = {
  'message/rfc822':
    'a raw e-mail (RFC 5322): processed like mail received over SMTP (ARF, X-ARF, XARF and IODEF attachments recognised; replies threaded)',
  'application/json': 'an XARF v4 (or v3) JSON report',
  'application/xml': 'an IODEF 1.0 or 2.0 XML document (also application/iodef+xml, text/xml)',
} as const;

const submitRaw = createRoute({
  method: 'post',
  path: '/api/v1/reports/raw',
  tags: ['reports'],
  security,
  summary: 'Submit a report as a raw e-mail, an XARF v4 JSON document or an IODEF XML document',
  description:
    'The Content-Type says what the body is. Typed reports get the category and observables of the document; a format error is a 400 saying what is wrong.',
  request: {
    body: {
      required: true,
      content: Object.fromEntries(
        Object.entries(RAW_TYPES).map(([type, description]) => [
          type,
          {
            // JSON bodies are read as they are (any JSON); the format parser says what is wrong.
            schema: type.includes('json')
              ? z.any().openapi({ description })
              : z.string().openapi({ format: 'binary', description }),
          },
        ]),
      ),
    },
  },
  responses: {
    201: json(rawSubmissionSchema, 'the reports created (none when an e-mail was threaded into an incident)'),
    400: err(
      'empty body, a Content-Type not listed here, or an invalid document (the message says what is wrong)',
    ),
    401: err('not signed in'),
    403: err('role may not create reports'),
  },
});

const ACCEPTED = /^(message\/rfc822|application\/(json|xarf\+json|xml|iodef\+xml)|text\/(json|xml))$/;

/** POST /api/v1/reports/raw: the mail intake's formats over HTTP (docs/mail.md). */
export function registerMailApi(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  // Before the route's own validation: an unknown Content-Type gets a 400 that names the accepted ones.
  app.use('/api/v1/reports/raw', async (c, next) => {
    if (c.req.method === 'POST') {
      requireActor(c);
      const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (!ACCEPTED.test(type)) {
        throw new DomainError(
          'invalid_input',
          `Content-Type ${type || '(none)'} is not accepted here: send message/rfc822, application/json (XARF v4) or application/xml (IODEF)`,
          [{ field: 'content-type', message: 'unsupported' }],
        );
      }
    }
    await next();
  });
  app.openapi(submitRaw, async (c) => {
    const actor = requireActor(c);
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const body = Buffer.from(await c.req.arrayBuffer());
    const result = await deps.services.mailIntake.submitRaw(actor, type, body);
    return c.json(result, 201);
  });
}
