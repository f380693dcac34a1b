import { existsSync } from 'node:fs';
import { aptInstall } from './process';

/** Debian's Chromium, which the browser tests drive through playwright-core (no browser download). */
export const CHROMIUM = '/usr/bin/chromium';

export function ensureChromium(): void {
  if (!existsSync(CHROMIUM)) aptInstall(['chromium'], 'chromium (for the browser tests) is not installed');
}
