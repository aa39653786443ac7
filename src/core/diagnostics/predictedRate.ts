/**
 * What the missing-information spectral radius says, in words (docs/solvers.md). Near a strict local maximum the
 * observed information I_obs is positive definite and 0 ≤ eig(I_c⁻¹ I_obs) ≤ 1, so EM's predicted linear rate
 * ρ = max |1 − λ| lies in [0, 1). A radius of 1 or more means some λ ≤ 0: ℓ is flat or rises along a direction
 * (a saddle, or parameters the data do not identify), and the linearization predicts no contraction there. Such
 * a number is not a rate, so it is not shown as one. Browser-safe.
 */
import type { MissingInformation } from './missingInformation';

export const NO_CONTRACTION =
  'no local contraction estimate: the observed information is not positive definite at this point (ℓ is flat or rises along some direction: a saddle, or parameters the data do not identify)';

export type PredictedRate = { readonly kind: 'rate'; readonly value: number } | { readonly kind: 'none'; readonly radius: number };

export function predictedRate(information: Pick<MissingInformation, 'spectralRadius'>): PredictedRate {
  const radius = information.spectralRadius;
  return Number.isFinite(radius) && radius < 1 ? { kind: 'rate', value: radius } : { kind: 'none', radius };
}

/**
 * EM's predicted rates of several restarts in one line: `r1: 0.873, r3: 0.912` for the restarts that have one, and
 * the restarts without one named once with the reason ("r2, r4: no local contraction estimate: …").
 */
export function describePredictedRates(entries: readonly { readonly restart: number; readonly information: Pick<MissingInformation, 'spectralRadius'> }[]): string {
  const rates: string[] = [];
  const without: string[] = [];
  for (const { restart, information } of [...entries].sort((a, b) => a.restart - b.restart)) {
    const rate = predictedRate(information);
    if (rate.kind === 'rate') rates.push(`r${restart + 1}: ${rate.value.toFixed(3)}`);
    else without.push(`r${restart + 1}`);
  }
  const parts = [...(rates.length > 0 ? [rates.join(', ')] : []), ...(without.length > 0 ? [`${without.join(', ')}: ${NO_CONTRACTION}`] : [])];
  return parts.join('; ');
}
