/**
 * Credit schema files on disk, and the schema a deployment is fixed to: what the deploy file, the command line and
 * the bureau read, each checking the file against the hash the condition-matching contract holds.
 * @module
 */
import { readFileSync } from "node:fs";
import { DEFAULT_SCHEMA, parseSchema, type CreditSchema } from "./schema";
import { parseJson } from "../json";

/** The environment variable naming the schema file a deployment is fixed to (the default schema when unset). */
export const SCHEMA_ENV = "BLINDCREDIT_SCHEMA";

/**
 * Reads and validates a schema file.
 * @param file a path to the schema's JSON (see `schemas/default.json`)
 * @throws Error naming the file: missing, not JSON, or refused by {@link parseSchema}
 * @example loadSchemaFile("schemas/default.json").hash
 */
export function loadSchemaFile(file: string): CreditSchema {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`schema file ${file}: cannot read it (${(e as Error).message})`, { cause: e });
  }
  let json: unknown;
  try {
    json = parseJson(text, `schema file ${file}`);
  } catch (e) {
    throw new Error((e as Error).message, { cause: e });
  }
  return parseSchema(json, `schema file ${file}`);
}

/** The schema a new deployment is fixed to: the file `BLINDCREDIT_SCHEMA` names, or the default schema. */
export function deploymentSchema(env: NodeJS.ProcessEnv = process.env): CreditSchema {
  const file = env[SCHEMA_ENV];
  return file === undefined || file === "" ? DEFAULT_SCHEMA : loadSchemaFile(file);
}
