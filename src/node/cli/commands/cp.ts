/**
 * `mpijob cp`: fetch the files a job's ranks left (its notebook's figures),
 * with kubectl's `[NAMESPACE/]NAME:FILE DEST` syntax.
 */
import type { Command } from 'commander';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';

import type { IJobFileInfo } from '../../../core/jobFiles';
import type { ICliContext } from '../context';
import { namespaceOf } from '../context';
import { CliError, usageError } from '../errors';

const EXAMPLES = `
Examples:
  # The first figure of cell 3, into the current folder
  mpijob cp train:cell3-figure1.png .

  # Every file of the job into figures/
  mpijob cp train: figures/

  # From another namespace, to stdout
  mpijob cp team-a/train:cell3-figure1.png - > figure.png
`;

/** `[ns/]name:file` split up. */
function parseSource(text: string): {
  namespace?: string;
  name: string;
  file: string;
} {
  const match = /^(?:([^/:]+)\/)?([^/:]+):(.*)$/.exec(text);
  if (match === null) {
    throw usageError(
      `invalid source "${text}": use NAME:FILE or NAMESPACE/NAME:FILE (NAME: for every file)`,
      'mpijob cp'
    );
  }
  return { namespace: match[1], name: match[2], file: match[3] };
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await fs.stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Adds `cp`.
 *
 * @param program - the root command
 * @param context - the run's context
 */
export function registerCp(program: Command, context: ICliContext): void {
  program
    .command('cp')
    .description(
      "Copy files a job's ranks left (its notebook's figures) to this machine; `mpijob describe` lists them."
    )
    .argument('<source>', '[NAMESPACE/]NAME:FILE, or NAME: for every file.')
    .argument('<dest>', 'A file, a folder, or - for stdout.')
    .option(
      '-n, --namespace <namespace>',
      'Namespace; "default" when not given.'
    )
    .addHelpText('after', EXAMPLES)
    .action(
      async (
        source: string,
        dest: string,
        options: Record<string, unknown>,
        self: Command
      ) => {
        const parsed = parseSource(source);
        const namespace = parsed.namespace ?? namespaceOf(options);
        await context.withBackend(self, async backend => {
          let wanted: readonly IJobFileInfo[];
          if (parsed.file === '') {
            wanted = await backend.listFiles(namespace, parsed.name);
            if (wanted.length === 0) {
              throw new CliError([`job "${parsed.name}" has no files`]);
            }
            if (dest === '-') {
              throw usageError(
                'NAME: copies every file into a folder, not to stdout: name one file (NAME:FILE)',
                'mpijob cp'
              );
            }
            await fs.mkdir(dest, { recursive: true }).catch(() => {
              throw new CliError([
                `cannot make the folder ${dest}: NAME: copies every file into a folder`
              ]);
            });
          } else {
            wanted = [{ name: parsed.file, rank: 0, size: 0 }];
          }
          for (const info of wanted) {
            const file = await backend.readFile(
              namespace,
              parsed.name,
              info.name
            );
            if (dest === '-') {
              context.io.stdout.write(Buffer.from(file.bytes));
              continue;
            }
            const target = (await isDirectory(dest))
              ? join(dest, file.name)
              : dest;
            await fs.writeFile(target, file.bytes);
          }
        });
      }
    );
}
