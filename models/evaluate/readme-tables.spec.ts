import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BASELINE_TABLE_HEADER, baselineTable, EVALUATION_DIR, evaluations, modelTable, MODEL_TABLE_HEADER, ruleTable, RULE_TABLE_HEADER } from './readme-tables';

describe("the README's detection tables", () => {
  it('are the committed npm run evaluate results (npm run docs:config regenerates them)', () => {
    const all = evaluations();
    expect(all.map((e) => e.name).length).toBeGreaterThan(0);
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    expect(readme).toContain(`${MODEL_TABLE_HEADER}${modelTable(all, evaluations(join(EVALUATION_DIR, 'previous')), evaluations(join(EVALUATION_DIR, 'transfer')))}\n\n`);
    expect(readme).toContain(`${RULE_TABLE_HEADER}${ruleTable(all)}\n\n`);
    expect(readme).toContain(`${BASELINE_TABLE_HEADER}${baselineTable()}\n\n`);
  });
});
