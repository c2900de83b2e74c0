#!/usr/bin/env bash
# WideNet.MLNet developer entry point.
#   build/run.sh setup            install what is missing (apt-get), idempotent
#   build/run.sh build            setup + build everything (Release)
#   build/run.sh test [ARGS]      setup + build + run every test; ARGS go to `dotnet test`
#   build/run.sh demo [--text]    setup + build + train and evaluate a real model on real data, save it
#   build/run.sh widenet ARGS     setup + build + run the widenet CLI
#   build/run.sh package [DIR]    self-contained linux-x64 bundle + native sources (deploy to a machine without .NET)
#   build/run.sh pack [DIR]       NuGet packages Microsoft.ML.WideNet and WideNet.Torch into DIR (artifacts/packages)
#   build/run.sh pack-test        pack, then a fresh app outside the repo adds, builds and runs them (build/pack-test.sh)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONFIG="${CONFIG:-Release}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Debian packages the build, the tests and the demo need.
PACKAGES=(cmake g++ libtorch-dev libgloo-dev libopenblas0-pthread libstb-dev dataset-fashion-mnist fortunes python3-torch python3-numpy python3-pil)
# Only the tests need these: a headless browser renders the training report.
TEST_PACKAGES=(chromium)

# The numerical oracle runs on Debian's python3-torch: make `python3` mean the system interpreter even where a
# version manager (pyenv, conda) put another one first on PATH.
export PATH="/usr/bin:$PATH"

die() { echo "error: $*" >&2; exit 1; }

setup() {
  command -v dotnet >/dev/null || die "the .NET SDK (10.0) is required: https://learn.microsoft.com/dotnet/core/install/linux-debian"
  local missing=()
  for p in "${PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    command -v apt-get >/dev/null || die "missing packages (${missing[*]}) and no apt-get: install them by hand"
    local sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    echo "setup: installing ${missing[*]}" >&2
    $sudo apt-get update -qq || die "apt-get update failed: check network access to the Debian archive"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
      || die "apt-get install ${missing[*]} failed"
  fi
}

build() {
  setup
  dotnet build "$ROOT/WideNet.MLNet.sln" -c "$CONFIG" -nologo -v:q "$@" || die "build failed"
}

run_tests() {
  setup "${TEST_PACKAGES[@]}"
  build
  local results="$ROOT/artifacts/test-results"
  rm -rf "$results"
  local rc=0
  dotnet test "$ROOT/WideNet.MLNet.sln" -c "$CONFIG" --no-build --nologo \
    --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" "$@" || rc=$?
  python3 "$ROOT/build/test_summary.py" "$results" || true
  return $rc
}

pack() {
  setup
  local out="${1:-$ROOT/artifacts/packages}"
  for project in src/WideNet.Torch/WideNet.Torch.csproj src/Microsoft.ML.WideNet/Microsoft.ML.WideNet.csproj; do
    dotnet pack "$ROOT/$project" -c Release -o "$out" -nologo -v:q "${@:2}" || die "dotnet pack $project failed"
  done
  echo "packages: $out"
}

cli() {
  build >&2
  dotnet "$ROOT/src/Samples/WideNet.Cli/bin/$CONFIG/net10.0/widenet.dll" "$@"
}

cmd="${1:-}"
shift || true
case "$cmd" in
  setup) setup ;;
  build) build "$@" ;;
  test) run_tests "$@" ;;
  demo) cli demo "$@" ;;
  widenet) cli "$@" ;;
  package) setup; "$ROOT/build/package.sh" "$@" ;;
  pack) pack "$@" ;;
  pack-test) setup; "$ROOT/build/pack-test.sh" ;;
  *) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
