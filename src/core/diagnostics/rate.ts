/**
 * The observed linear rate ρ̂ᵗ = ‖θᵗ⁺¹ − θᵗ‖ / ‖θᵗ − θᵗ⁻¹‖ (DESIGN §3), smoothed by a geometric mean over the
 * last few ratios (raw ratios jump around when steps are tiny), and the retrospective rate from ℓ* − ℓᵗ.
 */
const WINDOW = 5;

export class RateTracker {
  private previousStep: number | undefined;
  private readonly logRatios: number[] = [];

  /** Records ‖θᵗ⁺¹ − θᵗ‖; returns the raw and smoothed ratio once two steps are known. */
  record(stepNorm: number): { raw?: number; smoothed?: number } {
    const previous = this.previousStep;
    this.previousStep = stepNorm;
    if (previous === undefined || !(previous > 0) || !(stepNorm > 0)) return {};
    const raw = stepNorm / previous;
    this.logRatios.push(Math.log(raw));
    if (this.logRatios.length > WINDOW) this.logRatios.shift();
    const meanLog = this.logRatios.reduce((a, b) => a + b, 0) / this.logRatios.length;
    return { raw, smoothed: Math.exp(meanLog) };
  }
}

export function stepNorm(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let j = 0; j < a.length; j++) sum += (a[j] - b[j]) ** 2;
  return Math.sqrt(sum);
}

/**
 * (ℓ* − ℓᵗ⁺¹) / (ℓ* − ℓᵗ) with ℓ* the final value, for every t where the gap is still above round-off; the
 * last entries (where the gap is noise) are undefined.
 */
export function rateFromObjective(logLiks: readonly number[]): (number | undefined)[] {
  const final = logLiks[logLiks.length - 1];
  const noise = 1e-11 * (1 + Math.abs(final));
  return logLiks.map((value, t) => {
    if (t + 1 >= logLiks.length) return undefined;
    const gap = final - value;
    const nextGap = final - logLiks[t + 1];
    return gap > noise && nextGap > noise ? nextGap / gap : undefined;
  });
}
