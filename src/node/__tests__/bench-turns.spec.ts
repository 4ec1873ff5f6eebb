/**
 * Worker counts take turns job by job, and one that finishes or fails
 * leaves the rotation without stalling the others.
 */
import { Turns } from '../bench/turns';

async function participant(
  turns: Turns,
  id: number,
  jobs: number,
  log: string[],
  signal?: AbortSignal
): Promise<void> {
  try {
    for (let i = 0; i < jobs; i++) {
      await turns.acquire(id, signal);
      // Work that yields, as a job does.
      await new Promise(resolve => setTimeout(resolve, 1));
      log.push(`${id}.${i}`);
      turns.release(id);
    }
  } finally {
    turns.retire(id);
  }
}

describe('Turns', () => {
  it('should alternate in rotation order, whoever asks first', async () => {
    const turns = new Turns([1, 2, 4]);
    const log: string[] = [];
    await Promise.all([
      participant(turns, 4, 2, log),
      participant(turns, 2, 2, log),
      participant(turns, 1, 2, log)
    ]);
    expect(log).toEqual(['1.0', '2.0', '4.0', '1.1', '2.1', '4.1']);
  });

  it('should go on without a participant that finished early', async () => {
    const turns = new Turns([1, 2]);
    const log: string[] = [];
    await Promise.all([
      participant(turns, 1, 1, log),
      participant(turns, 2, 3, log)
    ]);
    expect(log).toEqual(['1.0', '2.0', '2.1', '2.2']);
  });

  it('should stop waiting when aborted', async () => {
    const turns = new Turns([1, 2]);
    await turns.acquire(1);
    const controller = new AbortController();
    const waiting = turns.acquire(2, controller.signal);
    controller.abort();
    await expect(waiting).rejects.toThrow('interrupted');
    // A turn held by a participant that leaves passes on.
    turns.retire(1);
    await expect(turns.acquire(2)).resolves.toBeUndefined();
  });
});
