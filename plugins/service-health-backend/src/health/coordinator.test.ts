import {
  migratedDatabase,
  pluginTestDatabases,
} from '../__testUtils__/databases';
import { testLogger } from '../traces/testUtils';
import {
  assignShards,
  PollShardStore,
  ShardCoordinator,
} from './ShardCoordinator';

const databases = pluginTestDatabases();
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

jest.setTimeout(60_000);

describe('assignShards', () => {
  const count = (owners: string[], m: string) =>
    owners.filter(o => o === m).length;

  it('divides the shards evenly and the same way whatever order the members are listed in', () => {
    for (const members of [
      ['a:1', 'b:2'],
      ['host-1:77:1f2e3d4c', 'host-2:78:9a8b7c6d', 'host-3:79:00ff00ff'],
    ]) {
      for (const shards of [2, 4, 16, 17]) {
        const owners = assignShards(members, shards);
        expect(owners).toHaveLength(shards);
        expect(assignShards([...members].reverse(), shards)).toEqual(owners);
        const loads = members.map(m => count(owners, m));
        expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(1);
      }
    }
    expect(assignShards([], 4)).toEqual([]);
    expect(assignShards(['only'], 3)).toEqual(['only', 'only', 'only']);
  });

  it('moves mostly the shards of a member that left', () => {
    const members = Array.from({ length: 4 }, (_, i) => `replica-${i}:${i}`);
    const before = assignShards(members, 64);
    const after = assignShards(members.slice(1), 64);
    const kept = before.filter(
      (o, shard) => o !== members[0] && after[shard] === o,
    ).length;
    const survivorsHad = before.filter(o => o !== members[0]).length;
    expect(kept / survivorsHad).toBeGreaterThan(0.7);
    expect(after.every(o => o !== members[0])).toBe(true);
  });
});

describe.each(databases.eachSupportedId())('poll shard leases on %p', id => {
  it('are claimed by one member per interval, and free again after their lease ran out', async () => {
    const store = new PollShardStore(await migratedDatabase(databases, id));
    const now = Date.now();
    const interval = 10_000;
    // first due at fractions of a ms: stored as whole ms (bigint columns)
    await store.ensureShards(2, now - 1, interval, shard => shard * 937.5);
    // Two members claiming a due shard together: one wins.
    const claims = await Promise.all(
      ['a', 'b', 'a', 'b'].map(m => store.claim(0, m, now, interval, 5000)),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
    const winner = ['a', 'b'][claims.indexOf(true) % 2];
    const loser = winner === 'a' ? 'b' : 'a';
    // Released, the shard does not run again in the same interval, by anyone.
    await store.release(0, winner);
    expect(await store.claim(0, loser, now + 1000, interval, 5000)).toBe(false);
    expect(await store.claim(0, winner, now + 1000, interval, 5000)).toBe(
      false,
    );
    // An interval later it is due again (a run that may take 25 s).
    expect(await store.claim(0, loser, now + interval, interval, 25_000)).toBe(
      true,
    );
    // While a run holds the lease, nobody else starts it, even when due.
    expect(
      await store.claim(0, winner, now + 2 * interval, interval, 5000),
    ).toBe(false);
    expect(
      await store.renew([0, 1], loser, now + interval + 1000, 5000),
    ).toEqual([0]);
    // A lease not renewed runs out (the member died during the run).
    expect(
      await store.claim(0, winner, now + interval + 6001, interval, 5000),
    ).toBe(false); // not an interval since the last start yet
    expect(
      await store.claim(0, winner, now + 2 * interval + 6001, interval, 5000),
    ).toBe(true);
    expect(await store.renew([0], loser, now, 5000)).toEqual([]);
    const leases = await store.leases();
    expect(leases.map(l => l.shard)).toEqual([0, 1]);
    expect(leases[0]).toMatchObject({
      owner: winner,
      startedAt: now + 2 * interval + 6001,
    });
  });

  it('list live members and forget members that left', async () => {
    const store = new PollShardStore(await migratedDatabase(databases, id));
    const now = Date.now();
    await store.heartbeat('b', now - 3000);
    await store.heartbeat('a', now);
    await store.heartbeat('c', now - 10_000);
    expect(await store.liveMembers(now, 6000)).toEqual(['a', 'b']);
    await store.heartbeat('b', now);
    await store.leave('a');
    expect(await store.liveMembers(now, 6000)).toEqual(['b']);
  });
});

describe.each(databases.eachSupportedId())('ShardCoordinator on %p', id => {
  it('runs every shard once per interval, evenly split between replicas, and moves the shards of a dead replica', async () => {
    const knex = await migratedDatabase(databases, id);
    const SHARDS = 8;
    const intervalMs = 2000;
    const options = {
      store: new PollShardStore(knex),
      shards: SHARDS,
      intervalMs,
      heartbeatMs: 100,
      ttlMs: 1000,
      logger: testLogger(),
    };
    const a = new ShardCoordinator({ ...options, memberId: 'replica-a' });
    const b = new ShardCoordinator({ ...options, memberId: 'replica-b' });
    const runs: Array<{ member: string; shard: number; at: number }> = [];
    const tick = async (members: ShardCoordinator[]) => {
      await Promise.all(members.map(m => m.heartbeat()));
      await Promise.all(
        members.flatMap(m =>
          Array.from({ length: SHARDS }, (_, shard) =>
            m.runIfMine(shard, async () => {
              runs.push({ member: m.memberId, shard, at: Date.now() });
              await sleep(20);
            }),
          ),
        ),
      );
    };
    // Both replicas looking every 100 ms for 3 intervals.
    const started = Date.now();
    while (Date.now() - started < 3 * intervalMs) {
      await tick([a, b]);
      await sleep(100);
    }
    const steady = runs.filter(r => r.at > started + intervalMs);
    for (const member of ['replica-a', 'replica-b']) {
      const shards = new Set(
        steady.filter(r => r.member === member).map(r => r.shard),
      );
      expect(shards.size).toBe(SHARDS / 2);
    }
    for (let shard = 0; shard < SHARDS; shard++) {
      const times = runs.filter(r => r.shard === shard).map(r => r.at);
      // every shard ran, never twice within an interval
      expect(times.length).toBeGreaterThanOrEqual(2);
      for (let i = 1; i < times.length; i++) {
        expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(
          intervalMs - 200,
        );
      }
    }

    // replica-a stops heartbeating (killed): within its ttl, replica-b
    // runs every shard.
    const killedAt = Date.now();
    const before = runs.length;
    while (Date.now() - killedAt < options.ttlMs + 2 * intervalMs) {
      await tick([b]);
      await sleep(100);
    }
    const afterKill = runs.slice(before);
    expect(afterKill.every(r => r.member === 'replica-b')).toBe(true);
    expect(new Set(afterKill.map(r => r.shard)).size).toBe(SHARDS);
    for (let shard = 0; shard < SHARDS; shard++) {
      const times = runs.filter(r => r.shard === shard).map(r => r.at);
      for (let i = 1; i < times.length; i++) {
        expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(
          intervalMs - 200,
        );
      }
    }
  });

  it('aborts a run whose lease another replica took, and leaves on shutdown', async () => {
    const knex = await migratedDatabase(databases, id);
    const options = {
      store: new PollShardStore(knex),
      shards: 1,
      intervalMs: 200,
      heartbeatMs: 50,
      ttlMs: 300,
      logger: testLogger(),
    };
    const a = new ShardCoordinator({ ...options, memberId: 'a' });
    const b = new ShardCoordinator({ ...options, memberId: 'b' });
    await a.heartbeat();
    let aborted = false;
    const running = a.runIfMine(0, async signal => {
      await new Promise<void>(resolve =>
        signal.addEventListener('abort', () => resolve()),
      );
      aborted = true;
    });
    // replica-a stalls (no heartbeat) past its ttl; b takes the shard.
    await sleep(options.ttlMs + 50);
    expect(await b.runIfMine(0, async () => {})).toBe(true);
    await a.heartbeat();
    expect(await running).toBe(true);
    expect(aborted).toBe(true);
    await b.leave();
    expect(await options.store.liveMembers(Date.now(), 300)).toEqual(['a']);
  });
});
