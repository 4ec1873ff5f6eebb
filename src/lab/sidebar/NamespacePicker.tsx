/**
 * Which namespaces the jobs sidebar shows: the current one by default,
 * others the user may follow (from the service's RBAC checks), or every
 * one they can see.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import React, { useEffect, useState } from 'react';

import type { INamespaceList } from '../../core/jobRecord';
import { useSignal } from '../hooks';
import type { IJobsModel, NamespaceScope } from '../tokens';
import { errorMessage } from '../../core/errors';

/** Properties of {@link NamespacePicker}. */
export interface INamespacePickerProps {
  /** The jobs model whose scope is chosen. */
  readonly model: IJobsModel;
  /** Translations. */
  readonly trans: TranslationBundle;
}

/** The namespaces a scope shows, given the current one. */
function shownNamespaces(
  scope: NamespaceScope,
  current: string
): readonly string[] {
  return scope === null ? [current] : scope.all ? [] : scope.namespaces;
}

/**
 * A folded list of namespaces with checkboxes; nothing on backends
 * without namespaces to choose from.
 */
export function NamespacePicker(
  props: INamespacePickerProps
): JSX.Element | null {
  const { model, trans } = props;
  useSignal(model.scopeChanged);
  const [access, setAccess] = useState<INamespaceList | null>(null);
  const [error, setError] = useState('');
  const [open, setOpen] = useState(false);
  useEffect(() => {
    let live = true;
    // Opened, the list is the cluster's as it is now.
    model.namespaces(open).then(
      list => live && setAccess(list),
      (e: unknown) => live && setError(errorMessage(e))
    );
    return () => {
      live = false;
    };
  }, [model, open]);
  if (!access || access.backend !== 'kubernetes') {
    return error ? (
      <p className="mpijob-Namespaces-error" role="status">
        {trans.__('Cannot list namespaces: %1', error)}
      </p>
    ) : null;
  }
  const scope = model.scope;
  const all = scope !== null && scope.all;
  const shown = shownNamespaces(scope, access.current);
  const names = [
    ...new Set([
      ...access.namespaces.filter(n => n.canWatch).map(n => n.name),
      ...shown
    ])
  ].sort();
  const choose = (next: readonly string[]): void => {
    // Nothing chosen, or just the current one: the current one.
    model.setScope(
      next.length === 0 || (next.length === 1 && next[0] === access.current)
        ? null
        : { all: false, namespaces: [...next].sort() }
    );
  };
  const summary = all
    ? trans.__('Namespaces: all I can see')
    : trans.__('Namespaces: %1', shown.join(', '));
  return (
    <details
      className="mpijob-Namespaces"
      open={open}
      onToggle={event => setOpen((event.target as HTMLDetailsElement).open)}
    >
      <summary title={trans.__('Choose the namespaces whose jobs are listed')}>
        {summary}
      </summary>
      <ul
        className="mpijob-Namespaces-list"
        aria-label={trans.__('Namespaces shown')}
      >
        <li>
          <label>
            <input
              type="checkbox"
              checked={all}
              onChange={event =>
                event.target.checked
                  ? model.setScope({ all: true })
                  : choose([access.current])
              }
            />
            {trans.__('All namespaces I can see')}
          </label>
        </li>
        {names.map(name => (
          <li key={name}>
            <label>
              <input
                type="checkbox"
                checked={all || shown.includes(name)}
                disabled={all}
                onChange={event =>
                  choose(
                    event.target.checked
                      ? [...shown, name]
                      : shown.filter(n => n !== name)
                  )
                }
              />
              {name === access.current ? trans.__('%1 (current)', name) : name}
            </label>
          </li>
        ))}
      </ul>
    </details>
  );
}
