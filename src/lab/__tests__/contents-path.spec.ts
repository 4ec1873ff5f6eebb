/**
 * Notebook paths recorded by jobs (relative from JupyterLab, absolute from
 * the CLI) as paths JupyterLab can open.
 */
import fc from 'fast-check';
import { contentsPath } from '../contentsPath';

const segment = fc.stringMatching(/^[a-z0-9][a-z0-9_.-]{0,8}$/);
const relative = fc
  .array(segment, { minLength: 1, maxLength: 4 })
  .map(parts => parts.join('/'));

describe('contentsPath', () => {
  it('keeps a path JupyterLab recorded (relative to its root)', () => {
    expect(contentsPath('examples/mpi-pi.ipynb', '/srv/lab')).toBe(
      'examples/mpi-pi.ipynb'
    );
  });

  it('makes an absolute path under the root relative to it', () => {
    expect(contentsPath('/srv/lab/examples/pi.ipynb', '/srv/lab/')).toBe(
      'examples/pi.ipynb'
    );
    expect(contentsPath('/srv/lab/pi.ipynb', '/')).toBe('srv/lab/pi.ipynb');
  });

  it('refuses an absolute path outside the root, or only alike', () => {
    expect(contentsPath('/srv/other/pi.ipynb', '/srv/lab')).toBeNull();
    expect(contentsPath('/srv/labs/pi.ipynb', '/srv/lab')).toBeNull();
    expect(contentsPath('/srv/lab', '/srv/lab')).toBeNull();
    expect(contentsPath('/srv/lab/pi.ipynb', '')).toBeNull();
  });

  it('finds a path under a root jupyter_server wrote as ~/…', () => {
    expect(contentsPath('/home/ada/work/pi.ipynb', '~/work')).toBe('pi.ipynb');
    expect(contentsPath('/home/ada/other/pi.ipynb', '~/work')).toBeNull();
  });

  it('turns root + relative back into relative, for any root and path', () => {
    fc.assert(
      fc.property(relative, relative, (root, path) => {
        expect(contentsPath(`/${root}/${path}`, `/${root}`)).toBe(path);
      })
    );
  });
});
