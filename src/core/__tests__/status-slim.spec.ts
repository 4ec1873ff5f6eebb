/**
 * The service keeps watched pods and events cut down to what the job model
 * reads (core/status slim.ts): real pods and events from testenv's real
 * node, cut down, must give the same job record and start-up timeline as
 * whole, and take less room.
 */
import { recordFromCluster } from '../clusterRecord';
import { podTimeline } from '../jobReport';
import type { IKubeObject } from '../kube';
import type { IEventLike, IPodLike } from '../status';
import { slimEvent, slimPod } from '../status';
import captured from './fixtures/status/real-node-pi.json';

interface ICaptured {
  mpijob: IKubeObject;
  pods: IPodLike[];
  events: IEventLike[];
}

const STATES = Object.entries({
  running: captured.running,
  done: captured.done
}) as unknown as Array<[string, ICaptured]>;

describe('slim pods and events', () => {
  it.each(STATES)(
    'should give the same record and timeline for the %s job',
    (_state, { mpijob, pods, events }) => {
      const slimPods = pods.map(slimPod);
      const slimEvents = events.map(slimEvent);
      expect(recordFromCluster(mpijob, slimPods, slimEvents)).toEqual(
        recordFromCluster(mpijob, pods, events)
      );
      const created = String(mpijob.metadata.creationTimestamp);
      expect(podTimeline(created, null, slimPods, null)).toEqual(
        podTimeline(created, null, pods, null)
      );
      const size = (x: unknown): number => JSON.stringify(x).length;
      expect(size(slimPods)).toBeLessThan(size(pods) * 0.6);
    }
  );

  it('should not change the objects it is given', () => {
    const [pod] = captured.running.pods;
    const before = JSON.stringify(pod);
    slimPod(pod);
    slimEvent(captured.running.events[0]);
    expect(JSON.stringify(pod)).toBe(before);
  });
});
