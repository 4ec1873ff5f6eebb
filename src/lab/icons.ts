/**
 * Icons of the extension.
 */
import { LabIcon } from '@jupyterlab/ui-components';

import mpijobSvg from '../../style/icons/mpijob.svg';

/** One launcher and its workers: the MPIJob icon. */
export const mpijobIcon = new LabIcon({
  name: 'jupyterlab-mpijob:mpijob',
  svgstr: mpijobSvg
});
