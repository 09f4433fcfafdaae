/**
 * `blindcredit schema`: the credit fields a form may name and a provider may write, with their
 * ranges and units, and the operators a condition may use. No network.
 * @module
 */
import type { Command } from "commander";
import { MAX_CONDITIONS, MAX_SET_VALUES, OPERATORS } from "../../protocol/form";
import { CREDIT_FIELDS, formatFieldValue } from "../../protocol/schema";
import { action } from "../context";
import { table } from "../output";

export function register(program: Command): void {
  program
    .command("schema")
    .description("print the credit fields (names, ranges, units) and the condition operators, for form authors")
    .action(
      action(async ({ out }) => {
        const data = {
          fields: CREDIT_FIELDS.map((f) => ({
            name: f.name,
            description: f.description,
            min: formatFieldValue(f, f.min),
            max: formatFieldValue(f, f.max),
            decimals: f.decimals,
          })),
          operators: [...OPERATORS],
          maxConditions: MAX_CONDITIONS,
          maxSetValues: MAX_SET_VALUES,
        };
        out.result(data, (d) => [
          ...table(
            ["field", "range", "decimals", "meaning"],
            d.fields.map((f) => [f.name, `${f.min} to ${f.max}`, String(f.decimals), f.description]),
          ),
          "",
          `operators: ${d.operators.join(", ")} (between: two values, inclusive; in: 1 to ${d.maxSetValues} values)`,
          `a form holds 1 to ${d.maxConditions} conditions; write values as decimal strings, e.g. "35.5"`,
        ]);
      }),
    );
}
