import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as openpgp from 'openpgp';
import { fieldName, headerFields, splitMessage } from './mime.ts';

/*
 * PGP/MIME signing (RFC 3156 §5): the message's content — its Content-* header fields and body —
 * becomes the first part of a multipart/signed entity, signed exactly as it is written there
 * (CRLF line ends, 7-bit encoded), with the detached armored signature as the second part
 * (application/pgp-signature). micalg names the hash the signature used.
 */

export interface MessageSigner {
  /** Wraps a complete message into a signed one. */
  sign(raw: Buffer): Promise<Buffer>;
  /** The key's fingerprint (hex), for logs and the console. */
  readonly fingerprint: string;
}

/** Content-* fields move into the signed part; the rest stays on the outer message. */
function isContentField(field: string): boolean {
  return fieldName(field).startsWith('content-');
}

/** The signed part of a multipart/signed message (for verification): the bytes between the first boundary and the CRLF before the next. */
export function extractSignedParts(raw: Buffer): { signed: Buffer; signature: string; boundary: string } {
  const { header, body } = splitMessage(raw);
  const ct = headerFields(header).find((f) => fieldName(f) === 'content-type') ?? '';
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(ct)?.[1];
  if (!boundary || !/multipart\/signed/i.test(ct)) throw new Error('not a multipart/signed message');
  const text = body.toString('latin1');
  const delimiter = `--${boundary}`;
  const first = text.indexOf(`${delimiter}\r\n`);
  const second = text.indexOf(`\r\n${delimiter}\r\n`, first);
  if (first < 0 || second < 0) throw new Error('multipart/signed: parts not found');
  const signed = body.subarray(first + delimiter.length + 2, second);
  const rest = text.slice(second + delimiter.length + 4);
  const sigStart = rest.indexOf('-----BEGIN PGP SIGNATURE-----');
  const sigEnd = rest.indexOf('-----END PGP SIGNATURE-----');
  if (sigStart < 0 || sigEnd < 0) throw new Error('multipart/signed: no signature');
  return { signed, signature: rest.slice(sigStart, sigEnd + '-----END PGP SIGNATURE-----'.length), boundary };
}

export async function createMessageSigner(armoredKey: string, passphrase?: string): Promise<MessageSigner> {
  let key = await openpgp.readPrivateKey({ armoredKey });
  if (!key.isDecrypted()) {
    if (passphrase === undefined) throw new Error('the OpenPGP key is protected: set mail.pgp.passphrase');
    key = await openpgp.decryptKey({ privateKey: key, passphrase });
  }
  const fingerprint = key.getFingerprint();
  return {
    fingerprint,
    async sign(message) {
      // Canonical form: CRLF line ends, as the message travels over SMTP.
      const raw = Buffer.from(message.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
      const { header, body } = splitMessage(raw);
      const fields = headerFields(header);
      const outer = fields.filter((f) => !isContentField(f));
      const content = fields.filter(isContentField);
      if (!content.some((f) => fieldName(f) === 'content-type'))
        content.unshift('Content-Type: text/plain; charset=us-ascii');
      // The body ends with the CRLF before the closing delimiter, which belongs to the delimiter.
      let bodyText = body.toString('latin1');
      if (bodyText.endsWith('\r\n')) bodyText = bodyText.slice(0, -2);
      const signedPart = Buffer.from(`${content.join('\r\n')}\r\n\r\n${bodyText}`, 'latin1');
      const armored = await openpgp.sign({
        message: await openpgp.createMessage({ binary: signedPart }),
        signingKeys: key,
        detached: true,
        format: 'armored',
      });
      const sig = await openpgp.readSignature({ armoredSignature: armored });
      const hashId = (sig.packets[0] as unknown as { hashAlgorithm: number }).hashAlgorithm;
      const hashName = String(openpgp.enums.read(openpgp.enums.hash, hashId)).toLowerCase();
      const boundary = `----certops-signed-${randomBytes(12).toString('hex')}`;
      const signature = armored.replace(/\r?\n/g, '\r\n').replace(/\r\n$/, '');
      const out = [
        ...outer.filter((f) => fieldName(f) !== 'mime-version'),
        'MIME-Version: 1.0',
        `Content-Type: multipart/signed; boundary="${boundary}";\r\n protocol="application/pgp-signature"; micalg=pgp-${hashName}`,
        '',
        'This is an OpenPGP/MIME signed message (RFC 3156).',
        `--${boundary}`,
        signedPart.toString('latin1'),
        `--${boundary}`,
        'Content-Type: application/pgp-signature; name="signature.asc"',
        'Content-Description: OpenPGP digital signature',
        'Content-Disposition: attachment; filename="signature.asc"',
        '',
        signature,
        `--${boundary}--`,
        '',
      ].join('\r\n');
      return Buffer.from(out, 'latin1');
    },
  };
}

/** A signer from the configured key file, or null when none is configured. */
export async function loadMessageSigner(options: {
  keyFile?: string | undefined;
  passphrase?: string | undefined;
}): Promise<MessageSigner | null> {
  if (!options.keyFile) return null;
  let armored: string;
  try {
    armored = await readFile(options.keyFile, 'utf8');
  } catch (e) {
    throw new Error(`mail.pgp.keyFile ${options.keyFile}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  return createMessageSigner(armored, options.passphrase);
}
