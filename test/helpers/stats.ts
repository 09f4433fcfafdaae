/**
 * The chi-square test of independence for the privacy tests: is a categorical feature of the
 * bank's view distributed the same way in every scenario?
 */

/** The statistic, degrees of freedom and p-value of a contingency table (rows: scenarios, columns: categories). */
export function chiSquareIndependence(table: readonly (readonly number[])[]): {
  statistic: number;
  df: number;
  pValue: number;
} {
  // Categories never observed carry no information: drop them.
  const columns = table[0].map((_, j) => j).filter((j) => table.some((row) => row[j] > 0));
  const rows = table.map((row) => columns.map((j) => row[j]));
  const rowTotals = rows.map((row) => row.reduce((a, b) => a + b, 0));
  const colTotals = columns.map((_, j) => rows.reduce((a, row) => a + row[j], 0));
  const total = rowTotals.reduce((a, b) => a + b, 0);
  let statistic = 0;
  rows.forEach((row, i) =>
    row.forEach((observed, j) => {
      const expected = (rowTotals[i] * colTotals[j]) / total;
      statistic += (observed - expected) ** 2 / expected;
    }),
  );
  const df = (rows.length - 1) * (columns.length - 1);
  return { statistic, df, pValue: df === 0 ? 1 : upperRegularizedGamma(df / 2, statistic / 2) };
}

/** Counts of each category (a string key) per scenario, as a contingency table. */
export function contingency(samples: readonly (readonly string[])[]): number[][] {
  const categories = [...new Set(samples.flat())].sort();
  return samples.map((s) => categories.map((c) => s.filter((x) => x === c).length));
}

/** Q(a, x) = Γ(a, x) / Γ(a): series below a + 1, continued fraction (Lentz) above. */
function upperRegularizedGamma(a: number, x: number): number {
  if (x <= 0) return 1;
  const lnPrefix = a * Math.log(x) - x - logGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 1000 && Math.abs(term) > Math.abs(sum) * 1e-15; n++) {
      term *= x / (a + n);
      sum += term;
    }
    return 1 - sum * Math.exp(lnPrefix);
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return Math.exp(lnPrefix) * h;
}

/** ln Γ(z), Lanczos approximation (g = 7, n = 9). */
function logGamma(z: number): number {
  const g = 7;
  const coefficients = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGamma(1 - z);
  const x = z - 1;
  let sum = coefficients[0];
  for (let i = 1; i < g + 2; i++) sum += coefficients[i] / (x + i);
  const t = x + g + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(sum);
}
