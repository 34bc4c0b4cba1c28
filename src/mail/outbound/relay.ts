import type { Config } from '../../config/config.ts';
import type { MailTransport } from '../../services/ports.ts';
import { loadMessageSigner, type MessageSigner } from './pgp-sign.ts';
import { createSmtpTransport } from './smtp-transport.ts';

/**
 * The outgoing transport the configuration describes: SMTP to `mail.relay`, PGP/MIME-signed when
 * `mail.pgp.keyFile` is set (the key is read at the first message; a key that cannot be read or
 * unlocked fails that delivery with the reason, which the outbox shows). null without a relay host.
 */
export function createConfiguredTransport(config: Config): MailTransport | null {
  const mail = config.mail;
  if (!mail.relay.host) return null;
  let signer: Promise<MessageSigner | null> | null = null;
  const loadSigner = () => (signer ??= loadMessageSigner(mail.pgp));
  let inner: MailTransport | null = null;
  return {
    async send(message) {
      let s: MessageSigner | null;
      try {
        s = await loadSigner();
      } catch (e) {
        signer = null; // try again next time (the key file may be fixed meanwhile)
        throw e;
      }
      inner ??= createSmtpTransport(mail.relay, {
        fromName: mail.fromName || config.site.shortName,
        signer: s,
      });
      return inner.send(message);
    },
    close() {
      inner?.close();
    },
  };
}
