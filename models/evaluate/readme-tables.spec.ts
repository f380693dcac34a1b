import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectionTables, evaluations } from './readme-tables';

describe("the README's detection tables", () => {
  it('are the committed npm run evaluate results (npm run docs:config regenerates them)', () => {
    expect(evaluations().length).toBeGreaterThan(0);
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    for (const { header, rows } of detectionTables()) expect(readme).toContain(`${header}${rows}\n\n`);
  });
});
