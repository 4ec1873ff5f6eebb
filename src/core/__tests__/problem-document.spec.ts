/**
 * The problem+json codec: what the service encodes, every client decodes
 * the same, and bodies of other shapes (a proxy's) decode to nothing.
 */
import fc from 'fast-check';

import { jobApiPath, jobKey } from '../jobKey';
import {
  decodeProblem,
  encodeProblem,
  PROBLEM_TYPE_PREFIX,
  REASON_STATUS
} from '../problem';

describe('problem documents', () => {
  it('encodes a failure with its reason as title and type', () => {
    expect(
      encodeProblem(
        {
          status: 422,
          reason: 'Invalid',
          detail: 'workers: must be at least 1',
          problems: [{ path: 'workers', message: 'must be at least 1' }]
        },
        '/api/jobs'
      )
    ).toEqual({
      type: `${PROBLEM_TYPE_PREFIX}Invalid`,
      title: 'Invalid',
      status: 422,
      detail: 'workers: must be at least 1',
      instance: '/api/jobs',
      message: 'workers: must be at least 1',
      errors: [{ path: 'workers', message: 'must be at least 1' }]
    });
  });

  it('decodes what it encodes', () => {
    const reason = fc.constantFrom(
      ...(Object.keys(REASON_STATUS) as (keyof typeof REASON_STATUS)[])
    );
    const problem = fc.record({ path: fc.string(), message: fc.string() });
    fc.assert(
      fc.property(
        reason,
        fc.string(),
        fc.array(problem, { maxLength: 3 }),
        (why, detail, problems) => {
          const status = REASON_STATUS[why];
          const wire = JSON.parse(
            JSON.stringify(
              encodeProblem({ status, reason: why, detail, problems }, '/x')
            )
          );
          expect(decodeProblem(wire, 500)).toEqual({
            title: why,
            status,
            detail,
            ...(problems.length ? { errors: problems } : {})
          });
        }
      )
    );
  });

  it('takes message for a missing detail and the status for a missing title', () => {
    expect(decodeProblem({ message: 'gone' }, 404)).toEqual({
      title: 'NotFound',
      status: 404,
      detail: 'gone'
    });
  });

  it('decodes a body that says nothing to null', () => {
    for (const body of [null, 'text', [1], {}, { title: 'NotFound' }]) {
      expect(decodeProblem(body, 502)).toBeNull();
    }
  });
});

describe('job keys', () => {
  it('names a job as namespace/name and escapes its API path', () => {
    expect(jobKey({ namespace: 'team-a', name: 'pi' })).toBe('team-a/pi');
    expect(jobApiPath({ namespace: 'a b', name: 'pi' })).toBe('jobs/a%20b/pi');
    expect(jobApiPath({ namespace: 'a', name: 'pi' }, 'stream')).toBe(
      'jobs/a/pi/stream'
    );
  });
});
