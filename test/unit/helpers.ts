/** Small builders shared by the unit tests (real data paths, no mocks). */
import type { Dataset, ExpertFamily } from '../../src/core/data/dataset';
import { ParamLayout, type ModelShape } from '../../src/core/model/layout';
import { generateSynthetic, type SyntheticOptions } from '../../src/core/synth/generate';
import { paramsFromJson, type FullParams } from '../../src/core/model/params';

/** Raw rows (n × d) to a Dataset with the intercept column appended, no standardization. */
export function datasetFrom(Xraw: Float64Array, y: Float64Array, d: number, classes?: string[]): Dataset {
  const n = y.length;
  const p = d + 1;
  const X = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) X[i * p + j] = Xraw[i * d + j];
    X[i * p + d] = 1;
  }
  return { X, y, n, p, featureNames: Array.from({ length: d }, (_, j) => `x${j + 1}`), targetName: 'y', classes };
}

export function synthetic(options: SyntheticOptions): { data: Dataset; truth: FullParams } {
  const generated = generateSynthetic(options);
  const classes = options.kind === 'logistic' ? ['0', '1'] : undefined;
  return { data: datasetFrom(generated.X, generated.y, options.dim, classes), truth: paramsFromJson(generated.truth) };
}

export function layoutFor(data: Dataset, family: ExpertFamily, K: number, extra: Partial<ModelShape> = {}): ParamLayout {
  const C = family === 'gaussian' ? 0 : family === 'bernoulli' ? 2 : data.classes!.length;
  return new ParamLayout({ family, K, p: data.p, C, gate: 'softmax', symmetric: false, ridge: 0, ...extra });
}

/** A categorical dataset: K linear-softmax experts with a softmax gate, generated from a seed. */
export { Random } from '../../src/core/random';
