import { run } from './stack/process';
import { ensurePrometheusBinary, RULES_FILE, RULES_TEST_FILE } from './stack/prometheus';

/** npm run check:ops: the Prometheus rules parse and pass their promtool unit tests. */
ensurePrometheusBinary();
try {
  run('promtool', ['check', 'rules', RULES_FILE]);
  run('promtool', ['test', 'rules', RULES_TEST_FILE]);
} catch {
  // promtool has printed what failed.
  process.exit(1);
}
