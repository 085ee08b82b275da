#!/usr/bin/env bash
# Installs the system packages that building and testing Billing Workbench need on a fresh
# Debian machine. Safe to run again: it installs only what is missing.
set -euo pipefail

need=()
command -v cc >/dev/null 2>&1 || need+=(build-essential)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
# OpenSSL for the PostgreSQL register's TLS (native-tls).
pkg-config --exists openssl 2>/dev/null || need+=(libssl-dev)
# The register tests: a local PostgreSQL server (scripts/postgres.sh) and Python's sqlite3
# as an independent reader of the SQLite register.
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v python3 >/dev/null 2>&1 || need+=(python3)
# The Spark hand-off tests (tests/spark.rs): Java 17 for pyspark's local Spark, and pip.
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
python3 -m pip --version >/dev/null 2>&1 || need+=(python3-pip)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO=sudo; else SUDO=; fi
  echo "setup: installing ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

# pyspark from PyPI (3.5 or later: the version the generated job is written for).
if ! python3 -c 'import pyspark, sys; sys.exit(tuple(map(int, pyspark.__version__.split(".")[:2])) < (3, 5))' 2>/dev/null; then
  echo "setup: installing pyspark"
  python3 -m pip install --quiet 'pyspark>=3.5,<5' \
    || python3 -m pip install --quiet --break-system-packages 'pyspark>=3.5,<5'
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo is missing; install Rust 1.95 or newer (rustup) and run this again" >&2
  exit 1
fi
echo "setup: ready ($(cargo --version))"
