#!/usr/bin/env bash
# Builds libwidenet_native.so next to this script against the LibTorch of this machine: $LIBTORCH_DIR if set,
# else the torch package of python3 (CUDA builds included), else Debian's libtorch-dev. Needs cmake and g++
# (and the CUDA toolkit headers for a CUDA LibTorch).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRC="${NATIVE_SRC:-$HERE/native}"
BUILD="${NATIVE_BUILD:-$HERE/native-build}"
PREFIX="${LIBTORCH_DIR:-}"
if [[ -z "$PREFIX" ]]; then
  for py in python3 /usr/bin/python3; do
    PREFIX="$("$py" -c 'import torch;print(torch.utils.cmake_prefix_path)' 2>/dev/null || true)"
    [[ -n "$PREFIX" && -d "$PREFIX" ]] && break   # Debian's python3-torch has no cmake files: use the system's
    PREFIX=""
  done
fi
args=(-S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release)
[[ -n "$PREFIX" ]] && args+=("-DCMAKE_PREFIX_PATH=$PREFIX")
cmake "${args[@]}"
cmake --build "$BUILD" -j "$(nproc)"
cp "$BUILD/libwidenet_native.so" "$HERE/libwidenet_native.so"
TORCH_DIR="$(sed -n 's/^Torch_DIR:PATH=//p' "$BUILD/CMakeCache.txt")"
echo "built $HERE/libwidenet_native.so against the LibTorch of $TORCH_DIR"
