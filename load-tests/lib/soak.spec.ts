import { slope, soakSlopes, type SoakWindow } from './soak';

const window = (minute: number, rssMb: number, redisMb: number): SoakWindow => ({
  minute,
  kafkaSent: 60_000,
  kafkaDecided: 60_000,
  kafkaP99Ms: 40,
  lagAtEnd: 0,
  httpAnswered: 6000,
  httpNon2xx: 0,
  httpP99Ms: 20,
  rssMb,
  redisMb,
});

describe('the soak slopes', () => {
  it('is the least-squares slope, and NaN where there is none', () => {
    expect(
      slope([
        [0, 1],
        [1, 3],
        [2, 5],
      ]),
    ).toBeCloseTo(2);
    expect(slope([[0, 1]])).toBeNaN();
    expect(
      slope([
        [1, 1],
        [1, 2],
      ]),
    ).toBeNaN();
  });

  it('gives each series per hour from windows a minute apart: a flat RSS is 0, Redis growing 10 MB a minute is 600 MB an hour', () => {
    const slopes = soakSlopes([window(1, 300, 10), window(2, 300, 20), window(3, 300, 30)]);
    expect(slopes).toMatchObject({ rssMb: 0, redisMb: 600, kafkaP99Ms: 0, httpP99Ms: 0, lagAtEnd: 0 });
  });
});
