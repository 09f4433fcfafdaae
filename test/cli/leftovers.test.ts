/**
 * The CLI's tests do not depend on what a user's own run of the README journey left in the checkout: with a
 * deployment in `deployments/localhost/` (where `npx hardhat deploy --network localhost` writes, and where the command
 * falls back to by default), fixed to another credit schema, the schema test still sees the default schema.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { DEPLOYED_SCHEMA_FILE } from "../../src/cli/context";
import { ok, ROOT } from "./helpers";

describe("CLI tests with a user's deployments/localhost in the checkout", function () {
  const root = path.join(ROOT, "deployments");
  const dir = path.join(root, "localhost");
  const file = path.join(dir, DEPLOYED_SCHEMA_FILE);
  let madeRoot = false;
  let madeDir = false;
  let madeFile = false;

  before(function () {
    madeRoot = !existsSync(root);
    madeDir = !existsSync(dir);
    mkdirSync(dir, { recursive: true });
    madeFile = !existsSync(file);
    if (madeFile) copyFileSync(path.join(ROOT, "test", "fixtures", "schema-40.json"), file);
  });

  after(function () {
    if (madeFile) rmSync(file, { force: true });
    if (madeDir && readdirSync(dir).length === 0) rmSync(dir, { recursive: true, force: true });
    if (madeRoot && readdirSync(root).length === 0) rmSync(root, { recursive: true, force: true });
  });

  it("the schema test still sees the default schema", async function () {
    expect((await ok(["schema"])).stdout).to.include("from the default schema");
  });
});
