/**
 * Builds the credit subject's portal (`vite build portal`): one page, its script and style, into `portal/dist`.
 * The page reads its contract addresses from `/config.json` at run time, so one build serves every deployment.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  base: "./",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // Source files outside portal/ (the library, the contract types) are part of the bundle.
    assetsInlineLimit: 0,
  },
  server: { fs: { allow: [".."] } },
  // The library's keccak loads the native `keccak` package when it can (see src/noNativeKeccak.ts).
  resolve: { alias: { keccak: fileURLToPath(new URL("./src/noNativeKeccak.ts", import.meta.url)) } },
});
