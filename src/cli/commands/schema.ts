/**
 * `blindcredit schema`: the active credit schema (its id, version, hash and where it came from), the fields a form
 * may name and a provider may write, with their ranges and units, and the operators a condition may use. No network:
 * `bank`, `provider` and `bureau` commands check the same schema against the deployment's hash.
 * @module
 */
import type { Command } from "commander";
import { MAX_CONDITIONS, MAX_SET_VALUES, OPERATORS } from "../../protocol/form";
import { arityWording, OPERATOR_RULES } from "../../protocol/operators";
import { formatFieldValue } from "../../protocol/schema";
import { action, schemaOf } from "../context";
import { table } from "../output";

/** The operators that take more than one value, whose arity the human output spells out. */
const SEVERAL_VALUES = OPERATORS.filter((op) => OPERATOR_RULES[op].arity.max > 1);

export function register(program: Command): void {
  program
    .command("schema")
    .description(
      "print the active credit schema (id, version, hash), its fields (names, ranges, units) and the condition operators",
    )
    .action(
      action(async (inv) => {
        const { schema, source } = schemaOf(inv);
        const data = {
          id: schema.id,
          version: schema.version,
          hash: schema.hash,
          source,
          fields: schema.fields.map((f) => ({
            name: f.name,
            description: f.description,
            unit: f.unit,
            min: formatFieldValue(f, f.min),
            max: formatFieldValue(f, f.max),
            decimals: f.decimals,
          })),
          operators: [...OPERATORS],
          maxConditions: MAX_CONDITIONS,
          maxSetValues: MAX_SET_VALUES,
        };
        inv.out.result(data, (d) => [
          `schema ${d.id} v${d.version}, hash ${d.hash}, ${d.fields.length} fields, from ${d.source}`,
          "",
          ...table(
            ["field", "range", "decimals", "unit", "meaning"],
            d.fields.map((f) => [f.name, `${f.min} to ${f.max}`, String(f.decimals), f.unit, f.description]),
          ),
          "",
          `operators: ${d.operators.join(", ")} (${SEVERAL_VALUES.map((op) => `${op}: ${arityWording(op)}`).join("; ")})`,
          `a form holds 1 to ${d.maxConditions} conditions; write values as decimal strings, e.g. "35.5"`,
        ]);
      }),
    );
}
