/**
 * `mpijob admin templates`: what a cluster admin applies per team namespace
 * so its people can run MPIJobs with this tool, and nothing more.
 */
import type { Command } from 'commander';

import { DEFAULT_IMAGES } from '../../../core/manifest';
import type { MpiImplementation } from '../../../core/spec';
import { tenantTemplates } from '../../../core/tenancy';
import {
  DEFAULT_IMAGE_VARIABLE,
  DEFAULT_IMAGE_VARIABLES,
  defaultImagesFromEnv
} from '../../images';
import type { ICliContext } from '../context';
import { namespaceOf } from '../context';
import { OBJECT_FORMATS, parseFormat } from '../outputFormat';
import { printObjects } from '../printers';
import { addNamespaceFlag } from '../specFlags';

const EXAMPLES = `
Examples:
  # Let the group team-a-users run MPIJobs in team-a, and review first
  mpijob admin templates -n team-a --group team-a-users > team-a.yaml
  kubectl apply -f team-a.yaml

  # One user, JSON
  mpijob admin templates -n team-b --user alice -o json
`;

const collect = (value: string, previous: string[] = []): string[] => [
  ...previous,
  value
];

/**
 * Adds `admin templates`.
 *
 * @param program - the root command
 * @param context - the run's context
 */
export function registerAdmin(program: Command, context: ICliContext): void {
  const admin = program
    .command('admin')
    .description('Cluster admin helpers for the kubernetes backend.');
  addNamespaceFlag(
    admin
      .command('templates')
      .description(
        'Print a Role and RoleBinding with exactly the rights jobs need, a NetworkPolicy that lets job pods reach only each other and DNS, and an example ResourceQuota, for one team namespace.'
      )
      .option(
        '--user <name>',
        'Bind the Role to this user (repeatable).',
        collect
      )
      .option(
        '--group <name>',
        'Bind the Role to this group (repeatable).',
        collect
      )
      .option(
        '--service-account <[namespace:]name>',
        "Bind the Role to this service account (repeatable), e.g. a notebook server's.",
        collect
      )
      .option(
        '-o, --output <format>',
        `Output format: ${OBJECT_FORMATS.join(', ')}.`,
        'yaml'
      )
      .addHelpText('after', EXAMPLES)
  ).action((options: Record<string, unknown>) => {
    const format = parseFormat(
      String(options.output),
      OBJECT_FORMATS,
      'mpijob admin templates'
    );
    const objects = tenantTemplates(namespaceOf(options), {
      users: options.user as string[] | undefined,
      groups: options.group as string[] | undefined,
      serviceAccounts: options.serviceAccount as string[] | undefined
    });
    context.io.stdout.write(printObjects(objects, format));
  });

  admin
    .command('default-image')
    .description(
      'Say how to set the image jobs get when they name none (the built-in MPI base images hold no Python), and which is in effect here.'
    )
    .argument('[image]', 'The image you mean to make the default.')
    .action((image: string | undefined) => {
      context.io.stdout.write(defaultImageHowTo(image));
    });
}

/**
 * What `admin default-image` prints: the settings in effect, and how to set
 * the default for the CLI and service and for the launch panel.
 *
 * @param image - the image the admin means, for the examples
 * @returns the text
 */
export function defaultImageHowTo(
  image = 'registry.example.com/team/mpijob-runtime:openmpi4'
): string {
  const set = defaultImagesFromEnv();
  const rows = (Object.keys(DEFAULT_IMAGES) as MpiImplementation[]).map(
    mpi =>
      `  ${mpi.padEnd(8)} ${set[mpi] ?? `${DEFAULT_IMAGES[mpi]} (built in: no Python, notebook jobs fail preflight)`}`
  );
  return `Images jobs get when they name none, here:
${rows.join('\n')}

An image for notebook jobs needs python3, mpi4py and numpy built against its
MPI, and sshd for the workers: images/ holds recipes (images/README.md), e.g.
  (cd images && docker build -f openmpi4.Dockerfile -t ${image} .) && docker push ${image}

For the CLI and the job service (on OpenShift AI or Kubeflow: the notebook
image's environment, or the Deployment that runs \`mpijob serve\`):
  ${DEFAULT_IMAGE_VARIABLE}=${image}               every MPI implementation
  ${Object.values(DEFAULT_IMAGE_VARIABLES).join(', ')}   one each

For the launch panel (JupyterLab settings overrides, e.g.
<sys-prefix>/share/jupyter/lab/settings/overrides.json):
  {"jupyterlab-mpijob:plugin": {"defaultImage": "${image}"}}
`;
}
