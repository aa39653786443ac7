/**
 * Minimum-cost assignment of n rows to n columns: the Hungarian method (Kuhn 1955, Munkres 1957) in its O(n³)
 * form with row and column potentials and shortest augmenting paths (as in Jonker & Volgenant 1987). Rows are
 * added one at a time; each addition grows an alternating tree from the new row along reduced costs
 * cost[i][j] − u[i] − v[j] ≥ 0 until it reaches a free column, then flips the path. The potentials stay feasible,
 * so the final matching is optimal (its reduced costs are all 0).
 */

/** assignment[row] = column, minimizing Σ cost[row][assignment[row]]. */
export function minimumCostAssignment(cost: readonly (readonly number[])[]): number[] {
  const n = cost.length;
  for (const [row, values] of cost.entries()) {
    if (values.length !== n) throw new Error(`assignment: the cost matrix must be square (row ${row + 1} has ${values.length} entries, expected ${n})`);
    const bad = values.findIndex((value) => !Number.isFinite(value));
    if (bad >= 0) throw new Error(`assignment: cost[${row + 1}][${bad + 1}] is ${values[bad]}, not a finite number`);
  }
  // 1-based arrays; index 0 is the virtual column from which each new row's tree starts.
  const rowPotential = new Float64Array(n + 1);
  const columnPotential = new Float64Array(n + 1);
  /** rowOfColumn[j]: the row matched to column j (0: free). */
  const rowOfColumn = new Int32Array(n + 1);
  /** previousColumn[j]: the column before j on the shortest alternating path. */
  const previousColumn = new Int32Array(n + 1);
  for (let row = 1; row <= n; row++) {
    rowOfColumn[0] = row;
    let column = 0;
    const slack = new Float64Array(n + 1).fill(Infinity);
    const inTree = new Uint8Array(n + 1);
    do {
      inTree[column] = 1;
      const treeRow = rowOfColumn[column];
      let delta = Infinity;
      let next = 0;
      for (let j = 1; j <= n; j++) {
        if (inTree[j]) continue;
        const reduced = cost[treeRow - 1][j - 1] - rowPotential[treeRow] - columnPotential[j];
        if (reduced < slack[j]) {
          slack[j] = reduced;
          previousColumn[j] = column;
        }
        if (slack[j] < delta) {
          delta = slack[j];
          next = j;
        }
      }
      for (let j = 0; j <= n; j++) {
        if (inTree[j]) {
          rowPotential[rowOfColumn[j]] += delta;
          columnPotential[j] -= delta;
        } else {
          slack[j] -= delta;
        }
      }
      column = next;
    } while (rowOfColumn[column] !== 0);
    // Flip the augmenting path back to the virtual column.
    do {
      const previous = previousColumn[column];
      rowOfColumn[column] = rowOfColumn[previous];
      column = previous;
    } while (column !== 0);
  }
  const assignment = new Array<number>(n);
  for (let j = 1; j <= n; j++) assignment[rowOfColumn[j] - 1] = j - 1;
  return assignment;
}
