# Shared by scripts/setup.sh and scripts/test.sh: root check, Java 25, Debian packages.
set -euo pipefail
WHARF_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

need_root() {
  [ "$(id -u)" = 0 ] || { echo "$(basename "$0"): run as root (Wharf drives namespaces, cgroups, mounts and iptables)" >&2; exit 1; }
}

# Installs the Debian packages that are missing; maintainer scripts may not start services (policy-rc.d 101).
apt_install() {
  local missing=""
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  echo "installing Debian packages:$missing"
  local made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; made_policy=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 install -y -q $missing >/tmp/wharf-apt.log 2>&1 \
    || { apt-get -o DPkg::Lock::Timeout=600 update -q >>/tmp/wharf-apt.log 2>&1 \
         && apt-get -o DPkg::Lock::Timeout=600 install -y -q $missing >>/tmp/wharf-apt.log 2>&1; } \
    || { [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d; echo "apt-get failed; see /tmp/wharf-apt.log" >&2; tail -20 /tmp/wharf-apt.log >&2; exit 1; }
  [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
  return 0
}

# The packages Wharf drives at run time.
RUNTIME_PACKAGES="crun runc conmon containernetworking-plugins iptables iproute2 util-linux procps kmod"
# What building needs.
BUILD_PACKAGES="maven"

find_java25() {
  for d in "${WHARF_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25* /usr/lib/jvm/java-25* /usr/lib/jvm/*25*; do
    [ -n "$d" ] && [ -x "$d/bin/java" ] && "$d/bin/java" -version 2>&1 | grep -qE 'version "2[5-9]' && { echo "$d"; return 0; }
  done
  return 1
}

use_java25() {
  JAVA_HOME=$(find_java25) || {
    echo "no JDK 25 found under /usr/lib/jvm; install Temurin 25 (or set WHARF_JAVA_HOME) and run again" >&2; exit 1; }
  export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
}

mvn_q() {
  (cd "$WHARF_HOME" && mvn -B -q -Dstyle.color=never "$@")
}
