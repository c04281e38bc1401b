#!/usr/bin/env bash
# The served funnel on a public data set under the published protocol, end to end, with the CLI a
# user would run (issue 10, item 8). One seed per run; the database is dropped and recreated.
#
#   bash apps/engine/bench/servedFunnelPipeline.sh <data dir> <seed> <work dir> [movielens|recbole] [extra import options…]
#
#   1. split    the per-user random 80/10/10 split (servedFunnelHttp.ts split: the same code and seed
#               as realDataBenchmark.ts), RecBole files of each part under <work>/split
#   2. import   the 80% only (what an engine fed with it would hold)
#   3. train    cascade train --promote (the default steps)
#   4. tune     cascade tune-fusion on the validation 10% (publishes the tuned home surface)
#   5. eval     cascade eval --protocol benchmark --split-dir <work>/split --served: the baselines and
#               the served funnel replayed for every test user, under the same masks
# Times of each step go to <work>/times.tsv; the eval's JSON is in <work>/data/eval/.
# Needs PostgreSQL on 127.0.0.1:5432 (DATABASE_URL is set to a database named after the work dir,
# bench_<work dir name>, or to $BENCH_DATABASE when set).
set -Eeuo pipefail
data_dir=$1 seed=$2 work=$3 style=${4:-movielens}
shift $(( $# < 4 ? $# : 4 ))
cd "$(dirname "$0")/../../.."
name=$(basename "$work" | tr -c 'a-zA-Z0-9_\n' '_')
database=${BENCH_DATABASE:-bench_${name}}
export DATABASE_URL="postgresql://postgres@127.0.0.1:5432/${database}" CASCADE_DATA_DIR="$work/data"
rm -rf "$work" && mkdir -p "$work"
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS ${database}" -c "CREATE DATABASE ${database}"
cascade() { node --import tsx apps/engine/src/cli.ts "$@"; }
step() {
  local label=$1 started=$SECONDS
  shift
  "$@"
  printf '%s\t%s\n' "$label" $((SECONDS - started)) >>"$work/times.tsv"
}
step split node --import tsx apps/engine/bench/servedFunnelHttp.ts split "$data_dir" --seed "$seed" --out "$work"
if [ "$style" = movielens ]; then
  prefix=ml
  step import cascade import movielens "$work/train" "$@"
else
  prefix=$(basename "$(ls "$work"/train/*.inter)" .inter)
  step import cascade import recbole "$work/train" --id-prefix "$prefix" "$@"
fi
step train cascade train --promote
inter=$(basename "$(ls "$work"/split/*.valid.inter)")
step tune cascade tune-fusion --holdout "$work/split/$inter" --id-prefix "$prefix" --id-style "$style" --publish --out "$work/tuned-home.json"
step eval cascade eval --protocol benchmark --split-dir "$work/split" --id-prefix "$prefix" --id-style "$style" --served
cat "$work/times.tsv"
