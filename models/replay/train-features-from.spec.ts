import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CSV_HEADER } from './replay';

const ROOT = resolve(__dirname, '..', '..');

/** `npm run train -- ...args` as a user runs it; these cases stop before the Python trainer. */
function train(...args: string[]): { status: number | null; stderr: string } {
  const run = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'models', 'train.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: run.status, stderr: run.stderr };
}

describe('npm run train --features-from', () => {
  const dir = mkdtempSync(join(tmpdir(), 'train-from-'));

  it('refuses a CSV whose header is not the current features, before any training', () => {
    const stale = join(dir, 'stale.csv');
    writeFileSync(stale, `${CSV_HEADER.slice(0, -1).join(',')}\n`);
    const run = train('--features-from', stale, '--out', join(dir, 'model'));
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`[train] ${stale}: the header is not the current feature set (missing ${CSV_HEADER.at(-1) ?? ''})`);
  });

  it('refuses replay flags beside it, which would otherwise be ignored', () => {
    const run = train('--features-from', join(dir, 'any.csv'), '--transactions', 'tx.jsonl', '--max-bad-rows', '5');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('[train] --features-from trains on an existing CSV without a replay; --transactions, --max-bad-rows only apply to a replay');
  });
});
