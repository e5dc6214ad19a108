#!/usr/bin/env bash
# install-deps.sh: install what OmenDB needs to build, test and benchmark on Debian 12, if missing.
set -euo pipefail

PACKAGES=(
	g++ make pkg-config python3
	postgresql-15 postgresql-server-dev-15 postgresql-contrib
	libsimde-dev libgtest-dev libbenchmark-dev
	libhnswlib-dev python3-hnswlib python3-numpy python3-psycopg
	libipc-run-perl gnuplot-nox
)

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node and npm for the node-postgres + pgvector-node client test; a Node.js that is already
# installed (e.g. from NodeSource, which bundles npm) is used as it is.
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
