/**
 * Counting the job service's requests from kube-apiserver's audit log:
 * once per request whatever its stages, watches by how many were open at once.
 */
import { countAuditLines } from '../bench/scale/audit';

function line(
  auditID: string,
  stage: string,
  verb: string,
  resource: string,
  user = 'bench',
  extra: Record<string, string> = {}
): string {
  return JSON.stringify({
    kind: 'Event',
    auditID,
    stage,
    verb,
    user: { username: user },
    objectRef: { resource, ...extra }
  });
}

describe('#countAuditLines', () => {
  it('should count requests by verb and resource, once each, for one user', () => {
    const lines = [
      line('a', 'ResponseStarted', 'watch', 'pods'),
      line('b', 'ResponseComplete', 'create', 'mpijobs', 'bench', {
        apiGroup: 'kubeflow.org'
      }),
      line('c', 'ResponseComplete', 'get', 'pods', 'bench', {
        subresource: 'log'
      }),
      line('d', 'ResponseComplete', 'list', 'pods', 'admin'),
      line('a', 'ResponseComplete', 'watch', 'pods'),
      line('e', 'ResponseStarted', 'watch', 'pods'),
      '{"half a line'
    ];
    expect(countAuditLines(lines, 'bench')).toEqual([
      { verb: 'watch', resource: 'pods', count: 2, maxOpen: 1 },
      { verb: 'create', resource: 'mpijobs.kubeflow.org', count: 1 },
      { verb: 'get', resource: 'pods/log', count: 1 }
    ]);
  });

  it('should see watches open at the same time', () => {
    const lines = [
      line('a', 'ResponseStarted', 'watch', 'pods'),
      line('b', 'ResponseStarted', 'watch', 'pods'),
      line('c', 'ResponseStarted', 'watch', 'pods'),
      line('b', 'ResponseComplete', 'watch', 'pods')
    ];
    expect(countAuditLines(lines, 'bench')).toEqual([
      { verb: 'watch', resource: 'pods', count: 3, maxOpen: 3 }
    ]);
  });
});
