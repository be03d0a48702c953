# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# A tiny TAP producer for the shell selftests (sourced, bash).
#   tap_check DESC CMD...    ok when CMD exits 0
#   tap_status WANT DESC CMD...  ok when CMD exits WANT (its stderr must be
#                            non-empty when WANT != 0: a failure says why)
#   tap_skip DESC REASON
#   tap_done                 prints the plan; returns 1 if any test failed
# Output of failing commands is shown as "# " diagnostics.

tap_n=0
tap_failed=0

tap_result() {
	local ok=$1 desc=$2
	tap_n=$((tap_n + 1))
	if [ "$ok" = 1 ]; then
		echo "ok $tap_n $desc"
	else
		echo "not ok $tap_n $desc"
		tap_failed=$((tap_failed + 1))
	fi
}

tap_diag() {
	sed 's/^/# /' | head -n 40
}

tap_check() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		tap_result 1 "$desc"
	else
		tap_result 0 "$desc"
		printf '%s\n' "# command: $*" "$out" | tap_diag
	fi
}

tap_status() {
	local want=$1 desc=$2 err rc
	shift 2
	err=$("$@" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" = "$want" ] && { [ "$want" = 0 ] || [ -n "$err" ]; }; then
		tap_result 1 "$desc"
		[ -z "$err" ] || printf '%s\n' "$err" | tap_diag
	else
		tap_result 0 "$desc"
		printf '%s\n' "# command: $*" "# exit status $rc, want $want" "$err" | tap_diag
	fi
}

tap_skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n $1 # SKIP $2"
}

tap_done() {
	echo "1..$tap_n"
	[ "$tap_failed" = 0 ]
}
