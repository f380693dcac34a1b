import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES } from './errors';

describe('the error codes', () => {
  it("are each listed in the README's HTTP contract, with their status", () => {
    const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### HTTP endpoints'), readme.indexOf('## How a decision is made'));
    const missing = Object.entries(ERROR_CODES)
      .filter(
        ([code, { status }]) =>
          !new RegExp(`\`${code}\`[^\`]*?\\(${status}\\b|\`${code}\` / \`\\w+\` \\(${status}\\b|\`\\w+\` / \`${code}\` \\(${status}\\b`).test(section),
      )
      .map(([code, { status }]) => `${code} (${status})`);
    expect(missing).toEqual([]);
  });
});
