import { SMTPServer } from 'smtp-server';
import { parseMail, type ParsedMail } from './mail';
import { waitFor } from './wait';

/** A local SMTP server that keeps every mail it receives. */
export interface MailCatcher {
  readonly port: number;
  readonly mails: readonly ParsedMail[];
  /** The credential data n8n's `smtp` credential needs to send here. */
  readonly credentialData: Record<string, unknown>;
  /** Resolves with the first mail (received before or after the call) that `accept` takes. */
  waitForMail(accept: (mail: ParsedMail) => boolean, what: string, timeoutMs?: number): Promise<ParsedMail>;
  close(): Promise<void>;
}

/**
 * Plain SMTP on 127.0.0.1 with any login accepted and no STARTTLS (n8n's mailer would try it
 * and fail on the server's missing certificate).
 */
export async function startMailCatcher(): Promise<MailCatcher> {
  const mails: ParsedMail[] = [];
  const server = new SMTPServer({
    secure: false,
    hideSTARTTLS: true,
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username ?? 'anonymous' });
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push(parseMail(Buffer.concat(chunks).toString('utf8')));
        callback();
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
  return {
    port,
    mails,
    credentialData: { host: '127.0.0.1', port, user: 'n8n', password: 'n8n', secure: false, disableStartTls: true },
    waitForMail(accept, what, timeoutMs = 60_000) {
      return waitFor(() => mails.find(accept), {
        what,
        timeoutMs,
        diagnose: () => `mails so far: ${mails.map((m) => JSON.stringify(m.subject)).join(', ') || 'none'}`,
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
