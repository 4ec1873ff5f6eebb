/**
 * What the jobs list asks the service for and how it shows a job's times,
 * without the sidebar.
 */
import type { IJobRecord } from '../../core/jobRecord';
import { scopeQuery } from '../model';
import { isFinal, jobDurations, phaseClass } from '../phase';

describe('the namespaces of the jobs list', () => {
  it('ask for the current namespace, some, or every one', () => {
    expect(scopeQuery(null)).toBe('');
    expect(scopeQuery({ all: true })).toBe('allNamespaces=true');
    expect(scopeQuery({ all: false, namespaces: ['a', 'b c'] })).toBe(
      'namespace=a&namespace=b+c'
    );
  });
});

describe('job phases and times', () => {
  it('tell final phases and name their style', () => {
    expect(isFinal('Succeeded')).toBe(true);
    expect(isFinal('Failed')).toBe(true);
    expect(isFinal('Running')).toBe(false);
    expect(phaseClass('Running')).toBe('mpijob-mod-running');
  });

  it('measure queueing and running, up to now while it runs', () => {
    const job = {
      createdAt: '2026-01-01T00:00:00Z',
      startedAt: '2026-01-01T00:00:05Z',
      finishedAt: null
    } as unknown as IJobRecord;
    const now = Date.parse('2026-01-01T00:01:00Z');
    expect(jobDurations(job, now)).toEqual({
      age: 60_000,
      queued: 5_000,
      running: 55_000
    });
    const queued = { ...job, startedAt: null } as unknown as IJobRecord;
    expect(jobDurations(queued, now)).toEqual({
      age: 60_000,
      queued: null,
      running: null
    });
  });
});
