#!/usr/bin/env sh
# Installs the real components the tests use (see ../shared/DESIGN.md), from Debian's packages.
# Runs as `npm test`'s pretest step. As root it installs what is missing; otherwise it says what
# is missing and which tests will skip (CI=true makes those tests fail instead).
set -eu

# command-or-file:debian-package
NEEDS="promtool:prometheus prometheus:prometheus prometheus-pushgateway:prometheus-pushgateway /usr/lib/python3/dist-packages/prometheus_client/__init__.py:python3-prometheus-client openssl:openssl tmux:tmux podman:podman runc:runc busybox:busybox-static nats-server:nats-server victoria-metrics:victoria-metrics chromium:chromium firefox-esr:firefox-esr"

missing=""
for pair in $NEEDS; do
  what=${pair%%:*}
  pkg=${pair##*:}
  case "$what" in
    /*) [ -e "$what" ] && continue ;;
    *) command -v "$what" >/dev/null 2>&1 && continue ;;
  esac
  case " $missing " in *" $pkg "*) ;; *) missing="$missing $pkg" ;; esac
done

image() {
  # the Docker tests' busybox image, built locally (needs podman and busybox)
  if command -v podman >/dev/null 2>&1 && command -v busybox >/dev/null 2>&1; then
    sh "$(dirname "$0")/podman-image.sh" || echo "install-test-deps: could not build the busybox image; the Docker tests will say why"
  fi
}

if [ -z "$missing" ]; then
  echo "install-test-deps: all test components present"
  image
  exit 0
fi

if [ "$(id -u)" != "0" ]; then
  echo "install-test-deps: missing Debian packages:$missing"
  echo "install-test-deps: not root, so not installing them; tests that need them will skip (or fail with CI=true)."
  echo "install-test-deps: as root: apt-get update && apt-get install -y$missing"
  exit 0
fi

echo "install-test-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "install-test-deps: done"
image
