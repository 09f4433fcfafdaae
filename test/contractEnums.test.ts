/**
 * The TypeScript mirrors of the contracts' enums (src/contractEnums.ts) stay in step with the Solidity ones: the
 * same members, in the same order, with the values Solidity gives them (0, 1, 2, …). Read from the compiler's AST
 * of the interfaces, so adding a member on one side only fails here.
 */
import { expect } from "chai";
import hre from "hardhat";
import * as enums from "../src/contractEnums";

/** Where each enum is declared, as a fully qualified contract name. */
const DECLARED_IN: Record<string, string> = {
  NodeType: "contracts/interfaces/INodeTypes.sol:INodeTypes",
  NodeStatus: "contracts/interfaces/INodeTypes.sol:INodeTypes",
  ProposalKind: "contracts/interfaces/IConsensusJudgment.sol:IConsensusJudgment",
  ProposalState: "contracts/interfaces/IConsensusJudgment.sol:IConsensusJudgment",
  AuditAction: "contracts/interfaces/IHistoryRecord.sol:IHistoryRecord",
  GrantState: "contracts/interfaces/IPermissionSetting.sol:IPermissionSetting",
  CheckMode: "contracts/interfaces/IConditionMatching.sol:IConditionMatching",
  CheckState: "contracts/interfaces/IConditionMatching.sol:IConditionMatching",
  RefusalReason: "contracts/interfaces/IConditionMatching.sol:IConditionMatching",
};

interface AstNode {
  readonly nodeType?: string;
  readonly name?: string;
  readonly members?: readonly AstNode[];
  readonly nodes?: readonly AstNode[];
}

/** The member names of the enum `name` declared in the contract `fqn`, from the compiler's AST. */
async function solidityMembers(fqn: string, name: string): Promise<string[]> {
  const [source, contract] = fqn.split(":");
  const buildInfo = await hre.artifacts.getBuildInfo(fqn);
  if (buildInfo === undefined) throw new Error(`no build info for ${fqn}: compile first (npx hardhat compile)`);
  const ast = buildInfo.output.sources[source].ast as AstNode;
  const declaring = ast.nodes?.find((n) => n.nodeType === "ContractDefinition" && n.name === contract);
  const found = declaring?.nodes?.find((n) => n.nodeType === "EnumDefinition" && n.name === name);
  if (found?.members === undefined) throw new Error(`expected enum ${name} in ${fqn}, found none`);
  return found.members.map((m) => m.name!);
}

/** The member names of a TypeScript numeric enum, ordered by value. */
function typescriptMembers(tsEnum: Record<string, string | number>): string[] {
  return Object.entries(tsEnum)
    .filter(([, value]) => typeof value === "number")
    .sort(([, a], [, b]) => (a as number) - (b as number))
    .map(([key]) => key);
}

describe("contractEnums: the TypeScript enums match the contracts'", function () {
  for (const [name, fqn] of Object.entries(DECLARED_IN)) {
    it(`${name} has the members of ${fqn.split(":")[1]}.${name}, in order, valued 0, 1, 2, …`, async function () {
      const tsEnum = (enums as unknown as Record<string, Record<string, string | number>>)[name];
      expect(tsEnum, `src/contractEnums.ts exports ${name}`).to.be.an("object");
      const members = typescriptMembers(tsEnum);
      expect(members).to.deep.equal(await solidityMembers(fqn, name));
      members.forEach((member, i) => expect(tsEnum[member], `${name}.${member}`).to.equal(i));
    });
  }

  it("names every enum src/contractEnums.ts exports", function () {
    const exported = Object.entries(enums)
      .filter(([, value]) => typeof value === "object" && value !== null)
      .map(([key]) => key)
      .sort();
    expect(exported).to.deep.equal(Object.keys(DECLARED_IN).sort());
  });
});
