import path from "node:path";
import { subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import type { HardhatUserConfig } from "hardhat/config";
import "@nomicfoundation/hardhat-chai-matchers";
import "@nomicfoundation/hardhat-ethers";
import "@typechain/hardhat";
import "hardhat-deploy";
import "hardhat-gas-reporter";
import "solidity-coverage";

/** The compiler version; it must equal the version of the npm `solc` package in package.json. */
const SOLC_VERSION = "0.8.28";

// The compiler comes from the npm `solc` package (WebAssembly), never from the internet:
// builds work offline and are reproducible.
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return runSuper();
  const compilerPath = path.join(path.dirname(require.resolve("solc/package.json")), "soljson.js");
  return { compilerPath, isSolcJs: true, version: SOLC_VERSION, longVersion: require("solc").version() };
});

/** Accounts for a remote network, from the environment (comma-separated private keys). */
const remoteAccounts = (process.env.BLINDCREDIT_PRIVATE_KEYS ?? "")
  .split(",")
  .map((k) => k.trim())
  .filter((k) => k.length > 0);

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      // Cancun: supported by Hardhat, anvil and Hyperledger Besu; see README "Running node".
      evmVersion: "cancun",
    },
  },
  networks: {
    hardhat: { hardfork: "cancun" },
    localhost: { url: process.env.BLINDCREDIT_RPC_URL ?? "http://127.0.0.1:8545" },
    consortium: {
      url: process.env.BLINDCREDIT_RPC_URL ?? "http://127.0.0.1:8545",
      chainId: process.env.BLINDCREDIT_CHAIN_ID ? Number(process.env.BLINDCREDIT_CHAIN_ID) : undefined,
      accounts: remoteAccounts,
      // Free-gas chains (Besu with zeroBaseFee): BLINDCREDIT_GAS_PRICE=0.
      gasPrice: process.env.BLINDCREDIT_GAS_PRICE === undefined ? "auto" : Number(process.env.BLINDCREDIT_GAS_PRICE),
    },
  },
  // Roles by account index on local networks; a remote network names them by the order of its keys.
  namedAccounts: {
    deployer: { default: 0 },
    voter1: { default: 1 },
    voter2: { default: 2 },
    voter3: { default: 3 },
    bureau: { default: 4 },
  },
  typechain: { outDir: "typechain-types", target: "ethers-v6" },
  gasReporter: {
    enabled: process.env.REPORT_GAS === "true",
    offline: true,
    currency: "USD",
    outputFile: process.env.GAS_REPORT_FILE,
    noColors: process.env.GAS_REPORT_FILE !== undefined,
    reportPureAndViewMethods: false,
  },
  // Instrumented for coverage, the model-based property tests run several times slower: give them room.
  mocha: { timeout: process.env.COVERAGE ? 1_800_000 : 600_000 },
};

export default config;
