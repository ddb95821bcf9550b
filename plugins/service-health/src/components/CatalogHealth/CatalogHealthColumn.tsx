import { useEffect, useSyncExternalStore } from 'react';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import type { TableColumn } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Tooltip from '@material-ui/core/Tooltip';
import {
  catalogHealthRank,
  isServiceHealthAvailable,
} from '@fastify-backstage/plugin-service-health-common';
import { serviceHealthStatusApiRef } from '../../api';
import { batcherFor, StatusBatcher } from './statusBatcher';
import { HealthStatusChip } from './HealthStatusChip';
import { StatusBadge } from '../shared/status';

/**
 * The batcher the visible cells use; the column's sort reads statuses from
 * it (a sort function gets rows, not React context).
 */
let sortSource: StatusBatcher | undefined;

const NO_REFS: string[] = [];
const refsOfList = new WeakMap<Entity[], string[]>();

/**
 * The monitored refs of the table's entities, computed once per entity list
 * (the columns function runs on every render of the table with the same
 * list): the cells then get the same array, and their effect does not run
 * again on a re-render.
 */
function monitoredRefs(entities: Entity[] | undefined): string[] {
  if (!entities) return NO_REFS;
  let refs = refsOfList.get(entities);
  if (!refs) {
    refs = entities
      .filter(isServiceHealthAvailable)
      .map(e => stringifyEntityRef(e));
    refsOfList.set(entities, refs);
  }
  return refs;
}

function HealthCell(props: { entity: Entity; pageRefs: string[] }) {
  const { entity, pageRefs } = props;
  const batcher = batcherFor(useApi(serviceHealthStatusApiRef));
  sortSource = batcher;
  useSyncExternalStore(batcher.subscribe, () => batcher.version);
  const monitored = isServiceHealthAvailable(entity);
  const ref = stringifyEntityRef(entity);
  useEffect(() => {
    // Every cell asks for the whole page: the batcher sends one request for
    // the refs of all cells of this render, and the sort knows every row.
    if (!monitored) return;
    batcher.want([ref]);
    batcher.wantPage(pageRefs);
  }, [batcher, monitored, ref, pageRefs]);
  if (!monitored) return null;
  const entry = batcher.get(ref);
  if (!entry) {
    return <span aria-label="Loading health">…</span>;
  }
  if ('error' in entry) {
    return (
      <Tooltip title={`Health unavailable: ${entry.error.message}`}>
        <span>
          <StatusBadge status="unknown" label="Unavailable" />
        </span>
      </Tooltip>
    );
  }
  return <HealthStatusChip status={entry.status} />;
}

/** Sort rank of a row, worst first; rows without health after all others. */
function rankOf(entity: Entity): number {
  if (!isServiceHealthAvailable(entity)) return 7;
  const entry = sortSource?.get(stringifyEntityRef(entity));
  if (!entry || 'error' in entry) return 6;
  return catalogHealthRank(entry.status ?? undefined);
}

/**
 * A "Health" column for the catalog table: a status chip for components
 * with a service-health base-url annotation (details on hover), sorted worst
 * first (down, failing, not started, degraded, healthy, unknown). Pass the
 * table's entities (`context.entities` of a `CatalogTableColumnsFunc`) so
 * the statuses of the whole page come in one request and the sort knows
 * every row.
 *
 * @public
 */
export function createCatalogHealthColumn<
  T extends { entity: Entity },
>(options?: { entities?: Entity[]; title?: string }): TableColumn<T> {
  const pageRefs = monitoredRefs(options?.entities);
  return {
    title: options?.title ?? 'Health',
    field: 'entity.metadata.annotations',
    searchable: false,
    render: row => <HealthCell entity={row.entity} pageRefs={pageRefs} />,
    customSort: (a, b) =>
      rankOf(a.entity) - rankOf(b.entity) ||
      a.entity.metadata.name.localeCompare(b.entity.metadata.name),
  };
}
