import { afterAll, afterEach, beforeAll } from '@jest/globals';
import type { CoreV1Api } from '@kubernetes/client-node';
import { HttpTarget } from './http-target.ts';
import { fixtureApi, freshNamespace } from './kube.ts';
import { startOperator, testConfig, type ConfigPatch, type RunningOperator } from './operator-harness.ts';

/** What an integration file's tests share: see operatorSuite. */
export interface OperatorSuite {
  core: CoreV1Api;
  /** One healthy HTTP target for the whole file. */
  target: HttpTarget;
  /** The operator of the running test, stopped after it. */
  running: RunningOperator | undefined;
  /** The running test's namespace. */
  ns: string;
  /** Starts an operator (testConfig laid over by `patch`) in a fresh namespace named after `prefix`. */
  operatorIn(prefix: string, patch?: ConfigPatch): Promise<RunningOperator>;
}

/**
 * The set-up most integration files repeated: the API fixture and one healthy target before all tests, an operator
 * per test in a fresh namespace, stopped after each test, and the target closed at the end. Call it in describe().
 */
export function operatorSuite(): OperatorSuite {
  const suite: OperatorSuite = {
    core: undefined as unknown as CoreV1Api,
    target: undefined as unknown as HttpTarget,
    running: undefined,
    ns: '',
    async operatorIn(prefix, patch = {}) {
      suite.ns = await freshNamespace(suite.core, prefix);
      suite.running = await startOperator(testConfig(suite.ns, patch));
      return suite.running;
    },
  };
  beforeAll(async () => {
    suite.core = fixtureApi().core;
    suite.target = await HttpTarget.start('healthy');
  });
  afterEach(async () => {
    await suite.running?.stop();
    suite.running = undefined;
  });
  afterAll(async () => suite.target.close());
  return suite;
}
