#!/usr/bin/env bash
# Builds a self-contained bundle of the widenet CLI for a Linux x64 machine that has no .NET SDK (e.g. a GPU box
# with PyTorch): the published app without its native library, plus the native sources and stb_image.h, plus
# build-native.sh that compiles libwidenet_native.so there against that machine's LibTorch.
#
#   build/package.sh [OUT_DIR]      → OUT_DIR/widenet/ and OUT_DIR/widenet.tar.xz (default OUT_DIR: publish/)
#
# On the target:
#   tar xf widenet.tar.xz && cd widenet
#   ./build-native.sh               # finds LibTorch: $LIBTORCH_DIR, else python3's torch, else Debian's
#   ./widenet bench --device cuda ...
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$(mkdir -p "${1:-$ROOT/publish}" && cd "${1:-$ROOT/publish}" && pwd)"
APP="$OUT/widenet"
STB="${STB_INCLUDE_DIR:-/usr/include/stb}/stb_image.h"
[[ -f "$STB" ]] || { echo "error: $STB not found (apt-get install libstb-dev)" >&2; exit 1; }

rm -rf "$APP"
WIDENET_SKIP_NATIVE=1 dotnet publish "$ROOT/src/Samples/WideNet.Cli/WideNet.Cli.csproj" -c Release -r linux-x64 \
  --self-contained true -p:WIDENET_SKIP_NATIVE=1 -p:DebugType=none -nologo -v:q -o "$APP"
mkdir -p "$APP/native/third_party/stb"
cp -r "$ROOT/native/CMakeLists.txt" "$ROOT/native/src" "$APP/native/"
cp "$STB" "$APP/native/third_party/stb/"
cp "$ROOT/build/build-native.sh" "$APP/build-native.sh"
chmod +x "$APP/build-native.sh" "$APP/widenet"
tar -C "$OUT" -cJf "$OUT/widenet.tar.xz" widenet
echo "bundle: $APP ($(du -sh "$APP" | cut -f1)), archive: $OUT/widenet.tar.xz ($(du -h "$OUT/widenet.tar.xz" | cut -f1))"
