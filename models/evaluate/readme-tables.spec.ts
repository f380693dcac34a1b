import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectionTables, evaluations, modelCardSection, withModelCardSection } from './readme-tables';

describe("the README's detection tables", () => {
  it('are the committed npm run evaluate results (npm run docs:config regenerates them)', () => {
    expect(evaluations().length).toBeGreaterThan(0);
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    for (const { header, rows } of Object.values(detectionTables())) expect(readme).toContain(`${header}${rows}\n\n`);
  });

  it("end the committed model card too, the second history's results with the simulator's", () => {
    const card = readFileSync(join(__dirname, '..', 'current', 'MODEL_CARD.md'), 'utf8');
    const section = modelCardSection();
    expect(card.endsWith(section)).toBe(true);
    expect(section).toContain('| second-history |');
    expect(section).toContain('| simulator |');
  });

  it('replace the evaluation section of a model card, or append it once', () => {
    const fresh = '# Fraud model x\n\n## How to retrain\n\ntext\n';
    const once = withModelCardSection(fresh, modelCardSection());
    expect(once.startsWith(fresh)).toBe(true);
    expect(withModelCardSection(once, modelCardSection())).toBe(once);
  });
});
