#!/bin/sh
# Run each libFuzzer target for SECONDS, one after the other, starting from
# its committed seeds (tests/fuzz/corpus/<target>/, read only: what a run
# finds goes to build-fuzz/corpus/<target>/).  A single allocation over
# 256 MB, a resident set over 1 GB (ASan's quarantine kept small so the
# baseline stays far below) and one input running over 10 s are failures
# too: a hostile core must not make leakdump allocate without limit or
# walk for minutes.
# Extra flags for one target: tests/fuzz/fuzz_<target>.options.
#   scripts/fuzz.sh SECONDS build-fuzz/fuzz_pcln ...
set -u
secs=$1
shift
status=0
summary=""
for bin in "$@"; do
	name=$(basename "$bin")
	t=${name#fuzz_}
	seeds=tests/fuzz/corpus/$t
	work=build-fuzz/corpus/$t
	arts=build-fuzz/artifacts/$t
	mkdir -p "$work" "$arts" "$seeds"
	opts=""
	[ -f "tests/fuzz/$name.options" ] && opts=$(cat "tests/fuzz/$name.options")
	log=build-fuzz/$name.log
	echo "== $name: ${secs}s from $(ls "$seeds" | wc -l) seeds"
	# shellcheck disable=SC2086
	ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=32} \
	"$bin" -max_total_time="$secs" -rss_limit_mb=1024 \
		-malloc_limit_mb=256 -timeout=10 \
		-print_final_stats=1 -artifact_prefix="$arts/" $opts \
		"$work" "$seeds" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	line="$name: ${secs}s, ${execs:-?} executions"
	if [ $rc -ne 0 ]; then
		status=1
		line="$line, FAILED (rc $rc, see $log and $arts/)"
		grep -E "^(==[0-9]+==ERROR|SUMMARY|.*runtime error)" "$log" | head -5
	fi
	echo "$line"
	summary="$summary$line
"
done
printf '== fuzz summary\n%s' "$summary"
exit $status
