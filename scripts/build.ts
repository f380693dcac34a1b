import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');

/**
 * Compiles src/ with tsc (decorator metadata, which Nest's injection needs and esbuild-based
 * runners do not emit) into `outDir`, then copies the non-TypeScript assets the service reads
 * at run time (Lua scripts, the default rule set).
 */
export function buildService(outDir = join(ROOT, 'dist')): string {
  rmSync(outDir, { recursive: true, force: true });
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', outDir], {
    stdio: 'inherit',
  });
  cpSync(join(ROOT, 'src'), outDir, { recursive: true, filter: (f) => !f.endsWith('.ts') });
  return outDir;
}

if (require.main === module) {
  buildService(process.argv[2] === undefined ? undefined : resolve(process.argv[2]));
}
