/**
 * `randomPartition`: every row assigned to an expert uniformly at random, then one M-step from those (nearly
 * hard) responsibilities — flexmix's start (Leisch 2004, JSS 11(8); `flexmix(..., cluster = NULL)` draws a random
 * cluster membership per row and begins with an M-step).
 */
import type { Dataset } from '../data/dataset';
import type { ParamLayout } from '../model/layout';
import type { Random } from '../random';
import { assignmentResponsibilities, mStepFrom } from './shared';

export function randomPartitionStart(layout: ParamLayout, data: Dataset, rng: Random): Float64Array {
  const assignment = Int32Array.from({ length: data.n }, () => rng.integer(layout.K));
  return mStepFrom(layout, data, assignmentResponsibilities(assignment, layout.K));
}
