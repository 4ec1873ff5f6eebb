/**
 * Image references as Kubernetes reads them (the distribution reference
 * grammar the kubelet parses with): what it accepts passes, what it would
 * leave in InvalidImageName is refused with a sentence that says why.
 */
import { imageReferenceProblem } from '../imageRef';
import { validateLaunchSpec } from '../spec';
import { classifyDocument, prepareMpiJob } from '../inputDocument';

describe('imageReferenceProblem', () => {
  it.each([
    'python',
    'python:3.12-slim',
    'mpioperator/openmpi:v0.8.0',
    'docker.io/library/python:3.12',
    'quay.io/team/train:1.0',
    'localhost:5000/a/b:c',
    'registry.example.com:443/ml/train_v2:2024.01.15-rc1',
    `python@sha256:${'a'.repeat(64)}`,
    `ghcr.io/org/img:v1@sha256:${'0'.repeat(64)}`,
    'Registry.Example.com/team/train',
    '[::1]:5000/train'
  ])('should accept %p', image => {
    expect(imageReferenceProblem(image)).toBeNull();
  });

  it.each([
    [
      'UPPERCASE:tag',
      /lowercase in the repository name \("uppercase", not "UPPERCASE"\)/
    ],
    ['quay.io/team/Train:1', /lowercase in the repository name/],
    ['python:.bad', /invalid tag/],
    [`python:${'x'.repeat(129)}`, /invalid tag/],
    ['python@sha256:12', /invalid digest/],
    ['a' + '0'.repeat(63), /must name a repository/],
    ['team//train', /repository name of lowercase letters/],
    ['-team/train', /repository name of lowercase letters/],
    ['quay.io:port/train', /invalid registry "quay.io:port"/],
    ['my image', /without spaces/],
    [':tag', /must start with a repository name/]
  ])('should refuse %p', (image, message) => {
    expect(imageReferenceProblem(image)).toMatch(message);
  });

  it('should refuse a bad image in a launch spec, naming the field', () => {
    const result = validateLaunchSpec({
      name: 'pi',
      command: ['true'],
      image: 'UPPERCASE:tag'
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.map(p => p.path)).toEqual(['image']);
  });

  it('should refuse a bad image in an MPIJob manifest, naming the container', () => {
    const document = classifyDocument({
      apiVersion: 'kubeflow.org/v2beta1',
      kind: 'MPIJob',
      metadata: { name: 'pi' },
      spec: {
        mpiReplicaSpecs: {
          Launcher: {
            replicas: 1,
            template: {
              spec: { containers: [{ name: 'l', image: 'Python:3' }] }
            }
          },
          Worker: {
            replicas: 1,
            template: {
              spec: { containers: [{ name: 'w', image: 'python:3' }] }
            }
          }
        }
      }
    });
    if (document.kind !== 'mpijob') {
      throw new Error('not an MPIJob');
    }
    expect(() =>
      prepareMpiJob(document.object, { value: 'default', explicit: false })
    ).toThrow(
      /spec\.mpiReplicaSpecs\.Launcher\.template\.spec\.containers\[0\]\.image: must be lowercase/
    );
  });
});
