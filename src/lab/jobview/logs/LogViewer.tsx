/**
 * The log viewer: one job's output merged or per rank, following live,
 * virtualised (only the visible rows of a fixed-height scroller are in the
 * DOM), with search and download.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import React, {
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState
} from 'react';

import type { OpenCell } from '../../CellText';
import { useSignal } from '../../hooks';
import type { RankFilter, LogStore } from './LogStore';
import { LogRow, ROW_HEIGHT } from './LogRow';

/** Rows rendered beyond the visible ones, above and below. */
const OVERSCAN = 20;

/** Properties of {@link LogViewer}. */
export interface ILogViewerProps {
  /** The lines. */
  readonly store: LogStore;
  /** Total ranks of the job, for the rank choice. */
  readonly ranks: number;
  /** The rank filter chosen from outside (a topology cell); bump `select.seq` to apply it again. */
  readonly select: { readonly filter: RankFilter; readonly seq: number };
  /** Base of the download's file name. */
  readonly fileName: string;
  /** Follow state text, e.g. "live". */
  readonly status: string;
  /** Whether all the output is in: the job ended and its stream said so. */
  readonly complete: boolean;
  /** Opens a notebook cell. */
  readonly onOpen: OpenCell;
  /** Translations. */
  readonly trans: TranslationBundle;
  /** Receives the scroller, so others can focus it. */
  readonly scrollerRef?: React.RefObject<HTMLDivElement>;
}

function parseFilter(value: string): RankFilter {
  return value === 'all' || value === 'launcher' ? value : Number(value);
}

function download(text: string, name: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** The virtualised log viewer. */
export function LogViewer(props: ILogViewerProps): JSX.Element {
  const { store, trans } = props;
  useSignal(store.changed);
  const [filter, setFilter] = useState<RankFilter>(props.select.filter);
  const [query, setQuery] = useState('');
  const [hit, setHit] = useState(0);
  const [follow, setFollow] = useState(true);
  const [viewport, setViewport] = useState({ top: 0, height: 400 });
  const ownRef = useRef<HTMLDivElement>(null);
  const scroller = props.scrollerRef ?? ownRef;
  // Where following last scrolled to: its own scroll event may come after
  // more lines made the output taller, and is not the user leaving the end.
  const followedTop = useRef(-1);
  const view = store.view(filter);
  const version = store.version;
  const hits = useMemo(
    () => store.search(filter, query),
    [store, filter, query, version]
  );

  useEffect(() => setFilter(props.select.filter), [props.select]);

  useEffect(() => {
    const el = scroller.current;
    if (!el) {
      return;
    }
    const observer = new ResizeObserver(() =>
      setViewport({ top: el.scrollTop, height: el.clientHeight })
    );
    observer.observe(el);
    return () => observer.disconnect();
  }, [scroller]);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && follow) {
      el.scrollTop = el.scrollHeight;
      followedTop.current = el.scrollTop;
      setViewport({ top: el.scrollTop, height: el.clientHeight });
    }
  }, [view.length, follow, filter]);

  const scrollTo = (index: number): void => {
    const el = scroller.current;
    if (el) {
      setFollow(false);
      el.scrollTop = Math.max(0, index * ROW_HEIGHT - el.clientHeight / 2);
    }
  };
  const step = (delta: number): void => {
    if (!hits.length) {
      return;
    }
    const next = (hit + delta + hits.length) % hits.length;
    setHit(next);
    scrollTo(hits[next]);
  };

  const first = Math.max(0, Math.floor(viewport.top / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(
    view.length,
    Math.ceil((viewport.top + viewport.height) / ROW_HEIGHT) + OVERSCAN
  );
  const current = hits.length ? hits[Math.min(hit, hits.length - 1)] : -1;
  const rows: JSX.Element[] = [];
  for (let i = first; i < last; i++) {
    rows.push(
      <LogRow
        key={i}
        line={view.at(i)}
        index={i}
        showRank={filter === 'all'}
        query={query}
        current={i === current}
        onOpen={props.onOpen}
        trans={trans}
      />
    );
  }
  const rankOptions: number[] = [];
  for (let r = 0; r < props.ranks; r++) {
    rankOptions.push(r);
  }
  const name = `${props.fileName}-${filter === 'all' ? 'all' : filter === 'launcher' ? 'launcher' : `rank-${filter}`}.log`;

  return (
    <div
      className="mpijob-LogViewer"
      data-line-count={view.length}
      data-total-lines={store.count}
    >
      <div
        className="mpijob-LogViewer-toolbar"
        role="toolbar"
        aria-label={trans.__('Log tools')}
      >
        <select
          className="jp-mod-styled"
          aria-label={trans.__('Show output of')}
          value={String(filter)}
          onChange={e => {
            setFilter(parseFilter(e.target.value));
            setFollow(true);
          }}
        >
          <option value="all">{trans.__('All ranks (merged)')}</option>
          <option value="launcher">{trans.__('Launcher (mpirun)')}</option>
          {rankOptions.map(r => (
            <option key={r} value={r}>
              {trans.__('Rank %1', r)}
            </option>
          ))}
        </select>
        <input
          type="search"
          className="jp-mod-styled mpijob-LogViewer-search"
          placeholder={trans.__('Search output')}
          aria-label={trans.__('Search output')}
          value={query}
          onChange={e => {
            setQuery(e.target.value);
            setHit(0);
          }}
          onKeyDown={e => {
            if (e.key === 'Enter') {
              e.preventDefault();
              step(e.shiftKey ? -1 : 1);
            }
          }}
        />
        <span className="mpijob-LogViewer-hits" aria-live="polite">
          {query
            ? hits.length
              ? trans.__(
                  '%1 of %2',
                  Math.min(hit, hits.length - 1) + 1,
                  hits.length
                )
              : trans.__('no match')
            : ''}
        </span>
        <button
          type="button"
          className="mpijob-TextButton"
          disabled={!hits.length}
          onClick={() => step(-1)}
          aria-label={trans.__('Previous match')}
        >
          {trans.__('Prev')}
        </button>
        <button
          type="button"
          className="mpijob-TextButton"
          disabled={!hits.length}
          onClick={() => step(1)}
          aria-label={trans.__('Next match')}
        >
          {trans.__('Next')}
        </button>
        <label className="mpijob-LogViewer-follow">
          <input
            type="checkbox"
            checked={follow}
            onChange={e => setFollow(e.target.checked)}
          />
          {trans.__('Follow')}
        </label>
        <button
          type="button"
          className="mpijob-TextButton"
          onClick={() => download(store.text(filter), name)}
          aria-label={trans.__('Download the shown output as %1', name)}
        >
          {trans.__('Download')}
        </button>
        <span className="mpijob-LogViewer-status">
          {trans._n('%1 line · %2', '%1 lines · %2', view.length, props.status)}
        </span>
      </div>
      <div
        ref={scroller}
        className="mpijob-LogViewer-scroller"
        tabIndex={0}
        role="log"
        aria-live="off"
        aria-label={trans.__('Job output')}
        onScroll={e => {
          const el = e.currentTarget;
          setViewport({ top: el.scrollTop, height: el.clientHeight });
          const atBottom =
            el.scrollTop + el.clientHeight >= el.scrollHeight - ROW_HEIGHT;
          const leftByUser = el.scrollTop < followedTop.current;
          if (atBottom !== follow && (atBottom || leftByUser)) {
            setFollow(atBottom);
          }
        }}
      >
        <div
          className="mpijob-LogViewer-canvas"
          style={{ height: view.length * ROW_HEIGHT }}
        >
          {rows}
        </div>
        {!view.length && (
          <p className="mpijob-LogViewer-empty">
            {props.complete
              ? trans.__('No output.')
              : trans.__('No output yet.')}
          </p>
        )}
      </div>
    </div>
  );
}
