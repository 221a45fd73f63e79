import { createOfflineModelServer, knobsFromEnv } from '../offline';

/** `dynamic-workflows offline-model [--port N]`: the offline Anthropic-compatible model on its own. */
export async function offlineModelCommand(opts: { port?: string; host?: string }): Promise<void> {
  const port = opts.port === undefined ? 0 : Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`Expected \`--port\` to be 0..65535, got ${opts.port}`);
  const server = createOfflineModelServer(knobsFromEnv(process.env));
  const { url } = await server.listen(port, opts.host ?? '127.0.0.1');
  process.stdout.write(`${JSON.stringify({ url })}\n`);
  process.stderr.write(`offline model listening on ${url} (ANTHROPIC_BASE_URL=${url})\n`);
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
