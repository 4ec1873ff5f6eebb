import { ValidationError } from '../errors';
import { classifyDocument, prepareMpiJob } from '../inputDocument';
import { parseYamlStream, toYamlStream } from '../yamlStream';
import { crdErrors, upstreamExamples } from './helpers/reference';

const examples = upstreamExamples();
const defaultNamespace = { value: 'default', explicit: false };

function problems(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) {
      return [...error.problems];
    }
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('upstream MPIJob examples', () => {
  it('should include the five v2beta1 examples', () => {
    expect(examples.map(([file]) => file)).toEqual([
      'pi-intel.yaml',
      'pi-mpich.yaml',
      'pi.yaml',
      'tensorflow-benchmarks.yaml',
      'tensorflow-mnist.yaml'
    ]);
  });

  it.each(examples)(
    'should accept %s as an MPIJob and keep it intact',
    (file, text) => {
      const [doc] = parseYamlStream(text, file);
      const input = classifyDocument(doc);
      expect(input.kind).toBe('mpijob');
      const prepared = prepareMpiJob(input.object, defaultNamespace);
      expect(prepared.metadata.namespace).toBe('default');
      const { namespace, ...metadata } = prepared.metadata;
      expect(namespace).toBe('default');
      expect({ ...prepared, metadata }).toEqual(doc);
      expect(crdErrors(prepared)).toEqual([]);
      expect(parseYamlStream(toYamlStream([prepared]))).toEqual([prepared]);
    }
  );
});

describe('#prepareMpiJob', () => {
  const [, piText] = examples.find(([file]) => file === 'pi.yaml') as [
    string,
    string
  ];
  const pi = () =>
    structuredClone(parseYamlStream(piText)[0]) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

  it('should use -n when the manifest names no namespace', () => {
    expect(
      prepareMpiJob(pi(), { value: 'team-a', explicit: true }).metadata
        .namespace
    ).toBe('team-a');
  });

  it('should refuse a namespace that contradicts -n, like kubectl', () => {
    const job = pi();
    job.metadata.namespace = 'team-b';
    expect(
      problems(() => prepareMpiJob(job, { value: 'team-a', explicit: true }))[0]
        .message
    ).toBe(
      `the namespace from the provided object "team-b" does not match the namespace "team-a". You must pass '--namespace=team-b' to perform this operation.`
    );
  });

  it('should name every structural problem with its path', () => {
    const job = pi();
    job.apiVersion = 'kubeflow.org/v1';
    job.metadata.name = 'Pi_Job';
    delete job.spec.mpiReplicaSpecs.Launcher.template.spec.containers[0].image;
    job.spec.mpiReplicaSpecs.Launcher.replicas = 2;
    job.spec.mpiReplicaSpecs.Master = job.spec.mpiReplicaSpecs.Worker;
    const found = problems(() => prepareMpiJob(job, defaultNamespace));
    const paths = found.map(p => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'apiVersion',
        'metadata.name',
        'spec.mpiReplicaSpecs.Launcher.template.spec.containers[0].image',
        'spec.mpiReplicaSpecs.Launcher.replicas',
        'spec.mpiReplicaSpecs.Master'
      ])
    );
    expect(found.find(p => p.path === 'apiVersion')?.message).toMatch(
      /use kubeflow\.org\/v2beta1/
    );
  });
});

describe('#classifyDocument', () => {
  it('should treat a document without kind as a launch spec', () => {
    expect(classifyDocument({ name: 'x', workers: 2 }).kind).toBe(
      'launch-spec'
    );
  });

  it('should refuse other kinds and non-objects', () => {
    expect(
      problems(() => classifyDocument({ apiVersion: 'v1', kind: 'Pod' }))[0]
    ).toEqual({
      path: 'kind',
      message: expect.stringMatching(/^"Pod" is not supported/)
    });
    expect(problems(() => classifyDocument(['a']))[0].message).toMatch(
      /expected a mapping/
    );
  });
});
