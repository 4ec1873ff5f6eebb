/**
 * kubectl's printers in the CLI: JSONPath templates, custom columns, and the
 * list table on a terminal (no colour codes in its aligned columns). The
 * table runs the CLI in-process, with a terminal for stdout, which a child
 * process's pipe cannot be.
 */
import { PassThrough } from 'node:stream';

import type { IJobRecord } from '../../core/jobRecord';
import type { IMpiJobBackend } from '../backends/backend';
import { CliError } from '../cli/errors';
import { renderTemplate } from '../cli/jsonpath';
import { parseOutput } from '../cli/outputFormat';
import { runCli } from '../cli/program';
import { wholeNumberFlag } from '../cli/wholeNumber';

function job(name: string, phase: 'Running' | 'Succeeded'): IJobRecord {
  const created = new Date(Date.now() - 90_000).toISOString();
  return {
    name,
    namespace: 'default',
    uid: `uid-${name}`,
    backend: 'local',
    createdAt: created,
    startedAt: created,
    finishedAt: phase === 'Succeeded' ? created : null,
    spec: null,
    workers: 2,
    slotsPerWorker: 1,
    gpusPerWorker: 0,
    mpiImplementation: 'OpenMPI',
    notebook: null,
    status:
      phase === 'Running'
        ? { phase, startTime: created }
        : { phase, completionTime: created },
    conditions: [
      {
        type: 'Ready',
        status: phase === 'Running' ? 'True' : 'False',
        reason: null,
        message: null,
        lastTransitionTime: created
      }
    ],
    topology: { launcher: null, workers: [] },
    exitCode: phase === 'Succeeded' ? 0 : null,
    resourceVersion: '1'
  };
}

const LIST = {
  apiVersion: 'v1',
  kind: 'List',
  items: [
    { metadata: { name: 'a' }, status: { phase: 'Running' } },
    { metadata: { name: 'bb' }, status: { phase: 'Succeeded' } }
  ]
};

describe('-o jsonpath templates', () => {
  it("should read kubectl's braces, ranges and quoted literals", () => {
    expect(renderTemplate('{.items[*].metadata.name}', LIST)).toBe('a bb');
    expect(
      renderTemplate(
        '{range .items[*]}{.metadata.name}{"\\t"}{.status.phase}{"\\n"}{end}',
        LIST
      )
    ).toBe('a\tRunning\nbb\tSucceeded\n');
    expect(renderTemplate('names: {.items[0].metadata.name}!', LIST)).toBe(
      'names: a!'
    );
    expect(
      renderTemplate('{.items[?(@.status.phase=="Succeeded")].metadata}', LIST)
    ).toBe('{"name":"bb"}');
  });

  it('should name what is wrong with a template, as bad usage', () => {
    for (const [template, what] of [
      ['{.items', 'unclosed {'],
      ['{range .items[*]}{.x}', '{range} without {end}'],
      ['{.x}{end}', '{end} without {range}']
    ]) {
      let error: unknown = null;
      try {
        renderTemplate(template, LIST);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(CliError);
      expect((error as CliError).message).toContain(what);
      expect((error as CliError).exitCode).toBe(2);
    }
  });
});

describe('-o values', () => {
  it('should parse templates and refuse what no printer matches', () => {
    const kinds = ['json', 'jsonpath', 'custom-columns'] as const;
    expect(parseOutput('jsonpath={.x}', kinds, 'mpijob list')).toEqual({
      kind: 'jsonpath',
      template: '{.x}'
    });
    expect(
      parseOutput('custom-columns=NAME:.metadata.name', kinds, 'mpijob list')
    ).toEqual({
      kind: 'custom-columns',
      columns: [{ header: 'NAME', path: '.metadata.name' }]
    });
    expect(() => parseOutput('jsonpath=', kinds, 'mpijob list')).toThrow(
      /-o jsonpath= needs a template/
    );
    expect(() => parseOutput('xml', kinds, 'mpijob list')).toThrow(
      /allowed formats are: json,jsonpath=…,custom-columns=…/
    );
  });
});

describe('whole-number flags', () => {
  it('should take whole numbers from the minimum and name the flag otherwise', () => {
    expect(wholeNumberFlag('0', '--tail', 'mpijob logs')).toBe(0);
    expect(wholeNumberFlag(' 12 ', '--repeats', 'mpijob bench run', 1)).toBe(
      12
    );
    for (const bad of ['-1', '1.5', '', 'two', '1e3', '9007199254740993']) {
      expect(() => wholeNumberFlag(bad, '--tail', 'mpijob logs')).toThrow(
        `invalid --tail "${bad}": must be a whole number from 0`
      );
    }
    const refused = (() => {
      try {
        wholeNumberFlag('0', '--repeats', 'mpijob bench run', 1);
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(CliError);
    expect((refused as CliError).exitCode).toBe(2);
  });
});

describe('mpijob list on a terminal', () => {
  it('should print aligned columns without colour codes', async () => {
    const stdout = Object.assign(new PassThrough(), { isTTY: true });
    const stderr = new PassThrough();
    let text = '';
    stdout.on('data', chunk => (text += String(chunk)));
    const backend = {
      list: async () => [job('a', 'Running'), job('longer-name', 'Succeeded')],
      close: async () => undefined
    } as unknown as IMpiJobBackend;
    const code = await runCli(
      ['list'],
      { stdout, stderr },
      async () => backend
    );
    expect(code).toBe(0);
    expect(text).not.toContain('\u001b');
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    // Every row's STATUS starts where the header's does.
    const at = lines[0].indexOf('STATUS');
    expect(
      lines.slice(1).map(line => line.slice(at).split(/\s{3,}/)[0])
    ).toEqual(['Running', 'Succeeded']);
  });
});
