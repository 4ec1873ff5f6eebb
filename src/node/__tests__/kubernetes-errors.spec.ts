/**
 * API server failures become messages a person can act on. The Status
 * bodies here are the ones kube-apiserver sends (the end-to-end suite checks
 * the same messages against a real one).
 */
import { backoffDelay } from '../backends/kubernetes/backoff';
import { isQuotaPending, toBackendError } from '../backends/kubernetes/errors';

const target = { server: 'https://10.0.0.1:6443', user: 'alice' };
const create = {
  verb: 'create',
  resource: 'mpijobs.kubeflow.org',
  name: 'pi',
  namespace: 'team-a'
};

function apiException(code: number, body: unknown): Error {
  return Object.assign(new Error(`HTTP-Code: ${code}`), {
    code,
    body: JSON.stringify(body)
  });
}

describe('toBackendError', () => {
  it('should name the user, verb, resource and namespace on 403, and the admin fix', () => {
    const error = toBackendError(
      apiException(403, {
        kind: 'Status',
        reason: 'Forbidden',
        message:
          'mpijobs.kubeflow.org is forbidden: User "alice" cannot create resource "mpijobs" in API group "kubeflow.org" in the namespace "team-a"'
      }),
      create,
      target
    );
    expect(error.reason).toBe('Forbidden');
    expect(error.status).toBe(403);
    expect(error.message).toMatch(
      /^user "alice" may not create mpijobs.kubeflow.org in namespace "team-a"/
    );
    expect(error.message).toMatch(
      /mpijob admin templates -n team-a --user alice/
    );
  });

  it('should explain quota refusals instead of calling them permissions', () => {
    const error = toBackendError(
      apiException(403, {
        reason: 'Forbidden',
        message:
          'pods "pi-worker-0" is forbidden: exceeded quota: gpus, requested: requests.nvidia.com/gpu=1, used: requests.nvidia.com/gpu=2, limited: requests.nvidia.com/gpu=2'
      }),
      create,
      target
    );
    expect(error.message).toMatch(/exceeded quota: gpus/);
    expect(error.message).toMatch(/ResourceQuota has no room/);
    // Nothing is forbidden: the job does not fit (422), unlike RBAC (403).
    expect(error.reason).toBe('Invalid');
    expect(error.status).toBe(422);
  });

  it('should say that the name is taken in words for any client (the CLI adds --generate-name)', () => {
    const error = toBackendError(
      apiException(409, { reason: 'AlreadyExists', message: 'already exists' }),
      create,
      target
    );
    expect(error.reason).toBe('AlreadyExists');
    expect(error.message).toBe(
      'mpijobs.kubeflow.org "pi" already exists in namespace "team-a": choose another name'
    );
  });

  it('should keep the API server field paths of a 422', () => {
    const error = toBackendError(
      apiException(422, {
        reason: 'Invalid',
        message:
          'MPIJob.kubeflow.org "pi" is invalid: spec.slotsPerWorker: Invalid value: -1',
        details: {
          causes: [
            {
              field: 'spec.slotsPerWorker',
              message: 'Invalid value: -1: must be >= 1'
            }
          ]
        }
      }),
      create,
      target
    );
    expect(error.reason).toBe('Invalid');
    expect(error.problems).toEqual([
      {
        path: 'spec.slotsPerWorker',
        message: 'Invalid value: -1: must be >= 1'
      }
    ]);
  });

  it('should tell an unreachable server and a TLS mismatch apart', () => {
    const refused = toBackendError(
      Object.assign(new Error('request failed'), {
        cause: Object.assign(new Error('connect ECONNREFUSED'), {
          code: 'ECONNREFUSED'
        })
      }),
      create,
      target
    );
    expect(refused.reason).toBe('ServiceUnavailable');
    expect(refused.message).toMatch(
      /^cannot reach the Kubernetes API at https:\/\/10.0.0.1:6443: ECONNREFUSED/
    );
    const tls = toBackendError(
      Object.assign(new Error('self-signed certificate in certificate chain'), {
        code: 'SELF_SIGNED_CERT_IN_CHAIN'
      }),
      create,
      target
    );
    expect(tls.message).toMatch(/^TLS error talking to the Kubernetes API/);
    expect(tls.message).toMatch(/certificate-authority/);
  });

  it('should ask for a fresh login on 401', () => {
    const error = toBackendError(apiException(401, {}), create, target);
    expect(error.reason).toBe('Unauthorized');
    expect(error.message).toMatch(/credentials of user "alice"/);
  });
});

describe('backoffDelay', () => {
  it('should grow exponentially up to the cap, with jitter below the ceiling', () => {
    const top = () => 0.999999;
    expect(backoffDelay(1, 250, 15_000, top)).toBe(249);
    expect(backoffDelay(3, 250, 15_000, top)).toBe(999);
    expect(backoffDelay(30, 250, 15_000, top)).toBe(14_999);
    expect(backoffDelay(5, 250, 15_000, () => 0)).toBe(50);
  });
});

describe('isQuotaPending', () => {
  it('should tell a quota not counted yet from a refusal', () => {
    const pending = apiException(403, {
      reason: 'Forbidden',
      message:
        'mpijobs.kubeflow.org "pi" is forbidden: status unknown for quota: mpijob-quota, resources: count/mpijobs.kubeflow.org'
    });
    expect(isQuotaPending(pending)).toBe(true);
    expect(toBackendError(pending, create, target).message).toMatch(
      /not counted yet; try again in a few seconds$/
    );
    expect(
      isQuotaPending(apiException(403, { message: 'cannot create resource' }))
    ).toBe(false);
  });
});
