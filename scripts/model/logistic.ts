/**
 * Logistic regression by iteratively reweighted least squares (Newton's method on the log-likelihood): small,
 * exact enough for a handful of features, and deterministic (a fixed number of floating-point operations in a fixed
 * order). Columns are standardised before the fit and the coefficients mapped back, so that features in very
 * different units (a score in hundreds, an income in tens of thousands) do not make the normal equations ill-posed.
 * @module
 */

/** A fitted model on the features' own units: log-odds = intercept + Σ coefficients[j]·x[j]. */
export interface LogisticFit {
  readonly intercept: number;
  readonly coefficients: readonly number[];
  /** Newton steps taken until the largest change fell below the tolerance. */
  readonly iterations: number;
}

/** The probability the logistic function gives to log-odds `z`. */
export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/**
 * Fits `P(y = 1 | x)` by IRLS.
 * @param rows the feature vectors, all of one length
 * @param labels 1 or 0 per row
 * @param ridge a small L2 penalty on the standardised coefficients (not the intercept), for separable data
 * @throws Error when the rows are empty or ragged, a column is constant, or it does not converge in `maxIterations`
 */
export function fitLogistic(
  rows: readonly (readonly number[])[],
  labels: readonly (0 | 1)[],
  { ridge = 1e-6, tolerance = 1e-10, maxIterations = 50 } = {},
): LogisticFit {
  const n = rows.length;
  if (n === 0 || labels.length !== n)
    throw new Error(`logistic fit: expected rows and labels alike, got ${n} and ${labels.length}`);
  const k = rows[0].length;
  if (rows.some((r) => r.length !== k)) throw new Error(`logistic fit: expected every row to have ${k} features`);
  const mean = Array.from({ length: k }, (_, j) => rows.reduce((s, r) => s + r[j], 0) / n);
  const sd = mean.map((m, j) => Math.sqrt(rows.reduce((s, r) => s + (r[j] - m) ** 2, 0) / n));
  const constant = sd.findIndex((v) => v === 0);
  if (constant >= 0) throw new Error(`logistic fit: feature ${constant} is constant: nothing to fit it on`);
  // The design matrix: a 1 for the intercept, then the standardised features.
  const design = rows.map((r) => [1, ...r.map((v, j) => (v - mean[j]) / sd[j])]);
  let beta = new Array<number>(k + 1).fill(0);
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    // Newton step: (Xᵀ W X + λI) Δ = Xᵀ (y − p) − λβ, with W = diag(p(1 − p)).
    const hessian = Array.from({ length: k + 1 }, () => new Array<number>(k + 1).fill(0));
    const gradient = new Array<number>(k + 1).fill(0);
    for (let i = 0; i < n; i++) {
      const x = design[i];
      const p = sigmoid(x.reduce((s, v, j) => s + v * beta[j], 0));
      const w = p * (1 - p);
      for (let a = 0; a <= k; a++) {
        gradient[a] += x[a] * (labels[i] - p);
        for (let b = 0; b <= a; b++) hessian[a][b] += w * x[a] * x[b];
      }
    }
    for (let a = 0; a <= k; a++) {
      for (let b = a + 1; b <= k; b++) hessian[a][b] = hessian[b][a];
      if (a > 0) {
        hessian[a][a] += ridge * n;
        gradient[a] -= ridge * n * beta[a];
      }
    }
    const step = solve(hessian, gradient);
    beta = beta.map((v, j) => v + step[j]);
    if (Math.max(...step.map(Math.abs)) < tolerance) {
      const coefficients = beta.slice(1).map((v, j) => v / sd[j]);
      const intercept = beta[0] - coefficients.reduce((s, c, j) => s + c * mean[j], 0);
      return { intercept, coefficients, iterations: iteration };
    }
  }
  throw new Error(`logistic fit: no convergence in ${maxIterations} Newton steps`);
}

/** Solves A·x = b (A square, nonsingular) by Gaussian elimination with partial pivoting. */
function solve(matrix: readonly (readonly number[])[], vector: readonly number[]): number[] {
  const size = vector.length;
  const a = matrix.map((row, i) => [...row, vector[i]]);
  for (let col = 0; col < size; col++) {
    let pivot = col;
    for (let r = col + 1; r < size; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    if (a[pivot][col] === 0) throw new Error("logistic fit: a singular system (collinear features)");
    [a[col], a[pivot]] = [a[pivot], a[col]];
    for (let r = col + 1; r < size; r++) {
      const factor = a[r][col] / a[col][col];
      for (let c = col; c <= size; c++) a[r][c] -= factor * a[col][c];
    }
  }
  const x = new Array<number>(size).fill(0);
  for (let r = size - 1; r >= 0; r--) {
    let sum = a[r][size];
    for (let c = r + 1; c < size; c++) sum -= a[r][c] * x[c];
    x[r] = sum / a[r][r];
  }
  return x;
}
