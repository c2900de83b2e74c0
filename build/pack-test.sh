#!/usr/bin/env bash
# Tests the NuGet packages the way a user gets them: packs WideNet.Torch and Microsoft.ML.WideNet into a folder feed,
# creates a fresh console app outside the repository, adds Microsoft.ML.WideNet from that feed with
# `dotnet add package`, and builds and runs it (`dotnet run`): its first build compiles libwidenet_native.so from the
# package's native sources against this machine's LibTorch (Debian's libtorch-dev, or LIBTORCH_DIR), and the program
# trains a tiny WideNet on synthetic 8x8 images, evaluates it, saves, loads and predicts with it.
#
#   build/pack-test.sh            exit 0 when everything passed; last line `pack-test: passed in Ns`
#
# Each run packs a version of its own (0.1.0-packtest.TIME.PID), so no run can pick up the packages of another.
# The consumer's restore puts our packages in a private packages folder inside the temporary folder, and reads every
# other package (Microsoft.ML, ...) from the machine's NuGet cache as a fallback folder, downloading only what is not
# there: the machine's cache is left as it was. The temporary folder is deleted at the end (kept with
# WIDENET_PACK_TEST_KEEP=1). The repository is not written to: the packages are built from a copy of the sources.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="/usr/bin:$PATH"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# No MSBuild nodes or compiler server may outlive the script (they would hold a caller's output pipes open), and no
# setting of a parent dotnet (e.g. the test host that runs this script) may steer these builds.
export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0 UseSharedCompilation=false
unset MSBuildExtensionsPath MSBuildSDKsPath MSBUILD_EXE_PATH MSBuildLoadMicrosoftTargetsReadOnly VSTEST_HOST_DEBUG || true

die() { echo "pack-test: error: $*" >&2; exit 1; }
start=$SECONDS
step() { echo "pack-test: [$((SECONDS - start))s] $*"; }

SUFFIX="packtest.$(date +%s).$$"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/widenet-pack-test.XXXXXX")"
cleanup() {
  if [[ "${WIDENET_PACK_TEST_KEEP:-0}" == "1" ]]; then echo "pack-test: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
SRC="$WORK/repo" FEED="$WORK/feed" APP="$WORK/app"
mkdir -p "$SRC" "$FEED" "$APP"

# ---- pack, from a copy of what the packages are built from ----
tar -C "$ROOT" --exclude=bin --exclude=obj --exclude=third_party -cf - \
  Directory.Build.props native/CMakeLists.txt native/src src/WideNet.Torch src/Microsoft.ML.WideNet build/publicize \
  | tar -C "$SRC" -xf -
VERSION="$(dotnet msbuild "$SRC/src/WideNet.Torch/WideNet.Torch.csproj" -nologo -getProperty:PackageVersion -p:VersionSuffix="$SUFFIX")"
[[ "$VERSION" == *"-$SUFFIX" ]] || die "unexpected package version '$VERSION'"
step "packing $VERSION into $FEED"
for project in src/WideNet.Torch/WideNet.Torch.csproj src/Microsoft.ML.WideNet/Microsoft.ML.WideNet.csproj; do
  # WIDENET_SKIP_NATIVE: the packages hold no native binary, so packing needs none.
  # NU1603 (the feed's SkiaSharp is 2.88.9, ImageAnalytics asks for 2.88.8) is expected: not repeated here.
  dotnet pack "$SRC/$project" -c Release -o "$FEED" --version-suffix "$SUFFIX" -p:WIDENET_SKIP_NATIVE=1 -nologo -v:q \
    2>&1 | { grep -v "warning NU1603" || true; } || die "dotnet pack $project failed"
done

# What the packages hold: the sources and build logic of the native library, never a binary; the library's
# dependencies are WideNet.Torch and ML.NET (with its tokenizers), not the build-time publicize tool.
python3 - "$FEED" "$VERSION" <<'PY' || die "package contents are wrong"
import re, sys, zipfile
feed, version = sys.argv[1], sys.argv[2]
def nupkg(name): return zipfile.ZipFile(f"{feed}/{name}.{version}.nupkg")
torch, widenet = nupkg("WideNet.Torch"), nupkg("Microsoft.ML.WideNet")
files = set(torch.namelist())
for need in ["lib/net10.0/WideNet.Torch.dll", "buildTransitive/WideNet.Torch.targets", "buildTransitive/WideNet.Torch.props",
             "native/CMakeLists.txt", "native/src/common.h", "native/src/tensor.cpp"]:
    assert need in files, f"WideNet.Torch lacks {need}"
for z in (torch, widenet):
    binaries = [n for n in z.namelist() if n.endswith((".so", ".a", ".o"))]
    assert not binaries, f"native binaries in the package: {binaries}"
nuspec = widenet.read("Microsoft.ML.WideNet.nuspec").decode()
deps = dict(re.findall(r'<dependency id="([^"]+)" version="([^"]+)"', nuspec))
expected = {"WideNet.Torch": version, "Microsoft.ML": "5.0.1", "Microsoft.ML.ImageAnalytics": "5.0.1", "Microsoft.ML.Tokenizers": "2.0.1", "protobuf-net": "3.4.40"}
assert deps == expected, f"Microsoft.ML.WideNet depends on {deps}, expected {expected}"
assert "lib/net10.0/Microsoft.ML.WideNet.dll" in widenet.namelist()
print("pack-test: packages hold " + ", ".join(sorted(n for n in files if not n.startswith(("_rels", "package/", "[")))))
print(f"pack-test: Microsoft.ML.WideNet depends on {deps}")
PY

# ---- a consumer app outside the repository ----
MACHINE_CACHE="$(cd "$WORK" && dotnet nuget locals global-packages --list | sed 's/^global-packages: *//')"
[[ -d "$MACHINE_CACHE" ]] || die "the machine's NuGet cache '$MACHINE_CACHE' is not a folder"
export NUGET_PACKAGES="$WORK/packages"
cd "$APP"
dotnet new console -n WideNetConsumer -o . --no-restore --no-update-check >/dev/null || die "dotnet new console failed"
# The feed is added to the machine's configured sources (inherited from the user's NuGet.Config), not instead of them.
cat > nuget.config <<EOF
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="widenet-pack-test" value="$FEED" />
  </packageSources>
  <fallbackPackageFolders>
    <add key="machine-cache" value="$MACHINE_CACHE" />
  </fallbackPackageFolders>
</configuration>
EOF
echo "pack-test: package sources of the app: $(dotnet nuget list source --format short | tr '\n' ' ')"

step "dotnet add package Microsoft.ML.WideNet --version $VERSION"
dotnet add package Microsoft.ML.WideNet --version "$VERSION" >"$WORK/add.log" 2>&1 || { cat "$WORK/add.log"; die "dotnet add package failed"; }

cat > Program.cs <<'CS'
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.WideNet;

// Synthetic 8x8 grey images of three classes told apart by brightness, noisy pixels.
var ml = new MLContext(seed: 0);
ml.Log += (_, e) => { if (e.Kind != ChannelMessageKind.Trace && e.Source.StartsWith("WideNet", StringComparison.Ordinal)) Console.WriteLine($"  {e.RawMessage}"); };
var random = new Random(0);
string[] classes = ["dark", "grey", "bright"];
float[] levels = [50, 128, 205];
List<ImageRow> Images(int count) => Enumerable.Range(0, count).Select(i => new ImageRow
{
    Pixels = Enumerable.Range(0, 64).Select(_ => Math.Clamp(levels[i % 3] + (float)(random.NextDouble() * 80 - 40), 0f, 255f)).ToArray(),
    Label = classes[i % 3],
}).ToList();
var trainRows = Images(210);
var testRows = Images(60);
IDataView train = ml.Data.LoadFromEnumerable(trainRows);
IDataView test = ml.Data.LoadFromEnumerable(testRows);

var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
    .Append(ml.MulticlassClassification.Trainers.WideNet(new WideNetImageClassificationTrainer.Options
    {
        ImageColumnName = "Pixels", ImageWidth = 8, ImageHeight = 8, Channels = 1,
        MaxEpochs = 3, BatchSize = 16, LearningRate = 3e-3, ValidationFraction = 0, RandomCrop = false, HorizontalFlip = false,
        Seed = 0, LogEverySteps = 10,
    }))
    .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedClass", "PredictedLabel"));
using var model = pipeline.Fit(train);
var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));

var path = Path.GetFullPath("model.zip");
ml.Model.Save(model, train.Schema, path);
var loaded = ml.Model.Load(path, out _);
var reloaded = ml.MulticlassClassification.Evaluate(loaded.Transform(test));
var engine = ml.Model.CreatePredictionEngine<ImageRow, ImagePrediction>(loaded);
var example = testRows.First(r => r.Label == "bright");
var prediction = engine.Predict(example);

Console.WriteLine(FormattableString.Invariant($"LibTorch {WideNet.Torch.torch.version}, model saved to {path} ({new FileInfo(path).Length / 1024} KiB)"));
Console.WriteLine(FormattableString.Invariant($"accuracy: {metrics.MicroAccuracy:F4} (reloaded model: {reloaded.MicroAccuracy:F4}) on {testRows.Count} test images"));
Console.WriteLine(FormattableString.Invariant($"prediction: {prediction.PredictedClass} ({prediction.Score.Max():P1}) for a {example.Label} image"));
var onnx = Path.GetFullPath("model.onnx");
((IEnumerable<ITransformer>)model).OfType<WideNetImageClassificationTransformer>().Single().ExportToOnnx(onnx);
Console.WriteLine(FormattableString.Invariant($"exported {onnx} ({new FileInfo(onnx).Length / 1024} KiB)"));
(loaded as IDisposable)?.Dispose();
if (metrics.MicroAccuracy < 0.6) { Console.Error.WriteLine("accuracy below 0.6"); return 1; }
if (reloaded.MicroAccuracy != metrics.MicroAccuracy) { Console.Error.WriteLine("the reloaded model scores differently"); return 1; }
if (new FileInfo(onnx).Length < 10_000) { Console.Error.WriteLine("the ONNX file is too small to hold the weights"); return 1; }
return 0;

class ImageRow
{
    [VectorType(64)] public float[] Pixels = [];
    public string Label = "";
}

class ImagePrediction
{
    public string PredictedClass = "";
    public float[] Score = [];
}
CS

step "dotnet build (compiles libwidenet_native.so from the package's sources)"
dotnet build -c Release -nologo -v:m -clp:NoSummary >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; die "dotnet build of the consumer failed"; }
grep -E "WideNet.Torch .*building|widenet_native: (LibTorch|CPU|CUDA)" "$WORK/build.log" | sed 's/^ */pack-test:   /' || true
NATIVE_DIR="$APP/obj/widenet-native/$VERSION"
[[ -f "$NATIVE_DIR/libwidenet_native.so" ]] || die "no $NATIVE_DIR/libwidenet_native.so after the build"
[[ -f "$APP/bin/Release/net10.0/libwidenet_native.so" ]] || die "libwidenet_native.so was not copied to the app's output"
[[ ! -e "$NUGET_PACKAGES/widenet.torch/$VERSION/native/build" ]] || die "the build wrote into the package folder"

step "dotnet run (builds again: the native library is up to date)"
before="$(stat -c %Y.%s "$NATIVE_DIR/libwidenet_native.so")"
dotnet run -c Release >"$WORK/run.log" 2>&1 || { cat "$WORK/run.log"; die "the consumer app failed"; }
grep -v "warning NU1603" "$WORK/run.log" || true
[[ "$(stat -c %Y.%s "$NATIVE_DIR/libwidenet_native.so")" == "$before" ]] || die "the second build rebuilt the native library"
grep -Eq '^accuracy: [0-9.]+ ' "$WORK/run.log" || die "the app printed no accuracy line"
grep -Eq '^prediction: ' "$WORK/run.log" || die "the app printed no prediction"
step "passed"
echo "pack-test: passed in $((SECONDS - start))s"
