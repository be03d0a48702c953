#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every operation of the xmesh family through upstream's own YNL CLI
# (tools/net/ynl/cli.py of the kernel tree), against the module: see
# ynl_cli.py. Upstream's tools come from Debian's linux-source-6.12,
# extracted on the host into build/linux-ynl/ by tools/ynl/upstream-ynl
# (suite 30-vm runs it before the boot). Runs in the test VM with xmesh.ko
# loaded.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=selftests/kmod/lib/tap.sh
. "$here/lib/tap.sh"

# The newest complete extraction.
root=""
for d in "$top"/build/linux-ynl/*/; do
	[ -f "$d/.complete" ] && [ -f "$d/Documentation/netlink/specs/xmesh.yaml" ] &&
		root=${d%/}
done
if [ -z "$root" ]; then
	tap_skip "every operation through upstream's YNL CLI" \
		"no upstream YNL in build/linux-ynl/ (run tools/ynl/upstream-ynl on the host; needs linux-source-6.12)"
	tap_done
	exit
fi
if ! cmp -s "$root/Documentation/netlink/specs/xmesh.yaml" \
	"$top/Documentation/netlink/specs/xmesh.yaml"; then
	echo "not ok 1 $root has an old copy of the spec (run tools/ynl/upstream-ynl on the host)"
	exit 1
fi
echo "# upstream YNL from $root"
exec /usr/bin/python3 "$here/ynl_cli.py" "$root"
