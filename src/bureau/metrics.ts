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
 * @module
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";

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
  readonly stepSeconds = this.#histogram(
    "blindcredit_step_seconds",
    "Time the evaluator took for one step of a check, by the state it reached and the form's conditions (k).",
    ["step", "k"],
    [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120],
  );
  readonly checkRefusals = this.#counter(
    "blindcredit_check_refusals_total",
    "Checks the bureau refused on-chain, by reason.",
    ["reason"],
  );
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
  /** For the evaluators' leases: incremented when a check is taken over from an evaluator whose lease ran out. */
  readonly leaseTakeovers = this.#counter(
    "blindcredit_lease_takeovers_total",
    "Checks taken over from an evaluator whose lease had run out.",
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

  /** A counter of this registry, with the labels it takes (none by default). */
  #counter<Label extends string = never>(
    name: string,
    help: string,
    labelNames: readonly Label[] = [],
  ): Counter<Label> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
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
