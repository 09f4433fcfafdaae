import { generateDgkKeyPair } from "./src/dgk";
(async () => {
  await generateDgkKeyPair();
  const c0 = process.cpuUsage(); const t0 = performance.now();
  for (let i = 0; i < 20; i++) await generateDgkKeyPair();
  const c = process.cpuUsage(c0); console.log("keygen wall", ((performance.now()-t0)/20).toFixed(0), "cpu", ((c.user+c.system)/2e4).toFixed(0), "ms each");
})();
