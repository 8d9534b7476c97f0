#!/usr/bin/env bash
# Installs what Foundry needs from Debian 12's packages. Safe to run twice: it only installs
# what is missing, and does nothing (not even apt-get update) when everything is there.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost-dev                      # Asio (executor event loop), DLL (plugin loading)
  libsqlite3-dev sqlite3            # the store; sqlite3 CLI to inspect it
  nlohmann-json3-dev                # JSON for protocols, workcells, plans, driver messages
  libzmq3-dev cppzmq-dev libsodium-dev  # ZeroMQ service and driver hosts; CURVE via libsodium
  libgtest-dev libgmock-dev         # tests
  libbenchmark-dev                  # benchmarks
  libcli11-dev                      # command line parsing
  libspdlog-dev libfmt-dev          # logging and formatting
  python3 python3-jsonschema python3-zmq python3-numpy  # schema checks, Python examples
  zlib1g-dev                        # tests: reading the report's screenshot (PNG)
  chromium                          # tests: the HTML report renders in headless Chromium
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "setup: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
