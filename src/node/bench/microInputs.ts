/**
 * Inputs of the micro-benchmarks, built in memory: a large notebook and a
 * large MPIJob with its pods, shaped as real ones.
 */
import type { IMpiJobLike, IPodLike } from '../../core/status';

/**
 * A notebook of about `bytes` bytes: code cells (with a few IPython lines)
 * each carrying a base64 image output, as plotting notebooks do.
 *
 * @param bytes - approximate size of the JSON
 * @returns the notebook's JSON text
 */
export function syntheticNotebook(bytes: number): string {
  const code = [
    'import numpy as np',
    '%time x = np.arange(1000)',
    '!echo working',
    ...Array.from(
      { length: 40 },
      (_, i) =>
        `value_${i} = np.sqrt(np.arange(${i + 1}) ** 2).sum()  # line ${i}`
    ),
    'print(value_0)'
  ];
  const image = 'iVBORw0KGgo'.padEnd(16_000, 'A');
  const cell = (i: number) => ({
    cell_type: 'code',
    execution_count: i + 1,
    id: `cell-${i}`,
    metadata: {},
    outputs: [
      {
        output_type: 'display_data',
        data: { 'image/png': image, 'text/plain': '<Figure>' },
        metadata: {}
      }
    ],
    source: code.map(line => `${line}\n`)
  });
  const perCell = JSON.stringify(cell(0)).length;
  const count = Math.max(1, Math.round(bytes / perCell));
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: {
        name: 'python3',
        language: 'python',
        display_name: 'Python 3'
      }
    },
    cells: Array.from({ length: count }, (_, i) => cell(i))
  });
}

/**
 * An MPIJob with `workers` running workers and its launcher, as the
 * mpi-operator and kubelet report them.
 *
 * @param workers - worker pods
 * @returns the job and its pods
 */
export function largeJob(workers: number): {
  job: IMpiJobLike;
  pods: IPodLike[];
} {
  const at = '2025-03-01T10:00:00Z';
  const jobName = 'big';
  // Built untyped, with fields beyond IMpiJobLike as the API returns them.
  const manifest = {
    apiVersion: 'kubeflow.org/v2beta1',
    kind: 'MPIJob',
    metadata: {
      name: jobName,
      namespace: 'team-a',
      uid: 'uid-big',
      creationTimestamp: at
    },
    spec: {
      slotsPerWorker: 1,
      mpiReplicaSpecs: {
        Launcher: {
          replicas: 1,
          template: {
            spec: { containers: [{ name: 'launcher', image: 'img' }] }
          }
        },
        Worker: {
          replicas: workers,
          template: {
            spec: {
              containers: [
                {
                  name: 'worker',
                  image: 'img',
                  resources: { limits: { 'nvidia.com/gpu': '1' } }
                }
              ]
            }
          }
        }
      }
    },
    status: {
      conditions: [
        {
          type: 'Created',
          status: 'True',
          reason: 'MPIJobCreated',
          message: 'created',
          lastTransitionTime: at
        },
        {
          type: 'Running',
          status: 'True',
          reason: 'MPIJobRunning',
          message: 'running',
          lastTransitionTime: at
        }
      ],
      replicaStatuses: { Launcher: { active: 1 }, Worker: { active: workers } },
      startTime: at
    }
  };
  const job: IMpiJobLike = manifest;
  const pod = (name: string, role: string, index: number | null): IPodLike => {
    // Built untyped, with fields beyond IPodLike as the API returns them.
    const manifest = {
      metadata: {
        name,
        namespace: 'team-a',
        uid: `uid-${name}`,
        creationTimestamp: at,
        labels: {
          'training.kubeflow.org/operator-name': 'mpi-operator',
          'training.kubeflow.org/job-name': jobName,
          'training.kubeflow.org/job-role': role,
          ...(index !== null
            ? { 'training.kubeflow.org/replica-index': String(index) }
            : {})
        }
      },
      spec: {
        nodeName: `node-${(index ?? 0) % 8}`,
        containers: [{ name: role, image: 'img' }]
      },
      status: {
        phase: 'Running',
        startTime: at,
        conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: at }],
        containerStatuses: [
          {
            name: role,
            ready: true,
            restartCount: 0,
            state: { running: { startedAt: at } }
          }
        ]
      }
    };
    return manifest;
  };
  const pods = [
    pod(`${jobName}-launcher-x7k2p`, 'launcher', null),
    ...Array.from({ length: workers }, (_, i) =>
      pod(`${jobName}-worker-${i}`, 'worker', i)
    )
  ];
  return { job, pods };
}
