import fc from 'fast-check';

import { ValidationError } from '../errors';
import { CONFIGMAP_MAX_BYTES, GPU_RESOURCE, JOB_NAME_LABEL } from '../kube';
import type { IKubeObject } from '../kube';
import {
  DEFAULT_IMAGES,
  launcherCommand,
  MPI_HOSTFILE,
  programConfigMapName,
  PROGRAM_MOUNT_PATH,
  renderJob
} from '../manifest';
import { OPENMPI_TAGS_SCRIPT } from '../mpiOutput';
import type { IPackagedProgram } from '../notebook';
import { packageNotebook, PROGRAM_FILE_NAME } from '../notebook';
import type { ILaunchSpec } from '../spec';
import { parseLaunchSpec } from '../spec';
import { parseYamlStream, toYamlStream } from '../yamlStream';
import { mpirunOf } from './helpers/launcher';
import { crdErrors } from './helpers/reference';

const notebook = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {
    kernelspec: {
      name: 'python3',
      language: 'python',
      display_name: 'Python 3'
    }
  },
  cells: [
    { cell_type: 'markdown', metadata: {}, source: '# Pi' },
    {
      cell_type: 'code',
      metadata: {},
      execution_count: null,
      outputs: [],
      source: ['from mpi4py import MPI\n', 'print(MPI.COMM_WORLD.Get_rank())']
    }
  ]
};

const program: IPackagedProgram = packageNotebook(notebook, {
  notebookPath: 'pi.ipynb'
});

function spec(overrides: Record<string, unknown> = {}): ILaunchSpec {
  return parseLaunchSpec({
    name: 'pi',
    source: { notebook: 'pi.ipynb' },
    ...overrides
  });
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- walking rendered JSON in assertions

function replica(job: IKubeObject, role: 'Launcher' | 'Worker'): Json {
  return (job.spec as Json).mpiReplicaSpecs[role];
}

describe('#renderJob', () => {
  it('should render a ConfigMap and an MPIJob that mounts it on launcher and workers', () => {
    const rendered = renderJob(spec(), program);
    expect(rendered.objects.map(o => o.kind)).toEqual(['ConfigMap', 'MPIJob']);
    const configMap = rendered.configMap as IKubeObject;
    expect(configMap.metadata.name).toBe(programConfigMapName('pi'));
    expect((configMap.data as Json)[PROGRAM_FILE_NAME]).toBe(program.code);
    for (const role of ['Launcher', 'Worker'] as const) {
      const pod = replica(rendered.mpiJob, role).template.spec;
      expect(pod.volumes).toEqual([
        { name: 'program', configMap: { name: 'pi-program' } }
      ]);
      expect(pod.containers[0].volumeMounts).toEqual([
        { name: 'program', mountPath: PROGRAM_MOUNT_PATH, readOnly: true }
      ]);
    }
    expect(crdErrors(rendered.mpiJob)).toEqual([]);
  });

  it('should ask for nvidia.com/gpu on workers only, never on the launcher', () => {
    const rendered = renderJob(
      spec({ workers: 4, gpusPerWorker: 2, slotsPerWorker: 2 }),
      program
    );
    const worker = replica(rendered.mpiJob, 'Worker');
    expect(worker.replicas).toBe(4);
    expect(
      worker.template.spec.containers[0].resources.limits[GPU_RESOURCE]
    ).toBe('2');
    const launcher = replica(rendered.mpiJob, 'Launcher').template.spec
      .containers[0];
    expect(JSON.stringify(launcher.resources)).not.toContain(GPU_RESOURCE);
    expect((rendered.mpiJob.spec as Json).slotsPerWorker).toBe(2);
    expect(mpirunOf(launcher.command).slice(0, 3)).toEqual([
      'mpirun',
      '-n',
      '8'
    ]);
    expect(crdErrors(rendered.mpiJob)).toEqual([]);
  });

  it('should leave GPUs out when none are asked for', () => {
    const worker = replica(renderJob(spec(), program).mpiJob, 'Worker');
    expect(worker.template.spec.containers[0].resources.limits).toEqual({
      cpu: '1',
      memory: '2Gi'
    });
  });

  it.each([
    ['OpenMPI', ['-x', 'PYTHONUNBUFFERED'], OPENMPI_TAGS_SCRIPT, 'command'],
    ['Intel', [], '-prepend-rank', 'args'],
    ['MPICH', [], '-prepend-rank', 'args']
  ])(
    'should launch %s ranks with mpirun and the right flags',
    (mpiImplementation, forwarded, rankTag, field) => {
      const s = spec({
        mpiImplementation,
        workers: 3,
        env: [{ name: 'SEED', value: '7' }]
      });
      const command = launcherCommand(s);
      expect(mpirunOf(command).slice(0, 3)).toEqual(['mpirun', '-n', '3']);
      expect(command.slice(-3)).toEqual([
        'python3',
        '-u',
        `${PROGRAM_MOUNT_PATH}/${PROGRAM_FILE_NAME}`
      ]);
      // Rank-tagged output is what lets pod logs be split by rank.
      expect(command).toContain(rankTag);
      const forwardsEnv = command.join(' ').includes('-x SEED');
      expect(forwardsEnv).toBe(forwarded.length > 0);
      const rendered = renderJob(s, program);
      expect((rendered.mpiJob.spec as Json).mpiImplementation).toBe(
        mpiImplementation
      );
      // Hydra launchers keep the image's entrypoint (upstream's waits for
      // the workers' DNS names); Open MPI's mpirun replaces it.
      const container = replica(rendered.mpiJob, 'Launcher').template.spec
        .containers[0];
      expect(container[field]).toEqual(command);
      expect(Object.keys(container)).not.toContain(
        field === 'command' ? 'args' : 'command'
      );
      expect(
        replica(rendered.mpiJob, 'Launcher').template.spec.containers[0].image
      ).toBe(DEFAULT_IMAGES[mpiImplementation as keyof typeof DEFAULT_IMAGES]);
      expect(crdErrors(rendered.mpiJob)).toEqual([]);
    }
  );

  it('should place Open MPI ranks on the workers with the hostfile on the command line, for Open MPI 4 and 5 alike', () => {
    const s = spec({ workers: 2 });
    const command = launcherCommand(s);
    // Open MPI 5 (PRRTE) ignores OMPI_MCA_orte_default_hostfile, which is
    // all the operator sets: without --hostfile every rank runs on the launcher.
    const at = command.indexOf('--hostfile');
    expect(at).toBeGreaterThan(0);
    expect(command[at + 1]).toBe(MPI_HOSTFILE);
    expect(MPI_HOSTFILE).toBe('/etc/mpi/hostfile');
    // ssh retries while a worker's sshd starts: the operator's
    // OMPI_MCA_plm_rsh_args is Open MPI 4's name, PRRTE reads this one.
    const env = replica(renderJob(s, program).mpiJob, 'Launcher').template.spec
      .containers[0].env;
    expect(env).toContainEqual({
      name: 'PRTE_MCA_plm_ssh_args',
      value: '-o ConnectionAttempts=10'
    });
    for (const hydra of ['Intel', 'MPICH']) {
      const hydraSpec = spec({ workers: 2, mpiImplementation: hydra });
      expect(launcherCommand(hydraSpec)).not.toContain('--hostfile');
      const hydraEnv = replica(renderJob(hydraSpec, program).mpiJob, 'Launcher')
        .template.spec.containers[0].env as Json[];
      expect(hydraEnv.map(e => e.name)).not.toContain('PRTE_MCA_plm_ssh_args');
    }
  });

  it('should let a user setting override the ssh retry options', () => {
    const env = replica(
      renderJob(
        spec({ env: [{ name: 'PRTE_MCA_plm_ssh_args', value: '-p 22' }] }),
        program
      ).mpiJob,
      'Launcher'
    ).template.spec.containers[0].env as Json[];
    expect(env.filter(e => e.name === 'PRTE_MCA_plm_ssh_args')).toEqual([
      { name: 'PRTE_MCA_plm_ssh_args', value: '-p 22' }
    ]);
  });

  it.each(['OpenMPI', 'Intel', 'MPICH'])(
    'should create the %s launcher only once every worker is Ready',
    mpiImplementation => {
      const job = renderJob(spec({ mpiImplementation }), program).mpiJob;
      expect((job.spec as Json).launcherCreationPolicy).toBe(
        'WaitForWorkersReady'
      );
      expect(crdErrors(job)).toEqual([]);
    }
  );

  it('should fail fast by default and retry only when asked', () => {
    const failFast = renderJob(spec(), program).mpiJob;
    expect((failFast.spec as Json).runPolicy).toEqual({
      backoffLimit: 0,
      cleanPodPolicy: 'Running'
    });
    expect(replica(failFast, 'Launcher').restartPolicy).toBe('Never');
    expect(replica(failFast, 'Worker').restartPolicy).toBe('Never');
    const retrying = renderJob(
      spec({ runPolicy: { backoffLimit: 3, activeDeadlineSeconds: 600 } }),
      program
    ).mpiJob;
    expect((retrying.spec as Json).runPolicy).toEqual({
      backoffLimit: 3,
      cleanPodPolicy: 'Running',
      activeDeadlineSeconds: 600
    });
    expect(replica(retrying, 'Launcher').restartPolicy).toBe('OnFailure');
  });

  it('should put gang scheduling in runPolicy.schedulingPolicy with the launcher in the gang', () => {
    const job = renderJob(
      spec({
        workers: 8,
        scheduling: {
          gang: 'volcano',
          queue: 'research',
          priorityClass: 'high'
        }
      }),
      program
    ).mpiJob;
    expect((job.spec as Json).runPolicy.schedulingPolicy).toEqual({
      minAvailable: 9,
      queue: 'research',
      priorityClass: 'high'
    });
    expect(crdErrors(job)).toEqual([]);
    const none = renderJob(
      spec({ scheduling: { gang: 'none' } }),
      program
    ).mpiJob;
    expect((none.spec as Json).runPolicy.schedulingPolicy).toBeUndefined();
  });

  it('should isolate the job network only when asked', () => {
    expect(renderJob(spec(), program).networkPolicy).toBeNull();
    const rendered = renderJob(spec({ networkPolicy: true }), program);
    expect(rendered.objects.map(o => o.kind)).toEqual([
      'ConfigMap',
      'MPIJob',
      'NetworkPolicy'
    ]);
    const policy = rendered.networkPolicy as IKubeObject;
    const own = { podSelector: { matchLabels: { [JOB_NAME_LABEL]: 'pi' } } };
    expect((policy.spec as Json).podSelector).toEqual(own.podSelector);
    expect((policy.spec as Json).ingress).toEqual([{ from: [own] }]);
    expect((policy.spec as Json).egress[0]).toEqual({ to: [own] });
    const dnsPorts = (policy.spec as Json).egress[1].ports.map(
      (p: Json) => p.port
    );
    expect(new Set(dnsPorts)).toEqual(new Set([53, 5353]));
    // The policy selects the pods by the label the pod templates carry.
    const podLabels = replica(rendered.mpiJob, 'Worker').template.metadata
      .labels;
    expect(podLabels[JOB_NAME_LABEL]).toBe('pi');
  });

  it('should run a command instead of notebook code without a ConfigMap', () => {
    const rendered = renderJob(
      spec({ command: ['python3', 'train.py', '--epochs', '3'] }),
      null
    );
    expect(rendered.configMap).toBeNull();
    const launcher = replica(rendered.mpiJob, 'Launcher').template.spec;
    expect(launcher.containers[0].command.slice(-4)).toEqual([
      'python3',
      'train.py',
      '--epochs',
      '3'
    ]);
    expect(launcher.volumes).toBeUndefined();
    expect(crdErrors(rendered.mpiJob)).toEqual([]);
  });

  it('should refuse a program bigger than a ConfigMap holds, saying what to do', () => {
    const huge = packageNotebook(
      {
        ...notebook,
        cells: [
          {
            ...notebook.cells[1],
            source: `x = '${'a'.repeat(CONFIGMAP_MAX_BYTES)}'`
          }
        ]
      },
      { notebookPath: 'pi.ipynb' }
    );
    expect(() => renderJob(spec(), huge)).toThrow(ValidationError);
    try {
      renderJob(spec(), huge);
    } catch (error) {
      const [problem] = (error as ValidationError).problems;
      expect(problem.path).toBe('source');
      expect(problem.message).toMatch(
        /^the packaged code is 1\.\d\d MiB, more than a ConfigMap can hold \(1\.00 MiB\)/
      );
      expect(problem.message).toMatch(/skip-mpijob/);
    }
  });

  it('should be deterministic: same input, byte-identical YAML', () => {
    const s = spec({
      networkPolicy: true,
      env: [{ name: 'A', value: '1' }],
      labels: { team: 'ml' }
    });
    expect(toYamlStream(renderJob(s, program).objects)).toBe(
      toYamlStream(renderJob(s, program).objects)
    );
  });

  it('should survive a YAML round trip unchanged', () => {
    const objects = renderJob(spec({ networkPolicy: true }), program).objects;
    expect(parseYamlStream(toYamlStream(objects))).toEqual(objects);
  });

  it('should render a CRD-valid MPIJob for any valid spec (property)', () => {
    const specs = fc.record(
      {
        name: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/),
        namespace: fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,10}[a-z0-9]$/),
        mpiImplementation: fc.constantFrom('OpenMPI', 'Intel', 'MPICH'),
        workers: fc.integer({ min: 1, max: 1000 }),
        slotsPerWorker: fc.integer({ min: 1, max: 256 }),
        gpusPerWorker: fc.integer({ min: 0, max: 16 }),
        cpu: fc.constantFrom('1', '500m', '2.5', '16'),
        memory: fc.constantFrom('512Mi', '2Gi', '1G', '100'),
        networkPolicy: fc.boolean(),
        env: fc.array(
          fc.record({
            name: fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,8}$/),
            value: fc.string()
          }),
          { maxLength: 3 }
        ),
        scheduling: fc.oneof(
          fc.constant({ gang: 'none' }),
          fc.record({
            gang: fc.constant('volcano'),
            queue: fc.constantFrom('default', 'q1')
          }),
          fc.record({
            gang: fc.constant('scheduler-plugins'),
            scheduleTimeoutSeconds: fc.integer({ min: 1, max: 3600 })
          })
        ),
        runPolicy: fc.record(
          {
            backoffLimit: fc.integer({ min: 0, max: 100 }),
            cleanPodPolicy: fc.constantFrom('None', 'Running', 'All'),
            ttlSecondsAfterFinished: fc.integer({ min: 0, max: 86400 })
          },
          { requiredKeys: [] }
        )
      },
      { requiredKeys: ['name'] }
    );
    fc.assert(
      fc.property(specs, raw => {
        const s = parseLaunchSpec({ ...raw, source: { notebook: 'pi.ipynb' } });
        const rendered = renderJob(s, program);
        const errors = crdErrors(rendered.mpiJob);
        if (errors.length) {
          throw new Error(errors.join('\n'));
        }
        const worker = replica(rendered.mpiJob, 'Worker');
        const launcher = replica(rendered.mpiJob, 'Launcher').template.spec
          .containers[0];
        return (
          worker.replicas === s.workers &&
          mpirunOf(launcher.command ?? launcher.args)[2] ===
            String(s.workers * s.slotsPerWorker) &&
          rendered.objects.every(o => o.metadata.namespace === s.namespace) &&
          (rendered.networkPolicy !== null) === s.networkPolicy
        );
      }),
      { numRuns: 200 }
    );
  });
});
