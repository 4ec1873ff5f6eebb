/**
 * `mpijob admin templates`: what a cluster admin applies per team namespace
 * so its people can run MPIJobs with this tool, and nothing more.
 */
import type { Command } from 'commander';

import { tenantTemplates } from '../../../core/tenancy';
import type { ICliContext } from '../context';
import { namespaceOf } from '../context';
import { OBJECT_FORMATS, parseFormat, printObjects } from '../printers';
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
}
