import { readdirSync } from 'node:fs';
import { cpuBlock, overloadBlock, soakBlock, stagesBlock } from './analysis-tables';
import { citedRuns, readRuns, RESULTS_DIR, uncitedFiles, type CitedRuns } from './bench-runs';
import { performanceBlock } from './performance-table';
import { capacityBlock, scaleOutBlock } from './scale-out-tables';

/**
 * The performance figures in README.md and load-tests/README.md, rendered from the committed
 * bench results (bench-runs.ts) by `npm run docs:config`, so that no figure is typed by hand and
 * every one says which run it comes from. Each block sits between two HTML comments (its
 * caption is a paragraph of its own, so "a header up to the next blank line" cannot hold it).
 */

export interface Block {
  readonly name: string;
  readonly body: string;
}

const begin = (name: string) => `<!-- figures:${name}: npm run docs:config writes this from load-tests/results; do not edit -->`;
const end = (name: string) => `<!-- /figures:${name} -->`;

export const renderBlock = (b: Block): string => `${begin(b.name)}\n${b.body}\n${end(b.name)}`;

/** `text` with each block's markers and what is between them replaced by the block. */
export function withFigures(text: string, blocks: readonly Block[]): string {
  return blocks.reduce((out, b) => {
    const from = out.indexOf(begin(b.name));
    const to = out.indexOf(end(b.name), from);
    if (from < 0 || to < 0) throw new Error(`no ${begin(b.name)} ... ${end(b.name)} to write the ${b.name} figures between`);
    return `${out.slice(0, from)}${renderBlock(b)}${out.slice(to + end(b.name).length)}`;
  }, text);
}

/** Every generated block, per README, from the cited runs. */
export function figureBlocks(cited: CitedRuns): { readonly readme: Block[]; readonly loadTests: Block[]; readonly capacity: Block[] } {
  return {
    readme: [{ name: 'performance', body: performanceBlock(cited, 'load-tests/results') }],
    loadTests: [
      { name: 'performance', body: performanceBlock(cited, 'results') },
      { name: 'cpu', body: cpuBlock(cited, 'results') },
      { name: 'stages', body: stagesBlock(cited, 'results') },
      { name: 'overload', body: overloadBlock(cited, 'results') },
      { name: 'soak', body: soakBlock(cited, 'results') },
      { name: 'scale-out', body: scaleOutBlock(cited, 'results') },
    ],
    capacity: [{ name: 'capacity', body: capacityBlock(cited, 'results') }],
  };
}

/** The committed results: the runs cited, the blocks they give, and the files in the directory no block cites. */
export function committedFigures(dir = RESULTS_DIR): {
  readonly cited: CitedRuns;
  readonly blocks: ReturnType<typeof figureBlocks>;
  readonly uncited: string[];
} {
  const cited = citedRuns(readRuns(dir));
  return { cited, blocks: figureBlocks(cited), uncited: uncitedFiles(readdirSync(dir), cited) };
}
