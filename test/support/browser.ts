import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's Chromium (scripts/ensure-chromium.sh installs it when missing; DW_CHROMIUM
 * points elsewhere), headless, driven by playwright-core.
 */
export async function launchChromium(): Promise<Browser> {
  const script = path.join(__dirname, '..', '..', 'scripts', 'ensure-chromium.sh');
  const out = execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 15 * 60_000 });
  const executablePath = out.trim().split('\n').pop() ?? '/usr/bin/chromium';
  return launchChromiumAt(executablePath);
}

/** Headless Chromium at `executablePath`; playwright-core gives each launch a fresh temporary profile and removes it on close. */
export function launchChromiumAt(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}
