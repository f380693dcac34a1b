const { mkdirSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const { TestEnvironment } = require('jest-environment-node');

// jest runs each test file in its own VM context, with its own Float32Array and friends. Native
// addons (onnxruntime-node) create typed arrays in the main context, and onnxruntime-common's
// `instanceof Float32Array` checks then fail inside tests only. Sharing the main context's
// typed array constructors makes tests see what production sees.
const SHARED = [
  'ArrayBuffer',
  'Float32Array',
  'Float64Array',
  'Int8Array',
  'Int16Array',
  'Int32Array',
  'BigInt64Array',
  'BigUint64Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Uint16Array',
  'Uint32Array',
];

// The service's log (its own lines and kafkajs's, through the Nest logger) is kept per test
// file instead of interleaving with the results: written to .cache/test-logs/, and its end
// printed under a failing file's results, where it explains something.
const LOG_DIR = path.join(__dirname, '..', '..', '.cache', 'test-logs');
const KEPT_LINES = 20_000;
const SHOWN_ON_FAILURE = 150;

class TestFileEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
    this.logFile = path.join(LOG_DIR, `${path.relative(config.projectConfig.rootDir, context.testPath).replaceAll(path.sep, '__')}.log`);
    this.lines = [];
    this.failed = false;
    this.global.__serviceLog = (line) => {
      this.lines.push(line);
      if (this.lines.length > KEPT_LINES * 1.5) this.lines.splice(0, this.lines.length - KEPT_LINES);
    };
  }

  handleTestEvent(event) {
    if (event.name === 'test_start') this.lines.push(`--- test: ${testName(event.test)}`);
    if (event.name === 'test_fn_failure' || event.name === 'hook_failure') this.failed = true;
  }

  async teardown() {
    const logged = this.lines.filter((line) => !line.startsWith('--- test: '));
    if (logged.length > 0) {
      mkdirSync(LOG_DIR, { recursive: true });
      writeFileSync(this.logFile, `${this.lines.join('\n')}\n`);
      if (this.failed) {
        const tail = this.lines.slice(-SHOWN_ON_FAILURE);
        process.stderr.write(
          `\nservice log of a failing test file (last ${tail.length} of ${this.lines.length} lines; all in ${path.relative(process.cwd(), this.logFile)}):\n${tail.join('\n')}\n\n`,
        );
      }
    }
    await super.teardown();
  }
}

function testName(test) {
  const names = [];
  for (let block = test; block && block.name !== 'ROOT_DESCRIBE_BLOCK'; block = block.parent) names.unshift(block.name);
  return names.join(' > ');
}

module.exports = TestFileEnvironment;
