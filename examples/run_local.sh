#!/usr/bin/env bash
# Resumable local run of an andersonwl experiment: safe to interrupt, re-run or loop.
#
#   examples/run_local.sh EXPERIMENT.toml OUTPUT.nc
#
# It runs `andersonwl run EXPERIMENT -o OUTPUT --resume`.  Finished chunks of realisations
# are checkpointed in OUTPUT.parts/ and a complete OUTPUT is only loaded, so after an
# interruption (Ctrl-C, a reboot, a killed job) the same command computes only what is
# missing, and running it in a loop is safe (the loop below retries run failures, exit 1,
# and stops on success, an invalid experiment or a refused checkpoint, exit 2, or Ctrl-C):
#
#   until examples/run_local.sh examples/thesis_beta_su2.toml results/su2.nc || [ $? -ne 1 ]; do sleep 60; done
#
# Two copies cannot work on the same output: the second stops on the checkpoint's lock.
# A run that crashes (killed, out of memory) is retried RETRIES times; an invalid
# experiment, a locked checkpoint or one that holds a different experiment (exit status 2)
# stops the script at once, and so does Ctrl-C.  The result is the same for any number of
# workers and any number of interruptions.
#
# Environment:
#   PYTHON    the interpreter that has andersonwl (default: python3), e.g. .venv/bin/python
#   WORKERS   worker processes (default: [run] workers of the experiment, else one per core)
#   RETRIES   attempts after crashes (default: 3)
#   DRY_RUN=1 print the command, run nothing
#
# Expected run time: that of the experiment (see the header of each examples/*.toml), plus
# a few seconds to start the worker processes and 10 s before each retry.

set -euo pipefail

if [ $# -ne 2 ]; then
    sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
EXPERIMENT=$1
OUTPUT=$2
PYTHON=${PYTHON:-python3}
RETRIES=${RETRIES:-3}
DRY_RUN=${DRY_RUN:-0}

[ -f "$EXPERIMENT" ] || { echo "run_local.sh: no experiment file $EXPERIMENT" >&2; exit 2; }
[[ $RETRIES =~ ^[1-9][0-9]*$ ]] || { echo "run_local.sh: RETRIES must be a positive integer" >&2; exit 2; }
mkdir -p "$(dirname "$OUTPUT")"

cmd=("$PYTHON" -m andersonwl run "$EXPERIMENT" -o "$OUTPUT" --resume)
if [ -n "${WORKERS:-}" ]; then cmd+=(--workers "$WORKERS"); fi
if [ "$DRY_RUN" = 1 ]; then
    printf '%q ' "${cmd[@]}"; echo
    exit 0
fi

attempt=1
while true; do
    echo "== $(date '+%F %T') $OUTPUT (attempt $attempt)"
    status=0
    "${cmd[@]}" || status=$?
    case $status in
        0) exit 0 ;;
        2) echo "run_local.sh: $OUTPUT: not retried (invalid experiment, or the checkpoint is" \
                "locked by another run or holds another experiment)" >&2
           exit 2 ;;
        130) echo "run_local.sh: interrupted; run the same command again to resume" >&2
             exit 130 ;;
    esac
    if [ "$attempt" -ge "$RETRIES" ]; then
        echo "run_local.sh: $OUTPUT failed $attempt times (last status $status);" \
             "run the same command again to resume" >&2
        exit "$status"
    fi
    attempt=$((attempt + 1))
    sleep 10
done
