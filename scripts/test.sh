#!/usr/bin/env bash
# Command 2 of the README: install what the tests need, build, run the unit tests and the end-to-end tests
# that drive the real docker CLI, kubectl and skopeo against a Wharf each test starts itself.
#   scripts/test.sh            unit + end-to-end tests (the default; what CI runs)
#   scripts/test.sh --unit     unit tests only
#   scripts/test.sh --slow     also the slow suites (WHARF_SLOW_TESTS=1)
source "$(dirname "$0")/lib.sh"
need_root
mode=e2e
for a in "$@"; do
  case "$a" in
    --unit) mode=unit ;;
    --slow) export WHARF_SLOW_TESTS=1 ;;
    *) echo "unknown option $a" >&2; exit 2 ;;
  esac
done
# docker.io brings the 20.10 CLI (/usr/bin/docker) that the engine tests drive beside the CLI 28 in /usr/local/bin
apt_install $RUNTIME_PACKAGES $BUILD_PACKAGES skopeo docker-registry etcd-server busybox-static curl docker.io debootstrap openssl
use_java25
# The tests' private ranges never leave by the default route, even while no bridge holds them.
for cidr in 10.231.0.0/16 10.232.0.0/16 10.233.0.0/16; do
  ip route show type unreachable | grep -q "^unreachable $cidr" || ip route add unreachable "$cidr" metric 4000 2>/dev/null || true
done
# The slow suites build on a Debian rootfs made once with debootstrap from the machine's own apt mirror.
if [ "${WHARF_SLOW_TESTS:-}" = 1 ] && [ -z "${WHARF_DEBIAN_ROOTFS_TAR:-}" ]; then
  export WHARF_DEBIAN_ROOTFS_TAR=/var/tmp/wharf-debian-rootfs.tar
  if [ ! -s "$WHARF_DEBIAN_ROOTFS_TAR" ]; then
    mirror=$(grep -rhoE '^(deb|URIs:) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
             | awk '{print $2}' | head -1)
    d=$(mktemp -d /var/tmp/wharf-debootstrap.XXXXXX)
    debootstrap --variant=minbase bookworm "$d" "${mirror:-http://deb.debian.org/debian}" >/tmp/wharf-debootstrap.log 2>&1 \
      && tar -C "$d" -cf "$WHARF_DEBIAN_ROOTFS_TAR.tmp" . && mv "$WHARF_DEBIAN_ROOTFS_TAR.tmp" "$WHARF_DEBIAN_ROOTFS_TAR" \
      || echo "debootstrap failed (see /tmp/wharf-debootstrap.log); the Debian suites will be skipped" >&2
    rm -rf "$d"
  fi
fi
profile=""; [ "$mode" = e2e ] && profile="-Pe2e"
set +e
(cd "$WHARF_HOME" && mvn -B -ntp -fae -Dstyle.color=never $profile install)
rc=$?
set -e
# One closing line over every module's surefire and failsafe reports.
summary() {
  local tests=0 fail=0 skip=0 t f e s
  for x in "$WHARF_HOME"/*/target/surefire-reports/TEST-*.xml "$WHARF_HOME"/*/target/failsafe-reports/TEST-*.xml; do
    [ -f "$x" ] || continue
    read -r t f e s < <(sed -n 's/.*<testsuite[^>]* tests="\([0-9]*\)"[^>]* failures="\([0-9]*\)"[^>]* errors="\([0-9]*\)"[^>]* skipped="\([0-9]*\)".*/\1 \2 \3 \4/p;
      s/.*<testsuite[^>]* tests="\([0-9]*\)"[^>]* errors="\([0-9]*\)"[^>]* skipped="\([0-9]*\)"[^>]* failures="\([0-9]*\)".*/\1 \4 \2 \3/p' "$x" | head -1)
    tests=$((tests + ${t:-0})); fail=$((fail + ${f:-0} + ${e:-0})); skip=$((skip + ${s:-0}))
  done
  echo "wharf: $((tests - fail - skip)) passed, $fail failed, $skip skipped"
}
summary
exit $rc
