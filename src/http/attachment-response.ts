import type { AttachmentContent } from '../services/ports.ts';

/**
 * An attachment as a download. Reports carry malware samples and phishing pages: whatever their
 * declared type they go out as application/octet-stream with `Content-Disposition: attachment`
 * and nosniff, so a browser saves them and never renders them.
 */
export function attachmentResponse(a: AttachmentContent): Response {
  const ascii = a.filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return new Response(a.content, {
    status: 200,
    headers: {
      'content-type': 'application/octet-stream',
      'content-length': String(a.content.byteLength),
      'content-disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(a.filename)}`,
      'x-content-type-options': 'nosniff',
      'x-certops-sha256': a.sha256,
      'cache-control': 'private, no-store',
    },
  });
}
