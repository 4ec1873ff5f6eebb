/**
 * Multi-tenancy templates an admin applies per team namespace: the Role a
 * data scientist needs to run MPIJobs with this tool (and nothing more), its
 * RoleBinding, a NetworkPolicy that lets job pods reach only each other and
 * DNS, and an example ResourceQuota sized for a small GPU team.
 */
import type { IKubeObject } from './kube';
import { GPU_RESOURCE, MANAGED_BY } from './kube';
import { OPERATOR_JOB_NAME_LABEL } from './status';

/** Who gets the Role. */
export interface ITenantSubjects {
  /** User names (as the API server authenticates them). */
  readonly users?: readonly string[];
  /** Group names. */
  readonly groups?: readonly string[];
  /** Service accounts, `namespace:name` or a name in the team namespace. */
  readonly serviceAccounts?: readonly string[];
}

/** Name of the Role and RoleBinding. */
export const TENANT_ROLE_NAME = 'mpijob-user';

/**
 * Every verb the kubernetes backend uses, per resource: submitting (ConfigMap,
 * MPIJob, NetworkPolicy), watching (MPIJobs, pods, events), logs, deleting,
 * and preflight's quota read. Preflight's SelfSubjectAccessReviews are allowed
 * to every authenticated user by default.
 */
export const TENANT_RULES: ReadonlyArray<{
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
}> = [
  {
    apiGroups: ['kubeflow.org'],
    resources: ['mpijobs'],
    verbs: ['get', 'list', 'watch', 'create', 'delete', 'patch']
  },
  {
    apiGroups: [''],
    resources: ['configmaps'],
    verbs: ['get', 'list', 'create', 'patch', 'delete']
  },
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
  { apiGroups: [''], resources: ['events'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['resourcequotas'], verbs: ['get', 'list'] },
  {
    apiGroups: ['networking.k8s.io'],
    resources: ['networkpolicies'],
    verbs: ['get', 'create', 'patch', 'delete']
  }
];

/**
 * The templates for one team namespace.
 *
 * @param namespace - the team's namespace
 * @param subjects - who gets the Role; a group `<namespace>:mpijob-users` when none is given
 * @returns Role, RoleBinding, NetworkPolicy and ResourceQuota, in apply order
 */
export function tenantTemplates(
  namespace: string,
  subjects: ITenantSubjects = {}
): IKubeObject[] {
  const labels = { 'app.kubernetes.io/managed-by': MANAGED_BY };
  const meta = (name: string) => ({ name, namespace, labels });
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta(TENANT_ROLE_NAME),
      rules: TENANT_RULES.map(rule => ({
        apiGroups: [...rule.apiGroups],
        resources: [...rule.resources],
        verbs: [...rule.verbs]
      }))
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta(TENANT_ROLE_NAME),
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'Role',
        name: TENANT_ROLE_NAME
      },
      subjects: bindingSubjects(namespace, subjects)
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta('mpijob-isolation'),
      spec: {
        // Every pod of every MPIJob in the namespace (the operator labels them all).
        podSelector: {
          matchExpressions: [
            { key: OPERATOR_JOB_NAME_LABEL, operator: 'Exists' }
          ]
        },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [jobPeers()] }],
        egress: [
          { to: [jobPeers()] },
          {
            to: [
              {
                namespaceSelector: {
                  matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' }
                },
                podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } }
              }
            ],
            ports: [
              { protocol: 'UDP', port: 53 },
              { protocol: 'TCP', port: 53 }
            ]
          }
        ]
      }
    },
    {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: meta('mpijob-quota'),
      spec: {
        hard: {
          pods: '200',
          'requests.cpu': '256',
          'requests.memory': '1Ti',
          'limits.memory': '1Ti',
          [`requests.${GPU_RESOURCE}`]: '16',
          'count/mpijobs.kubeflow.org': '50'
        }
      }
    }
  ];
}

function jobPeers(): Record<string, unknown> {
  return {
    podSelector: {
      matchExpressions: [{ key: OPERATOR_JOB_NAME_LABEL, operator: 'Exists' }]
    }
  };
}

function bindingSubjects(
  namespace: string,
  subjects: ITenantSubjects
): Array<Record<string, string>> {
  const out: Array<Record<string, string>> = [];
  for (const name of subjects.users ?? []) {
    out.push({ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name });
  }
  for (const name of subjects.groups ?? []) {
    out.push({ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name });
  }
  for (const account of subjects.serviceAccounts ?? []) {
    const [ns, name] = account.includes(':')
      ? account.split(':', 2)
      : [namespace, account];
    out.push({ kind: 'ServiceAccount', namespace: ns, name });
  }
  if (out.length === 0) {
    out.push({
      kind: 'Group',
      apiGroup: 'rbac.authorization.k8s.io',
      name: `${namespace}:mpijob-users`
    });
  }
  return out;
}
