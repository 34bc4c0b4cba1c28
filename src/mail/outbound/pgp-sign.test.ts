import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmtpSink, type SmtpSink } from '../../../test/support/smtp-sink.ts';
import { loadConfig } from '../../config/config.ts';
import type { TransportMessage } from '../../services/ports.ts';
import { extractSignedParts, loadMessageSigner } from './pgp-sign.ts';
import { createConfiguredTransport } from './relay.ts';
import { createSmtpTransport } from './smtp-transport.ts';

const PASSPHRASE = 'correct horse battery staple';

function message(over: Partial<TransportMessage> = {}): TransportMessage {
  return {
    from: 'cert@cert.example.cn',
    to: 'abuse@isp.example.cn',
    subject: '[certops #7] 请协助处置网络安全事件',
    text: '您好：\n\n请处置 192.0.2.10 上的仿冒页面。 \nFrom the CERT\n',
    html: null,
    headers: { 'X-Certops-Incident': '7' },
    messageId: '<0f6b5f0e-1111-4222-8333-944455556666@cert.example.cn>',
    inReplyTo: null,
    references: [],
    attachments: [
      {
        filename: 'events.csv',
        contentType: 'text/csv; charset=utf-8',
        content: new TextEncoder().encode('\uFEFFa,b\r\n1,2\r\n'),
      },
    ],
    date: new Date('2007-06-30T08:00:00Z'),
    ...over,
  };
}

describe('OpenPGP/MIME signing (RFC 3156) through a real SMTP relay', () => {
  let dir: string;
  let keyFile: string;
  let publicKey: openpgp.PublicKey;
  let sink: SmtpSink;

  beforeAll(async () => {
    const { privateKey, publicKey: armoredPublic } = await openpgp.generateKey({
      type: 'ecc',
      curve: 'curve25519Legacy',
      userIDs: [{ name: 'Test CERT', email: 'cert@cert.example.cn' }],
      passphrase: PASSPHRASE,
      format: 'armored',
    });
    dir = mkdtempSync(path.join(tmpdir(), 'certops-pgp-'));
    keyFile = path.join(dir, 'cert.key.asc');
    writeFileSync(keyFile, privateKey);
    publicKey = await openpgp.readKey({ armoredKey: armoredPublic });
    sink = await createSmtpSink();
  });
  afterAll(async () => {
    await sink.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function verify(signed: Buffer, armoredSignature: string): Promise<boolean> {
    const result = await openpgp.verify({
      message: await openpgp.createMessage({ binary: signed }),
      signature: await openpgp.readSignature({ armoredSignature }),
      verificationKeys: publicKey,
    });
    try {
      return await result.signatures[0]!.verified;
    } catch {
      return false;
    }
  }

  it('signs the exact MIME part that is sent; the signature verifies, a changed byte does not', async () => {
    const signer = await loadMessageSigner({ keyFile, passphrase: PASSPHRASE });
    expect(signer!.fingerprint).toBe(publicKey.getFingerprint());
    const transport = createSmtpTransport(
      { host: '127.0.0.1', port: sink.port, secure: false, user: '', pass: '', timeoutMs: 5000 },
      { fromName: 'Test CERT', signer },
    );
    await transport.send(message());
    transport.close();
    const raw = sink.messages.at(-1)!.raw;
    const text = raw.toString('latin1');
    const contentType =
      /^Content-Type: (multipart\/signed;[^\r]*(?:\r\n[ \t][^\r]*)*)/m.exec(text)?.[1] ?? '';
    expect(contentType).toMatch(/protocol="application\/pgp-signature"/);
    const hash = (await openpgp.readSignature({ armoredSignature: extractSignedParts(raw).signature }))
      .packets[0] as unknown as { hashAlgorithm: number };
    const hashName = String(openpgp.enums.read(openpgp.enums.hash, hash.hashAlgorithm)).toLowerCase();
    expect(contentType).toContain(`micalg=pgp-${hashName}`);
    expect(text).toMatch(/^Message-ID: <0f6b5f0e-1111-4222-8333-944455556666@cert\.example\.cn>$/m);
    expect(text).toMatch(/^X-Certops-Incident: 7$/m);

    const { signed, signature } = extractSignedParts(raw);
    expect(signed.toString('latin1')).toMatch(/^Content-Type: multipart\/mixed;/);
    expect(await verify(signed, signature)).toBe(true);
    const tampered = Buffer.from(signed);
    tampered[tampered.length - 3] = tampered[tampered.length - 3]! ^ 1;
    expect(await verify(tampered, signature)).toBe(false);

    // A mail client still reads the text and the attachment.
    const parsed = await simpleParser(raw);
    expect(parsed.subject).toBe('[certops #7] 请协助处置网络安全事件');
    expect(parsed.text).toContain('请处置 192.0.2.10 上的仿冒页面。');
    expect(parsed.attachments.map((a) => a.filename).sort()).toEqual(['events.csv', 'signature.asc']);
  });

  it('signs a text-only message, through the configured relay transport', async () => {
    const config = loadConfig({
      env: {},
      overrides: {
        mail: {
          relay: { host: '127.0.0.1', port: sink.port },
          pgp: { keyFile, passphrase: PASSPHRASE },
        },
      },
    });
    const transport = createConfiguredTransport(config)!;
    await transport.send(message({ attachments: [], text: 'plain ascii body  \nwith trailing spaces\n' }));
    transport.close();
    const raw = sink.messages.at(-1)!.raw;
    const { signed, signature } = extractSignedParts(raw);
    const part = signed.toString('latin1');
    const partHeader = part.slice(0, part.indexOf('\r\n\r\n'));
    expect(partHeader.split('\r\n').sort()).toEqual([
      'Content-Transfer-Encoding: quoted-printable',
      'Content-Type: text/plain; charset=utf-8',
    ]);
    // Trailing spaces are encoded, so no relay can strip them from under the signature.
    expect(part).toContain('plain ascii body =20\r\n');
    expect(await verify(signed, signature)).toBe(true);
  });

  it('reports a key it cannot use with the reason', async () => {
    await expect(loadMessageSigner({ keyFile, passphrase: 'wrong' })).rejects.toThrow(
      /incorrect key passphrase|decrypt/i,
    );
    await expect(loadMessageSigner({ keyFile })).rejects.toThrow(/set mail\.pgp\.passphrase/);
    await expect(loadMessageSigner({ keyFile: path.join(dir, 'missing.asc') })).rejects.toThrow(/ENOENT/);
    expect(await loadMessageSigner({})).toBeNull();
  });
});
