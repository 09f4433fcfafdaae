import importPlugin from "eslint-plugin-import";
import tseslint from "typescript-eslint";

/**
 * The library's folders, lowest first: each may import the ones before it (and the shared files at the top of src/,
 * which import none of them), never one after it or a sibling of its own layer.
 */
const LAYERS = [["paillier"], ["dgk", "proofs"], ["protocol"], ["clients", "bureau", "portal"], ["cli"]];
const FOLDERS = LAYERS.flat();
const layerOf = (folder) => LAYERS.findIndex((layer) => layer.includes(folder));
const layerZones = FOLDERS.map((folder) => ({
  target: `./src/${folder}`,
  from: FOLDERS.filter((other) => other !== folder && layerOf(other) >= layerOf(folder)).map(
    (other) => `./src/${other}`,
  ),
  message: `src/${folder} may import only lower layers (${LAYERS.map((l) => l.join(" and ")).join(" → ")}, lowest first)`,
}));
/**
 * The shared files at the top of src/ (contract enums, permissions, the suite, deployments) import no folder; the
 * public entry, src/index.ts, stands above every folder but the command line's.
 */
const sharedZone = {
  target: "./src/!(index).ts",
  from: FOLDERS.map((folder) => `./src/${folder}`),
  message: "the shared files at the top of src/ import none of its folders",
};
const entryZone = {
  target: "./src/index.ts",
  from: "./src/cli",
  message: "the public entry names the library's API, not the command line",
};
/** CLI command files share options and helpers through src/cli/shared.ts, never through one another. */
const commandZone = {
  target: "./src/cli/commands",
  from: "./src/cli/commands",
  message: "a CLI command file imports no other command file: put what they share in src/cli/shared.ts",
};

export default tseslint.config(
  {
    ignores: [
      "node_modules",
      "artifacts",
      "cache",
      "typechain-types",
      "coverage",
      "deployments",
      "dist",
      "portal/dist",
    ],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["src/**/*.ts"],
    plugins: { import: importPlugin },
    settings: { "import/resolver": { node: { extensions: [".ts", ".js"] } } },
    rules: { "import/no-restricted-paths": ["error", { zones: [...layerZones, sharedZone, entryZone, commandZone] }] },
  },
  {
    files: ["hardhat.config.ts"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
