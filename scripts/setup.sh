#!/usr/bin/env bash
# Command 1 of the README: install what Wharf drives, build it, prepare the host, start `wharf up`.
source "$(dirname "$0")/lib.sh"
need_root
apt_install $RUNTIME_PACKAGES $BUILD_PACKAGES
use_java25
echo "building Wharf (Java: $JAVA_HOME)"
mvn_q -DskipTests install
"$WHARF_HOME/bin/wharf" train-aot >/dev/null 2>&1 || echo "(AOT cache training failed; Wharf starts without it)"
"$WHARF_HOME/bin/wharf" doctor || echo "(wharf doctor reported problems above; wharf up fixes the host quirks it can)"
"$WHARF_HOME/bin/wharf" up "$@"
