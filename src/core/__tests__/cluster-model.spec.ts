/**
 * The pure side of the kubernetes backend: quantities, the resources of a
 * whole gang against ResourceQuotas, tenant templates, pod log lines, and
 * records made from cluster objects.
 */
import fc from 'fast-check';

import { recordFromCluster, SPEC_ANNOTATION } from '../clusterRecord';
import { gangResources, quotaShortfalls } from '../gang';
import type { IKubeObject } from '../kube';
import { renderJob } from '../manifest';
import { generatedName } from '../naming';
import { splitTimestamp } from '../podLog';
import { formatQuantity, parseQuantity } from '../quantity';
import { parseLaunchSpec } from '../spec';
import { TENANT_RULES, tenantTemplates } from '../tenancy';
import { crdErrors, upstreamExamples } from './helpers/reference';
import { parse } from 'yaml';

function gpuJob(workers: number, gpus: number): IKubeObject {
  const spec = parseLaunchSpec({
    name: 'train',
    namespace: 'team-a',
    command: ['python', 'train.py'],
    workers,
    gpusPerWorker: gpus,
    cpu: '4',
    memory: '16Gi'
  });
  return renderJob(spec, null).mpiJob;
}

describe('parseQuantity', () => {
  it.each([
    ['500m', 0.5],
    ['2', 2],
    ['1.5', 1.5],
    ['4Gi', 4 * 2 ** 30],
    ['512Mi', 512 * 2 ** 20],
    ['1k', 1000],
    ['1e3', 1000],
    ['100M', 1e8],
    [8, 8]
  ])('should read %p as %p', (text, value) => {
    expect(parseQuantity(text)).toBeCloseTo(value as number, 9);
  });

  it.each(['', 'Gi', '1.2.3', 'lots', '1 Gi', null, undefined])(
    'should refuse %p',
    text => {
      expect(parseQuantity(text)).toBeNull();
    }
  );

  it('should read back what formatQuantity writes for memory and CPU', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4096 }), mebibytes => {
        const bytes = mebibytes * 2 ** 20;
        expect(parseQuantity(formatQuantity('requests.memory', bytes))).toBe(
          bytes
        );
      })
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64000 }), millicores => {
        const cores = millicores / 1000;
        expect(parseQuantity(formatQuantity('cpu', cores))).toBeCloseTo(
          cores,
          9
        );
      })
    );
  });
});

describe('gang resources and quota', () => {
  it('should count the launcher and every worker, GPUs only on workers', () => {
    const gang = gangResources(gpuJob(4, 2));
    expect(gang.pods).toBe(5);
    expect(gang.workers).toBe(4);
    expect(gang.limits['nvidia.com/gpu']).toBe(8);
    expect(gang.requests['nvidia.com/gpu']).toBe(8);
    // 4 workers x 4 cores + the launcher's own request.
    expect(gang.requests.cpu).toBeGreaterThan(16);
  });

  it('should count limits as requests where a container gives only limits (upstream examples)', () => {
    const [, text] = upstreamExamples().find(([name]) => name === 'pi.yaml')!;
    const gang = gangResources(parse(text) as IKubeObject);
    expect(gang).toMatchObject({ pods: 3, workers: 2 });
    expect(gang.requests.cpu).toBe(3);
    expect(gang.requests.memory).toBe(3 * 2 ** 30);
  });

  it('should name the quota and resource the gang exceeds, and pass when it fits', () => {
    const gang = gangResources(gpuJob(4, 1));
    const quotas = [
      {
        metadata: { name: 'gpus' },
        status: {
          hard: { 'requests.nvidia.com/gpu': '6', pods: '20' },
          used: { 'requests.nvidia.com/gpu': '3', pods: '4' }
        }
      }
    ];
    expect(quotaShortfalls(quotas, gang)).toEqual([
      {
        quota: 'gpus',
        resource: 'requests.nvidia.com/gpu',
        needed: '4',
        available: '3',
        hard: '6'
      }
    ]);
    expect(quotaShortfalls(quotas, gangResources(gpuJob(3, 1)))).toEqual([]);
  });

  it('should never report a shortfall when every hard limit is at least usage plus need', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 32 }),
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 0, max: 100 }),
        (workers, gpus, used) => {
          const gang = gangResources(gpuJob(workers, gpus));
          const hard = {
            pods: String(used + gang.pods),
            'requests.nvidia.com/gpu': String(used + workers * gpus)
          };
          const usage = {
            pods: String(used),
            'requests.nvidia.com/gpu': String(used)
          };
          expect(
            quotaShortfalls([{ status: { hard, used: usage } }], gang)
          ).toEqual([]);
          const tight = { ...hard, pods: String(used + gang.pods - 1) };
          expect(
            quotaShortfalls(
              [{ status: { hard: tight, used: usage } }],
              gang
            ).map(s => s.resource)
          ).toEqual(['pods']);
        }
      )
    );
  });
});

describe('tenant templates', () => {
  it('should bind the Role to the given subjects and grant every verb the backend uses', () => {
    const [role, binding, policy, quota] = tenantTemplates('team-a', {
      users: ['alice'],
      groups: ['ml'],
      serviceAccounts: ['jupyter', 'other:sa']
    });
    expect(role.kind).toBe('Role');
    expect(binding.subjects).toEqual([
      { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' },
      { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'ml' },
      { kind: 'ServiceAccount', namespace: 'team-a', name: 'jupyter' },
      { kind: 'ServiceAccount', namespace: 'other', name: 'sa' }
    ]);
    const granted = (role.rules as typeof TENANT_RULES).flatMap(r =>
      r.resources.flatMap(res => r.verbs.map(v => `${v} ${res}`))
    );
    for (const needed of [
      'create mpijobs',
      'watch mpijobs',
      'delete mpijobs',
      'create configmaps',
      'patch configmaps',
      'get pods/log',
      'watch pods',
      'list events',
      'list resourcequotas'
    ]) {
      expect(granted).toContain(needed);
    }
    expect(policy.kind).toBe('NetworkPolicy');
    expect(quota.kind).toBe('ResourceQuota');
    for (const object of [role, binding, policy, quota]) {
      expect(object.metadata.namespace).toBe('team-a');
    }
  });

  it('should bind a namespace group when no subject is given', () => {
    const [, binding] = tenantTemplates('team-b');
    expect(binding.subjects).toEqual([
      {
        kind: 'Group',
        apiGroup: 'rbac.authorization.k8s.io',
        name: 'team-b:mpijob-users'
      }
    ]);
  });
});

describe('pod log lines', () => {
  it('should split the timestamp and pad its fraction so stamps sort as strings', () => {
    expect(splitTimestamp('2026-01-01T00:00:00.1Z hello world')).toEqual({
      stamp: '2026-01-01T00:00:00.100000000Z',
      text: 'hello world'
    });
    expect(splitTimestamp('2026-01-01T00:00:00Z x').stamp).toBe(
      '2026-01-01T00:00:00.000000000Z'
    );
    expect(splitTimestamp('no stamp here')).toEqual({
      stamp: null,
      text: 'no stamp here'
    });
  });

  it('should order padded stamps as the times they stand for', () => {
    const times = fc.integer({ min: 0, max: 2 ** 40 });
    fc.assert(
      fc.property(times, times, (a, b) => {
        const stamp = (ns: number): string => {
          const seconds = Math.floor(ns / 1e9);
          const fraction = String(ns % 1e9)
            .padStart(9, '0')
            .replace(/0+$/, '');
          const base = new Date(seconds * 1000).toISOString().slice(0, 19);
          return `${base}${fraction ? `.${fraction}` : ''}Z x`;
        };
        const sa = splitTimestamp(stamp(a)).stamp!;
        const sb = splitTimestamp(stamp(b)).stamp!;
        expect(Math.sign(sa.localeCompare(sb))).toBe(Math.sign(a - b));
      })
    );
  });
});

describe('generatedName', () => {
  it('should add a 5-character suffix and stay a valid label', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z][a-z0-9-]{0,80}$/), prefix => {
        const name = generatedName(prefix);
        expect(name.length).toBeLessThanOrEqual(63);
        expect(name).toMatch(/^[a-z][a-z0-9-]*-[b-z2-9]{5}$/);
      })
    );
  });
});

describe('recordFromCluster', () => {
  it('should read the spec, notebook and workers from a submitted MPIJob and its pods', () => {
    const spec = parseLaunchSpec({
      name: 'pi',
      namespace: 'team-a',
      command: ['python', 'pi.py'],
      workers: 2,
      gpusPerWorker: 1
    });
    const job = renderJob(spec, null).mpiJob;
    expect(crdErrors(job)).toEqual([]);
    const stored = {
      ...job,
      metadata: {
        ...job.metadata,
        uid: 'u-1',
        resourceVersion: '41',
        creationTimestamp: '2026-01-01T00:00:00Z',
        annotations: { [SPEC_ANNOTATION]: JSON.stringify(spec) }
      },
      status: {
        conditions: [
          { type: 'Created', status: 'True' },
          { type: 'Succeeded', status: 'True', reason: 'MPIJobSucceeded' }
        ]
      }
    };
    const launcher = {
      metadata: {
        name: 'pi-launcher-abcde',
        resourceVersion: '57',
        labels: {
          'training.kubeflow.org/job-name': 'pi',
          'training.kubeflow.org/job-role': 'launcher'
        }
      },
      status: {
        phase: 'Succeeded',
        containerStatuses: [
          {
            name: 'launcher',
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: 0 } }
          }
        ]
      }
    };
    const record = recordFromCluster(stored, [launcher]);
    expect(record).toMatchObject({
      name: 'pi',
      namespace: 'team-a',
      uid: 'u-1',
      backend: 'kubernetes',
      workers: 2,
      gpusPerWorker: 1,
      exitCode: 0,
      status: { phase: 'Succeeded' }
    });
    expect(record.spec).toEqual(spec);
  });

  it('should ignore a spec annotation that is not a valid spec', () => {
    const job = gpuJob(1, 0);
    job.metadata.annotations = { [SPEC_ANNOTATION]: '{"workers": -3}' };
    expect(recordFromCluster(job, []).spec).toBeNull();
  });
});
