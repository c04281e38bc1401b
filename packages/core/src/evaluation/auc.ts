/**
 * Exact ROC AUC = P(score of a random positive > score of a random negative), ties counting ½ —
 * the Mann–Whitney U statistic divided by (positives × negatives). NaN when a class is missing.
 *
 * Rather than rank all rows with a comparator sort, positives and negatives are copied into two
 * Float64Arrays and sorted natively (much faster than a callback sort on millions of rows); one
 * merge walk then counts, for each positive, the negatives below it and tied with it. O(n log n).
 * A label counts as positive when it is > 0.5, so 0/1 and boolean-as-number labels both work.
 */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  if (labels.length !== n) throw new Error(`auc: ${n} scores but ${labels.length} labels`);
  let positives = 0;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(scores[i]!)) throw new Error(`auc: score ${i} is NaN`);
    if (labels[i]! > 0.5) positives++;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  const pos = new Float64Array(positives);
  const neg = new Float64Array(negatives);
  let p = 0;
  let q = 0;
  for (let i = 0; i < n; i++) {
    if (labels[i]! > 0.5) pos[p++] = scores[i]!;
    else neg[q++] = scores[i]!;
  }
  pos.sort();
  neg.sort();
  let below = 0; // negatives strictly below the current positive
  let belowOrTied = 0; // negatives at or below it
  let u = 0;
  for (let i = 0; i < positives; i++) {
    const s = pos[i]!;
    while (below < negatives && neg[below]! < s) below++;
    if (belowOrTied < below) belowOrTied = below;
    while (belowOrTied < negatives && neg[belowOrTied]! <= s) belowOrTied++;
    u += below + 0.5 * (belowOrTied - below);
  }
  return u / (positives * negatives);
}
