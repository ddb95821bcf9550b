import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Knex } from 'knex';
import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

const MEMBERS = 'service_health_poll_members';
const LEASES = 'service_health_poll_leases';

/** A shard's lease row. */
export interface ShardLease {
  shard: number;
  owner: string | null;
  leaseUntil: number;
  startedAt: number;
}

/**
 * The membership and lease tables of the poll (migration
 * 20261130000400_poll_shards). Times are epoch ms of the replicas' clocks:
 * replicas must agree on the time to well within the lease (NTP does).
 */
export class PollShardStore {
  constructor(private readonly db: Knex) {}

  /** Records that `member` is alive at `now`. */
  async heartbeat(member: string, now: number): Promise<void> {
    await this.db(MEMBERS)
      .insert({ member_id: member, heartbeat_at: now, joined_at: now })
      .onConflict('member_id')
      .merge(['heartbeat_at']);
  }

  /**
   * The members whose heartbeat is younger than `ttlMs`, by id. Rows of
   * members gone for much longer are deleted on the way.
   */
  async liveMembers(now: number, ttlMs: number): Promise<string[]> {
    await this.db(MEMBERS)
      .where('heartbeat_at', '<', now - 10 * ttlMs)
      .delete();
    const rows = await this.db(MEMBERS)
      .where('heartbeat_at', '>=', now - ttlMs)
      .orderBy('member_id')
      .select('member_id');
    return rows.map(r => String(r.member_id));
  }

  /** Removes the member (on shutdown, so that its shards move at once). */
  async leave(member: string): Promise<void> {
    await this.db(LEASES).where({ owner: member }).update({ lease_until: 0 });
    await this.db(MEMBERS).where({ member_id: member }).delete();
  }

  /**
   * Creates the lease rows of shards 0..shards-1 that do not exist yet. A new
   * shard first falls due `firstDueMs(shard)` from now, so that the shards of
   * a fresh database spread over the interval instead of all running at once.
   */
  async ensureShards(
    shards: number,
    now: number,
    intervalMs: number,
    firstDueMs: (shard: number) => number,
  ): Promise<void> {
    const rows = Array.from({ length: shards }, (_, shard) => ({
      shard,
      owner: null,
      lease_until: 0,
      // whole ms: the column is a bigint (PostgreSQL refuses 937.5)
      started_at: Math.round(now - intervalMs + firstDueMs(shard)),
    }));
    for (let i = 0; i < rows.length; i += 100) {
      await this.db(LEASES)
        .insert(rows.slice(i, i + 100))
        .onConflict('shard')
        .ignore();
    }
  }

  async leases(): Promise<ShardLease[]> {
    const rows = await this.db(LEASES).orderBy('shard').select();
    return rows.map(r => ({
      shard: Number(r.shard),
      owner: r.owner ?? null,
      leaseUntil: Number(r.lease_until),
      startedAt: Number(r.started_at),
    }));
  }

  /**
   * Claims a shard's run, atomically: only when its last run started at
   * least `intervalMs` ago (no shard runs twice in an interval, whoever runs
   * it) and no other member holds a live lease on it (no two runs of a shard
   * at once). One UPDATE, so of two members claiming together, one wins: on
   * PostgreSQL the second waits for the first's row lock and re-checks the
   * condition against the row the first wrote.
   */
  async claim(
    shard: number,
    member: string,
    now: number,
    intervalMs: number,
    leaseMs: number,
  ): Promise<boolean> {
    const updated = await this.db(LEASES)
      .where({ shard })
      .where('started_at', '<=', Math.round(now - intervalMs))
      .where(q => q.where('lease_until', '<', now).orWhere({ owner: member }))
      .update({ owner: member, lease_until: now + leaseMs, started_at: now });
    return updated === 1;
  }

  /**
   * Extends the leases `member` holds on `shards`; answers the shards whose
   * lease it still holds (another member took a shard whose lease ran out).
   */
  async renew(
    shards: number[],
    member: string,
    now: number,
    leaseMs: number,
  ): Promise<number[]> {
    if (shards.length === 0) return [];
    await this.db(LEASES)
      .whereIn('shard', shards)
      .where({ owner: member })
      .update({ lease_until: now + leaseMs });
    const held = await this.db(LEASES)
      .whereIn('shard', shards)
      .where({ owner: member })
      .select('shard');
    return held.map(r => Number(r.shard));
  }

  /** Ends a run: the lease is free; the interval guard (started_at) stays. */
  async release(shard: number, member: string): Promise<void> {
    await this.db(LEASES)
      .where({ shard, owner: member })
      .update({ lease_until: 0 });
  }
}

function weight(member: string, shard: number): number {
  return createHash('sha256')
    .update(`${member}\u0000${shard}`)
    .digest()
    .readUIntBE(0, 6);
}

/**
 * Which member runs each shard: rendezvous hashing (each shard ranks the
 * members by a hash of member and shard, and goes to the first) with a
 * bounded load — a member takes floor(shards / members) shards, some one
 * more, so the division is even (it differs by at most one shard), and it is the
 * same on every member that sees the same membership. When a member joins
 * or leaves, most shards stay where they were.
 */
export function assignShards(members: string[], shards: number): string[] {
  const sorted = [...new Set(members)].sort();
  if (sorted.length === 0) return [];
  // Every member takes `base` shards, and `extra` of them one more.
  const base = Math.floor(shards / sorted.length);
  let extra = shards % sorted.length;
  const load = new Map(sorted.map(m => [m, 0]));
  const owners: string[] = [];
  for (let shard = 0; shard < shards; shard++) {
    const ranked = sorted
      .map(m => ({ m, w: weight(m, shard) }))
      .sort((a, b) => b.w - a.w || (a.m < b.m ? -1 : 1));
    const extraLeft = extra;
    const owner = ranked.find(r => {
      const n = load.get(r.m)!;
      return n < base || (n === base && extraLeft > 0);
    })!.m;
    if (load.get(owner) === base) extra--;
    load.set(owner, load.get(owner)! + 1);
    owners.push(owner);
  }
  return owners;
}

/** A member id: readable in the logs and tables, unique per process start. */
export function newMemberId(): string {
  return `${hostname().slice(0, 30)}:${process.pid}:${randomUUID().slice(
    0,
    8,
  )}`;
}

export interface ShardCoordinatorOptions {
  store: PollShardStore;
  shards: number;
  intervalMs: number;
  /** How often the member heartbeats and renews its leases (heartbeat()). */
  heartbeatMs: number;
  /**
   * A member whose heartbeat is older than this is gone, and a lease not
   * renewed for this long is free: a dead replica's shards move this long
   * after its last heartbeat.
   */
  ttlMs: number;
  logger: LoggerService;
  memberId?: string;
}

interface View {
  at: number;
  members: string[];
  owners: string[];
  startedAt: Map<number, number>;
}

/**
 * Divides the poll shards evenly between the live backend replicas and
 * guards each shard's run with a lease, so that every shard runs once per
 * interval on exactly one replica, and moves to the others within `ttlMs`
 * when its replica dies. Timing stays with Backstage's scheduler: a local
 * task per replica calls heartbeat() and one per shard calls runIfMine().
 */
export class ShardCoordinator {
  readonly memberId: string;
  readonly #running = new Map<number, AbortController>();
  #view: View | undefined;
  #viewing: Promise<View> | undefined;
  #ensured = false;
  #owned = -1;

  constructor(private readonly options: ShardCoordinatorOptions) {
    this.memberId = options.memberId ?? newMemberId();
  }

  /**
   * Heartbeats, renews the leases of the shards running here (aborting a run
   * whose lease another member took after it ran out), and reads the
   * membership and lease table.
   */
  heartbeat(now = Date.now()): Promise<View> {
    // One at a time: a shard task may ask for a fresh view meanwhile.
    this.#viewing ??= this.#heartbeat(now).finally(() => {
      this.#viewing = undefined;
    });
    return this.#viewing;
  }

  async #heartbeat(now: number): Promise<View> {
    const { store, shards, intervalMs, ttlMs } = this.options;
    if (!this.#ensured) {
      await store.ensureShards(
        shards,
        now,
        intervalMs,
        shard => (shard * intervalMs) / shards,
      );
      this.#ensured = true;
    }
    await store.heartbeat(this.memberId, now);
    const running = [...this.#running.keys()];
    const held = new Set(await store.renew(running, this.memberId, now, ttlMs));
    for (const shard of running) {
      if (!held.has(shard)) {
        this.options.logger.warn(
          `Poll shard ${shard} was taken over by another replica (its lease ran out); stopping its run here`,
          { shard, member: this.memberId },
        );
        this.#running.get(shard)?.abort();
      }
    }
    const [members, leases] = await Promise.all([
      store.liveMembers(now, ttlMs),
      store.leases(),
    ]);
    // This member counts as live from its own heartbeat on, even if the
    // table's read lagged.
    if (!members.includes(this.memberId)) members.push(this.memberId);
    const owners = assignShards(members, shards);
    const owned = owners.filter(o => o === this.memberId).length;
    if (owned !== this.#owned) {
      this.options.logger.info(
        `Poll shards: ${owned} of ${shards} on this replica, ${members.length} replica(s) polling`,
        { member: this.memberId, ownedShards: owned, members: members.length },
      );
      this.#owned = owned;
    }
    this.#view = {
      at: now,
      members,
      owners,
      startedAt: new Map(leases.map(l => [l.shard, l.startedAt])),
    };
    return this.#view;
  }

  /**
   * Runs `run` for the shard if the shard is this member's, due (its last
   * run started an interval ago or more) and its lease could be claimed;
   * answers whether it ran. The signal handed to `run` aborts when `signal`
   * does or when the lease is lost.
   */
  async runIfMine(
    shard: number,
    run: (signal: AbortSignal) => Promise<unknown>,
    signal?: AbortSignal,
  ): Promise<boolean> {
    const { store, intervalMs, ttlMs, heartbeatMs } = this.options;
    if (this.#running.has(shard)) return false;
    let now = Date.now();
    let view = this.#view;
    if (!view || now - view.at > 2 * heartbeatMs) {
      view = await this.heartbeat(now);
    }
    if (view.owners[shard] !== this.memberId) return false;
    if ((view.startedAt.get(shard) ?? 0) > now - intervalMs) return false;
    now = Date.now();
    if (!(await store.claim(shard, this.memberId, now, intervalMs, ttlMs))) {
      return false;
    }
    view.startedAt.set(shard, now);
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    signal?.addEventListener('abort', onAbort);
    this.#running.set(shard, controller);
    try {
      await run(controller.signal);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.#running.delete(shard);
      await store
        .release(shard, this.memberId)
        .catch(e =>
          this.options.logger.warn(
            `Releasing poll shard ${shard} failed: ${e}`,
          ),
        );
    }
    return true;
  }

  /** Leaves the membership (at shutdown): the others take the shards at once. */
  async leave(): Promise<void> {
    for (const c of this.#running.values()) c.abort();
    await this.options.store.leave(this.memberId);
  }
}
