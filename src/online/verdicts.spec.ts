import { verdictChange, type Verdict } from './verdicts';

describe('verdictChange', () => {
  it('learns a first verdict once: fraud as fraud, a legit label and maturity as legitimate', () => {
    expect(verdictChange(null, 'fraud')).toEqual({ steps: [{ y: 1, sign: 1 }], verdict: 'fraud' });
    expect(verdictChange(null, 'legit')).toEqual({ steps: [{ y: 0, sign: 1 }], verdict: 'legit' });
    expect(verdictChange(null, 'matured')).toEqual({ steps: [{ y: 0, sign: 1 }], verdict: 'matured' });
  });

  it('changes nothing on a redelivered label or when maturity comes after a label', () => {
    const same: [Verdict, Verdict][] = [
      ['fraud', 'fraud'],
      ['legit', 'legit'],
      ['matured', 'legit'],
      ['matured', 'matured'],
      ['fraud', 'matured'],
      ['legit', 'matured'],
    ];
    for (const [previous, next] of same) expect(verdictChange(previous, next)).toEqual({ steps: [], verdict: previous });
  });

  it('takes the negative back and learns the fraud when a chargeback comes after maturity or a legit label', () => {
    for (const previous of ['matured', 'legit'] as const) {
      expect(verdictChange(previous, 'fraud')).toEqual({
        steps: [
          { y: 0, sign: -1 },
          { y: 1, sign: 1 },
        ],
        verdict: 'fraud',
      });
    }
  });

  it('takes the fraud back and learns it as legitimate when the dispute is withdrawn', () => {
    expect(verdictChange('fraud', 'legit')).toEqual({
      steps: [
        { y: 1, sign: -1 },
        { y: 0, sign: 1 },
      ],
      verdict: 'legit',
    });
  });

  it('leaves exactly one example learnt per transaction, whatever order the verdicts come in', () => {
    const all: Verdict[] = ['fraud', 'legit', 'matured'];
    for (const a of all)
      for (const b of all)
        for (const c of all) {
          let verdict: Verdict | null = null;
          const net = { 0: 0, 1: 0 };
          for (const next of [a, b, c]) {
            const change = verdictChange(verdict, next);
            for (const step of change.steps) net[step.y] += step.sign;
            verdict = change.verdict;
          }
          expect(net[0] + net[1]).toBe(1);
          expect(net[1]).toBe(verdict === 'fraud' ? 1 : 0);
        }
  });
});
