#!/bin/sh
# Installs and starts the PBX lab (a real Asterisk 22 in a Debian unstable chroot, plus sipp) for
# the Asterisk tests (crates/cli/tests/asterisk_lab.rs). Idempotent: a lab already built is reused,
# an Asterisk already running is left running.
#
#   export CALLPOP_PBX_LAB="$(scripts/pbx-lab.sh)"
#
# On success stdout holds exactly one line, the chroot's path, for CALLPOP_PBX_LAB. When the lab
# cannot be built or started (not root, no network, the unstable archive broken that day...) it
# prints the reason LOUDLY on stderr, prints nothing on stdout and still exits 0: the lab tests
# then find CALLPOP_PBX_LAB empty and skip with a loud "SKIPPED: ..." of their own. Set
# CALLPOP_PBX_LAB_STRICT=1 to exit 1 instead.
#
# Where: $CALLPOP_PBX_LAB_DIR (default /var/tmp/callpop-pbx-lab) holds rootfs/ and the logs.
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)/tests/pbx-lab
W=${CALLPOP_PBX_LAB_DIR:-/var/tmp/callpop-pbx-lab}
ROOTFS=$W/rootfs
D=/tmp/ast

fail() {
  {
    echo "################################################################################"
    echo "## PBX LAB UNAVAILABLE: $1"
    echo "## The Asterisk lab tests will be SKIPPED (not passed)."
    echo "################################################################################"
  } >&2
  [ -n "${2:-}" ] && [ -f "$2" ] && tail -n 30 "$2" >&2
  [ "${CALLPOP_PBX_LAB_STRICT:-0}" = 1 ] && exit 1
  exit 0
}

[ "$(id -u)" = 0 ] || fail "needs root (the lab runs Asterisk in a chroot); we are $(id -un)"
mkdir -p "$W" || fail "cannot create $W"

if ! "$HERE/install.sh" "$ROOTFS" >"$W/install.log" 2>&1; then
  fail "building the Asterisk chroot failed (is the Debian unstable archive broken today?), see $W/install.log" "$W/install.log"
fi

ami_up() { python3 - <<'PY' 2>/dev/null
import socket, sys
try:
    s = socket.create_connection(("127.0.0.1", 5038), timeout=2)
    sys.exit(0 if s.makefile("rb").readline().startswith(b"Asterisk Call Manager") else 1)
except OSError:
    sys.exit(1)
PY
}

# An Asterisk running on configs from an older write-configs.sh (its `; lab-config: N` line
# differs) is stopped, so the configs are rewritten and it starts on the current ones.
MARKER=$(grep -m1 '^; lab-config:' "$HERE/write-configs.sh" | sed 's/ (.*//')
if ami_up && [ -n "$MARKER" ] && ! grep -qF "$MARKER" "$ROOTFS$D/etc/extensions.conf" 2>/dev/null; then
  echo "PBX lab: the running Asterisk has older configs; restarting it on the current ones" >&2
  "$HERE/stop-asterisk.sh" "$ROOTFS" "$D" >"$W/stop.log" 2>&1 || fail "stopping the outdated Asterisk failed" "$W/stop.log"
fi

if ! ami_up; then
  "$HERE/write-configs.sh" "$ROOTFS" "$D" >"$W/configs.log" 2>&1 || fail "writing the Asterisk configs failed" "$W/configs.log"
  "$HERE/start-asterisk.sh" "$ROOTFS" "$D" >"$W/start.log" 2>&1 || fail "Asterisk did not start" "$W/start.log"
  ami_up || fail "Asterisk started but AMI on 127.0.0.1:5038 does not answer" "$ROOTFS$D/log/messages.log"
fi
echo "PBX lab up: Asterisk in $ROOTFS, AMI on 127.0.0.1:5038" >&2
echo "$ROOTFS"
