// Open-loop load at a fixed rate: request i is due at start + i/rate and is sent then whatever the earlier ones
// are doing (no bursts, no waiting for responses), over a pool of keep-alive connections (node:http Agent,
// at most `connections` sockets; when all are busy the request waits in the agent's queue). Latency is measured
// from the request's scheduled time, so queueing and send delays count (no coordinated omission).
import http from 'node:http';

/** Nearest-rank percentile of an ascending array (NaN when empty). */
const percentile = (sorted, p) =>
  sorted.length === 0
    ? NaN
    : sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];

/**
 * Sends `rate` requests/s to `url` for `duration` s, then waits up to `graceMs` for the outstanding ones, which
 * then count as timeouts. Resolves to { rate, duration, sent, completed, errors, timeouts, reqPerSec,
 * latency: { p50, p99, max } (ms, over completed responses), sendLagP99 (ms the generator sent late) }.
 * `errors` counts non-2xx responses and failed requests; timeouts are not included in it.
 */
export function openLoop({
  url,
  rate,
  duration,
  connections = 100,
  headers = {},
  graceMs = 2000,
}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const total = Math.round(rate * duration);
  const interval = 1000 / rate;
  const latencies = [];
  const lags = [];
  let sent = 0;
  let completed = 0;
  let errors = 0;
  let outstanding = 0;
  let finished = false;
  return new Promise(resolve => {
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(graceTimer);
      agent.destroy(); // aborts what is still outstanding (counted as timeouts below)
      latencies.sort((a, b) => a - b);
      lags.sort((a, b) => a - b);
      const round1 = v => Math.round(v * 10) / 10;
      resolve({
        rate,
        duration,
        sent,
        completed,
        errors,
        timeouts: outstanding,
        reqPerSec: completed / duration,
        latency: {
          p50: round1(percentile(latencies, 0.5)),
          p99: round1(percentile(latencies, 0.99)),
          max: round1(percentile(latencies, 1)),
        },
        sendLagP99: round1(percentile(lags, 0.99)),
      });
    };
    let graceTimer;
    const settle = () => {
      outstanding -= 1;
      if (sent === total && outstanding === 0) finish();
    };
    const send = scheduled => {
      sent += 1;
      outstanding += 1;
      lags.push(performance.now() - scheduled);
      const req = http.get(url, { agent, headers }, res => {
        res.resume();
        res.on('end', () => {
          if (finished) return;
          completed += 1;
          if (res.statusCode < 200 || res.statusCode > 299) errors += 1;
          latencies.push(performance.now() - scheduled);
          settle();
        });
      });
      req.on('error', () => {
        if (finished) return;
        errors += 1;
        settle();
      });
    };
    const start = performance.now();
    // A timer tick sends every request that is due by now (timers fire ~1 ms apart at best), then sleeps until
    // the next one is due. Late sends are not shifted: their delay is part of the measured latency.
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now)
        send(start + sent * interval);
      if (sent < total)
        setTimeout(
          tick,
          Math.max(0, start + sent * interval - performance.now()),
        );
      else if (outstanding === 0) finish();
      else graceTimer = setTimeout(finish, graceMs);
    };
    tick();
  });
}
