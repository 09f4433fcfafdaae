/**
 * The bureau's Prometheus metrics (prom-client), one registry per service so that several services in one process
 * (the tests) keep theirs apart. Every label takes values from a fixed set: the route template (never the raw path),
 * the method, the status, a refusal reason, a store operation, a number of conditions. A crafted request therefore
 * cannot add a series, nor break the text format.
 *
 * | Metric | Type | Labels |
 * |---|---|---|
 * | `blindcredit_http_requests_total` | counter | `method`, `route`, `status` |
 * | `blindcredit_api_refusals_total` | counter | `reason` (see {@link ApiRefusal}) |
 * | `blindcredit_step_seconds` | histogram | `step` (the state reached), `k` (the form's conditions) |
 * | `blindcredit_check_refusals_total` | counter | `reason` (on-chain refusals: `NoData`, `GrantRevoked`, …) |
 * | `blindcredit_store_seconds` | histogram | `op` (the store method) |
 * | `blindcredit_chain_lag_blocks` | gauge | (latest block minus the last block whose logs were read) |
 * | `blindcredit_lease_takeovers_total` | counter | (checks taken over from an evaluator whose lease ran out) |
 * | `blindcredit_up` | gauge | `part` (`chain`, `store`): 1 when the last probe's call answered in time, else 0 |
 * | `blindcredit_relay_consents_total` | counter | (consents the relay submitted and saw mined) |
 * | `blindcredit_relay_gas_used_total` | counter | (gas the relayed consents used) |
 * | `blindcredit_relay_gas_wei_total` | counter | (what that gas cost the bureau, in wei) |
 * | `blindcredit_checks_*`, `blindcredit_store_*`, `blindcredit_journal_checks` | as before | |
 *
 * The evaluator counts what it does once, in its {@link EvaluatorMetrics} (plain numbers that tests and benches read,
 * and the step histogram, observed as each step is counted); {@link BureauMetrics.observeEvaluator} registers that
 * histogram and reads the refusals by reason, the takeovers and the evaluator's gauges from it on each scrape.
 * @module
 */
import { Counter, Gauge, Histogram, Registry, type LabelValues } from "prom-client";

/** Why the API refused a request: the values of `blindcredit_api_refusals_total{reason}`. */
export type ApiRefusal =
  | "malformed"
  | "too-large"
  | "busy"
  | "party-busy"
  | "bytes-busy"
  | "too-slow"
  | "relay-busy"
  | "consent-refused"
  | "unsigned"
  | "bad-signature"
  | "replayed"
  | "uncommitted"
  | "wrong-party"
  | "wrong-turn"
  | "not-party"
  | "inactive-provider"
  | "not-found"
  | "not-subject"
  | "replayed"
  | "reservations-full"
  | "keys-busy"
  | "no-route";

/** The routes of the API, as templates: the only values of the `route` label. */
export const ROUTES = [
  "/health",
  "/metrics",
  "/v1/messages",
  "/v1/parameters",
  "/v1/messages/:hash",
  "/v1/records",
  "/v1/consents",
  "/v1/subjects/:address/record",
  "/v1/comparison-keys",
] as const;
export type Route = (typeof ROUTES)[number] | "unknown";

/** `GET /v1/subjects/<address>/record`: a subject's own record. */
export const SUBJECT_RECORD = /^\/v1\/subjects\/(0x[0-9a-fA-F]{40})\/record$/;

/** The route template a path falls under; `unknown` for anything else. */
export function routeOf(path: string): Route {
  if (path.startsWith("/v1/messages/")) return "/v1/messages/:hash";
  if (SUBJECT_RECORD.test(path)) return "/v1/subjects/:address/record";
  return (ROUTES as readonly string[]).includes(path) ? (path as Route) : "unknown";
}

const METHODS = new Set(["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"]);

/** The method as a label: one of the standard ones, or `other`. */
export function methodLabel(method: string | undefined): string {
  return method !== undefined && METHODS.has(method) ? method : "other";
}

/** The bureau's metrics. */
export class BureauMetrics {
  readonly registry = new Registry();
  readonly httpRequests = this.#counter(
    "blindcredit_http_requests_total",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
  );
  readonly apiRefusals = this.#counter("blindcredit_api_refusals_total", "Requests the API refused, by reason.", [
    "reason",
  ]);
  readonly storeSeconds = this.#histogram(
    "blindcredit_store_seconds",
    "Latency of the store's calls, by operation.",
    ["op"],
    [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
  );
  readonly chainLag = this.#gauge(
    "blindcredit_chain_lag_blocks",
    "The latest block minus the last block whose logs the evaluator read.",
  );

  readonly up = this.#gauge(
    "blindcredit_up",
    "Whether the chain and the store answered the last probe (/health, /metrics) in time: 1 yes, 0 no.",
    ["part"],
  );
  readonly relayedConsents = this.#counter(
    "blindcredit_relay_consents_total",
    "Consents the relay submitted from the bureau's account and saw mined.",
  );
  readonly relayGas = this.#counter(
    "blindcredit_relay_gas_used_total",
    "Gas used by the transactions of relayed consents.",
  );
  readonly relayWei = this.#counter(
    "blindcredit_relay_gas_wei_total",
    "What the relayed consents' gas cost the bureau, in wei.",
  );

  /**
   * Times `fn` as the store operation `op`.
   * @example await metrics.timeStore("putMessage", () => store.putMessage(hash, bytes))
   */
  async timeStore<T>(op: string, fn: () => Promise<T>): Promise<T> {
    const end = this.storeSeconds.startTimer({ op });
    try {
      return await fn();
    } finally {
      end();
    }
  }

  /**
   * Serves an evaluator's counts on each scrape: its step histogram, refusals by reason, takeovers and gauges.
   * @param evaluator its counts, and how many checks it is working on
   * @throws Error when an evaluator is observed already (one per registry)
   */
  observeEvaluator(evaluator: { readonly metrics: EvaluatorMetrics; readonly activeChecks: number }): void {
    const counts = evaluator.metrics;
    this.registry.registerMetric(counts.stepHistogram);
    this.#counter(
      "blindcredit_check_refusals_total",
      "Checks the bureau refused on-chain, by reason.",
      ["reason"],
      () => Object.fromEntries(counts.refusals),
    );
    this.#counter(
      "blindcredit_lease_takeovers_total",
      "Checks taken over from an evaluator whose lease had run out.",
      [],
      () => counts.takeovers,
    );
    const gauges: [string, string, () => number][] = [
      ["blindcredit_checks_seen", "Checks addressed to this bureau seen in the logs.", () => counts.checksSeen],
      ["blindcredit_steps", "Steps the evaluator took.", () => counts.steps],
      ["blindcredit_checks_refused", "Checks refused on-chain.", () => counts.refused],
      ["blindcredit_step_failures", "Steps that threw.", () => counts.failures],
      ["blindcredit_checks_abandoned", "Checks given up.", () => counts.abandoned],
      ["blindcredit_active_checks", "Checks in progress.", () => evaluator.activeChecks],
      ["blindcredit_last_block", "The last block whose logs were read.", () => counts.lastBlock],
    ];
    for (const [name, help, read] of gauges) this.gauge(name, help, async () => read());
  }

  /**
   * Adds gauges read when the registry is scraped.
   * @param read called on each scrape; returns the values by metric name (each a gauge without labels, or with the
   *   one label `label` when given a record)
   */
  gauge(name: string, help: string, read: () => Promise<number | Record<string, number>>, label = "stage"): void {
    this.#gauge(name, help, [label], async function collect() {
      const value = await read();
      this.reset();
      if (typeof value === "number") this.set(value);
      else for (const [key, n] of Object.entries(value)) this.set({ [label]: key }, n);
    });
  }

  /**
   * A counter of this registry, with the labels it takes (none by default).
   * @param read when given, the counter's value is read from it on each scrape: one number, or numbers by the
   *   counter's one label
   */
  #counter<Label extends string = never>(
    name: string,
    help: string,
    labelNames: readonly Label[] = [],
    read?: () => number | Record<string, number>,
  ): Counter<Label> {
    const collect =
      read &&
      function (this: Counter<Label>) {
        const value = read();
        this.reset();
        if (typeof value === "number") this.inc(value);
        else for (const [key, n] of Object.entries(value)) this.inc({ [labelNames[0]]: key } as LabelValues<Label>, n);
      };
    return new Counter({ name, help, labelNames, collect, registers: [this.registry] });
  }

  /** A gauge of this registry, with the labels it takes (none by default) and what to do on each scrape, if anything. */
  #gauge<Label extends string = never>(
    name: string,
    help: string,
    labelNames: readonly Label[] = [],
    collect?: (this: Gauge<Label>) => Promise<void>,
  ): Gauge<Label> {
    return new Gauge({ name, help, labelNames, collect, registers: [this.registry] });
  }

  /** A histogram of this registry, with the labels it takes and its buckets (upper bounds). */
  #histogram<Label extends string>(
    name: string,
    help: string,
    labelNames: readonly Label[],
    buckets: number[],
  ): Histogram<Label> {
    return new Histogram({ name, help, labelNames, buckets, registers: [this.registry] });
  }
}

/** The upper bounds of the step-duration buckets, in seconds. */
const STEP_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120];

/**
 * What an evaluator has done since it started: each event counted once, here. Tests and benches read the numbers;
 * {@link BureauMetrics.observeEvaluator} serves them to Prometheus.
 */
export class EvaluatorMetrics {
  /** Checks addressed to this bureau seen in the logs. */
  checksSeen = 0;
  /**
   * Steps that threw, refusals whose transaction failed included: each is retried after a backoff that doubles from
   * `retry.baseMs` up to `retry.maxMs` and starts over once a step succeeds, until the chain no longer waits for it.
   */
  failures = 0;
  /** Checks that ended on-chain (expired, or closed by another party) while the bureau's last attempt had failed. */
  abandoned = 0;
  /** Checks taken over from an evaluator whose lease on them ended (it crashed or stalled). */
  takeovers = 0;
  /** Leases found lost when renewed (another evaluator took the check over): the step was not taken. */
  leasesLost = 0;
  /** The last block whose logs were read (at most `latest − confirmations`). */
  lastBlock = -1;
  /** The last failure, for the operator. */
  lastError?: string;
  /**
   * Checks refused on-chain, by reason (`NoData`, `GrantRevoked`, …): their grant was revoked or changed after they
   * opened, the bureau refused what the bank sent, or it has no sound data for them.
   */
  readonly refusals = new Map<string, number>();
  /**
   * `blindcredit_step_seconds`: step durations by the state reached and the form's number of conditions (k). In no
   * registry until {@link BureauMetrics.observeEvaluator} adds it to the service's.
   */
  readonly stepHistogram = new Histogram<"step" | "k">({
    name: "blindcredit_step_seconds",
    help: "Time the evaluator took for one step of a check, by the state it reached and the form's conditions (k).",
    labelNames: ["step", "k"],
    buckets: STEP_BUCKETS,
    registers: [],
  });
  #steps = 0;
  #stepSeconds = 0;

  /** Steps taken (messages committed on-chain). */
  get steps(): number {
    return this.#steps;
  }

  /** Seconds spent computing and posting steps. */
  get stepSeconds(): number {
    return this.#stepSeconds;
  }

  /** Checks refused on-chain, whatever the reason. */
  get refused(): number {
    let refused = 0;
    for (const n of this.refusals.values()) refused += n;
    return refused;
  }

  /**
   * Counts a step that brought a check to `step` in `seconds`.
   * @param conditions the form's number of conditions (k), when the step read it; counted under "unknown" otherwise
   */
  stepTaken(step: string, conditions: number | undefined, seconds: number): void {
    this.#steps++;
    this.#stepSeconds += seconds;
    this.stepHistogram.observe({ step, k: conditions === undefined ? "unknown" : String(conditions) }, seconds);
  }

  /** Counts a check refused on-chain for `reason`. */
  refusedFor(reason: string): void {
    this.refusals.set(reason, (this.refusals.get(reason) ?? 0) + 1);
  }
}
