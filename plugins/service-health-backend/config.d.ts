export interface Config {
  /** Settings of the service-health backend plugin. */
  serviceHealth?: {
    /**
     * Hosts the plugin may call on behalf of catalog annotations (base URLs).
     * Entries: an exact host name (`localhost`), a wildcard (`*.svc.example.com`),
     * an IP address, or a CIDR (`10.0.0.0/8`, `fd00::/8`). A host name that is
     * not listed is allowed only if every address it resolves to is inside a
     * listed CIDR. Nothing is allowed when this is empty.
     */
    allowedHosts?: string[];

    /**
     * The environments an entity can have. The `default` environment reads the
     * `service-health.io/base-url` annotation; any other reads
     * `service-health.io/base-url.<name>`. Default: one `default` environment
     * with the direct metrics source and the default traces source.
     */
    environments?: Array<{
      /** @visibility frontend */
      name: string;
      /** @visibility frontend */
      title?: string;
      /** Id of the metrics source: `direct`, a `serviceHealth.metrics.prometheus[].id`, or one added by a module. */
      metricsSource?: string;
      /** Id of the traces source (see `serviceHealth.traces`). */
      tracesSource?: string;
    }>;

    /** Outbound HTTP limits for every call to a service (health, metrics). */
    http?: {
      /** Per-request timeout in milliseconds. Default 5000. */
      timeoutMs?: number;
      /** Largest accepted response body in bytes. Default 4 MiB. */
      maxResponseBytes?: number;
      /** Same-origin redirects followed; redirects to another origin are refused. Default 3. */
      maxRedirects?: number;
    };

    /** The health poller. */
    health?: {
      /** How often every service is polled. Default 30 seconds. */
      intervalSeconds?: number;
      /** Services probed at the same time by one backend instance (all its shards together). Default 16. */
      concurrency?: number;
      /**
       * Poll shards: the targets are divided into this many stable hash ranges.
       * The shards are divided evenly between the live backend replicas
       * (rendezvous hashing over a heartbeat table, bounded load), and each
       * shard runs once per interval on one replica, guarded by a lease row
       * (local tasks `service-health:poll:shard-<i>`). More shards than
       * replicas keep the division even in targets, not only in shards.
       * Default 16.
       */
      shards?: number;
      /**
       * A replica that has not heartbeaten for this long counts as gone and its
       * shards move to the others (the failover time is this plus up to one
       * interval). Replicas heartbeat every second; raise it where a replica's
       * event loop or database connection can stall longer. Default 10 seconds.
       */
      replicaTimeoutSeconds?: number;
      /** Age after which stored probes (and their buckets) are deleted. Default 7 days. */
      retentionDays?: number;
      /**
       * Probes younger than this are kept one row each (the uptime strip's
       * detail); older ones are aggregated into buckets of `rollupMinutes`
       * (counts per status, mean latency). Default 6 hours.
       */
      rawHours?: number;
      /** Bucket size of older probes. Default 60 minutes. */
      rollupMinutes?: number;
      /** A refresh within this many seconds of the last probe returns that probe. Default 2. */
      minRefreshIntervalSeconds?: number;
      /** Set to false to disable the scheduled poll (on-demand refresh still works). Default true. */
      enabled?: boolean;
    };

    /** SLOs read from each service's OpenSLO file (annotation `fastify-backstage.io/openslo`). */
    slo?: {
      /** How long the 5-minute aggregates of the direct source are kept; also the longest SLO window allowed. Default 35 days. */
      retentionDays?: number;
    };

    /** Metrics sources. */
    metrics?: {
      /** The direct source, which scrapes each service's `/metrics` itself. */
      direct?: {
        /** How long every scraped sample is kept. Default 120 minutes. */
        retentionMinutes?: number;
        /**
         * How long thinned-out samples are kept after that, for the 24 h and
         * 7 d ranges: one per 10 minutes up to a day old, one per hour beyond.
         * Default 7 days; 0 keeps nothing beyond `retentionMinutes`.
         */
        historyDays?: number;
        /** A read scrapes anew when the newest sample is older than this. Default 5 seconds. */
        freshnessSeconds?: number;
        /**
         * Most samples of the families the plugin reads (the request
         * histogram's lines and four process figures) one scrape may have,
         * like Prometheus' `sample_limit`: a scrape with more is not kept and
         * the source reports an `error` with reason `sample-limit`. Other
         * families are skipped unparsed and do not count. Default 20000.
         */
        sampleLimit?: number;
      };
      /** Prometheus servers; each is a metrics source with this id. */
      prometheus?: Array<{
        /** Source id used in `serviceHealth.environments[].metricsSource`. */
        id: string;
        /** Base URL of the Prometheus HTTP API, e.g. `http://prometheus:9090`. */
        baseUrl: string;
        /**
         * Base of links to the Prometheus UI.
         * @visibility frontend
         */
        uiUrl?: string;
        /**
         * Bearer token sent to Prometheus.
         * @visibility secret
         */
        token?: string;
        /** Label matchers used when an entity has no selector annotation; `{{name}}` is the OTel service name. Default `job="{{name}}"`. */
        defaultSelector?: string;
        /** Timeout of one query in milliseconds. Default 10000. */
        timeoutMs?: number;
      }>;
    };

    // ---- serviceHealth.traces: trace sources (src/traces) ----
    /** Trace sources: the embedded OTLP receiver and store, Jaeger, Tempo. */
    traces?: {
      /** The default trace source: `embedded` (default), `jaeger` or `tempo`. */
      source?: 'embedded' | 'jaeger' | 'tempo';
      /** Bounds of the embedded span store (plugin database). */
      retention?: {
        /** At most this many spans are kept; the oldest received go first. Default 100000. */
        maxSpans?: number;
        /** Spans received longer ago are deleted. Default 24. */
        maxAgeHours?: number;
        /** How often spans are pruned by age besides on every write. Default 60. */
        pruneIntervalSeconds?: number;
      };
      /** The embedded OTLP/HTTP receiver, `POST /api/service-health/otlp/v1/traces`. */
      receiver?: {
        /** Set to false to remove the receiver route. Default true. */
        enabled?: boolean;
        /**
         * Accepted `Authorization: Bearer` tokens.
         * @visibility secret
         */
        tokens?: string[];
        /** Accept exports without a token. Local development only. Default false. */
        allowUnauthenticated?: boolean;
        /** Largest accepted body in bytes, after decompression. Default 4 MiB. */
        maxBodyBytes?: number;
      };
      /** Limits of calls to Jaeger and Tempo. */
      http?: {
        /** Default 10000. */
        timeoutMs?: number;
        /** Default 16 MiB. */
        maxResponseBytes?: number;
        /** Same-origin redirects followed; others are refused. Default 3. */
        maxRedirects?: number;
      };
      /** Jaeger query service. */
      jaeger?: {
        /** e.g. `http://jaeger-query:16686`. */
        baseUrl: string;
        /** `v1`: `/api/traces` (Jaeger v1 JSON); `v2`: `/api/v3/traces` (OTLP JSON). Default v1. */
        apiVersion?: 'v1' | 'v2';
        /**
         * Jaeger UI base for deep links (`<uiUrl>/trace/<id>`).
         * @visibility frontend
         */
        uiUrl?: string;
        /**
         * Bearer token sent to Jaeger.
         * @visibility secret
         */
        token?: string;
        timeoutMs?: number;
      };
      /** Grafana Tempo. */
      tempo?: {
        /** e.g. `http://tempo:3200`. */
        baseUrl: string;
        /** `traceql` (default) or `tags` for Tempo without TraceQL. */
        search?: 'traceql' | 'tags';
        /**
         * Grafana base URL for deep links.
         * @visibility frontend
         */
        grafanaUrl?: string;
        /**
         * Uid of the Tempo datasource in Grafana (deep links need it).
         * @visibility frontend
         */
        datasourceUid?: string;
        /** @visibility frontend */
        grafanaOrgId?: number;
        /** Sent as `X-Scope-OrgID` (multi-tenant Tempo). */
        tenant?: string;
        /**
         * Bearer token sent to Tempo.
         * @visibility secret
         */
        token?: string;
        timeoutMs?: number;
      };
    };
  };
}
