/**
 * What a scale run may do to a control plane it owns (testenv/): change the
 * mpi-operator's client rate limits, kill it, restart kube-apiserver or
 * etcd, through testenv's own scripts. Elsewhere none of this is possible
 * and the run says so instead.
 */
import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import { join } from 'node:path';

import type { IOperatorFlags } from '../scenario';

/** The rate limits upstream's mpi-operator runs with (its flags' defaults). */
export const UPSTREAM_OPERATOR_RATE = {
  qps: 5,
  burst: 10,
  queueRateLimit: 10,
  queueBurst: 100
} as const;

/** A testenv control plane: its scripts and its run directory. */
export class TestenvControl {
  /**
   * @param scripts - the testenv/ folder of the checkout
   * @param runDir - its run directory ($MPIJOB_TESTENV_DIR)
   */
  constructor(
    readonly scripts: string,
    readonly runDir: string
  ) {}

  /**
   * The control plane of a run directory, when its scripts are there.
   *
   * @param checkout - the checkout (where testenv/ is)
   * @param runDir - the run directory
   * @returns the control, or null when it cannot be controlled
   */
  static find(checkout: string, runDir: string): TestenvControl | null {
    const scripts = join(checkout, 'testenv');
    return existsSync(join(scripts, 'operator.sh')) &&
      existsSync(join(runDir, 'env'))
      ? new TestenvControl(scripts, runDir)
      : null;
  }

  /** The API server's audit log (it records the `bench` user). */
  get auditLog(): string {
    return join(this.runDir, 'logs', 'audit.log');
  }

  /** The kubeconfig (contexts testenv, testenv-bench…). */
  get kubeconfig(): string {
    return join(this.runDir, 'kubeconfig');
  }

  /**
   * Restarts the operator with these client rate limits.
   *
   * @returns seconds until it led again
   */
  async operatorRate(rate: IOperatorFlags): Promise<number> {
    const flags = [
      '--threadiness=4',
      `--kube-api-qps=${rate.qps}`,
      `--kube-api-burst=${rate.burst}`,
      `--controller-queue-rate-limit=${rate.queueRateLimit}`,
      `--controller-queue-burst=${rate.queueBurst}`
    ];
    const now = await fs
      .readFile(join(this.runDir, 'mpi-operator.args'), 'utf8')
      .catch(() => '');
    // Already so: a restart would only cost its lease's wait.
    if (now.trim() === flags.join(' ')) {
      return 0;
    }
    return this.script('operator.sh', ['flags', ...flags]);
  }

  /** Starts the operator again with the flags testenv/start.sh gives it. Seconds until it led. */
  restoreOperator(): Promise<number> {
    return this.script('operator.sh', ['flags', '--testenv']);
  }

  /**
   * The mpi-operator log's last lines, to say why a run stalled.
   *
   * @param count - how many
   * @returns its lines, none when it cannot be read
   */
  async operatorLogTail(count: number): Promise<string[]> {
    const text = await fs
      .readFile(join(this.runDir, 'logs', 'mpi-operator.log'), 'utf8')
      .catch(() => '');
    return text.trimEnd().split('\n').filter(Boolean).slice(-count);
  }

  /** Kills the operator (-9); its supervisor restarts it. Seconds until it led again. */
  killOperator(): Promise<number> {
    return this.script('operator.sh', ['kill']);
  }

  /** Restarts kube-apiserver. Seconds it was down. */
  restartApiServer(): Promise<number> {
    return this.script('restart.sh', ['kube-apiserver']);
  }

  /** Restarts etcd. Seconds until the API server was ready again. */
  restartEtcd(): Promise<number> {
    return this.script('restart.sh', ['etcd']);
  }

  private script(name: string, args: readonly string[]): Promise<number> {
    return new Promise((resolve, reject) => {
      execFile(
        join(this.scripts, name),
        [...args],
        {
          env: { ...process.env, MPIJOB_TESTENV_DIR: this.runDir },
          timeout: 180_000
        },
        (error, stdout, stderr) => {
          if (error) {
            reject(
              new Error(
                `${name} ${args.join(' ')}: ${stderr.trim() || error.message}`
              )
            );
          } else {
            resolve(Number(stdout.trim().split('\n').pop()));
          }
        }
      );
    });
  }
}
