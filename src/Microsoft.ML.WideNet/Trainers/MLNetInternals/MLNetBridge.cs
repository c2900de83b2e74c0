using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.WideNet;

/// <summary>Every internal member of ML.NET the trainers use, except persistence (<see cref="ModelEntry"/>). Listed in
/// this folder's README; <c>MLNetInternalsTests</c> fails when one of them changes.</summary>
internal static class MLNetBridge
{
    /// <summary>The environment (the MLContext) behind a trainers catalog.</summary>
    public static IHostEnvironment Environment(MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog) =>
        ((IInternalCatalog)catalog).Environment;

    /// <summary>Throws ML.NET's <see cref="OperationCanceledException"/> when the environment was cancelled
    /// (<c>MLContext.CancelExecution</c>, what AutoML calls to end a trial).</summary>
    public static void CheckAlive(IHostEnvironment env) => env.CheckAlive();

    /// <summary>True once the environment was cancelled.</summary>
    public static bool IsCanceled(IHostEnvironment env) => env is ICancelable c && c.IsCanceled;

    /// <summary>Cancels everything running in <paramref name="context"/> (internal in ML.NET; tests and tuners use it).</summary>
    public static void CancelExecution(MLContext context) => context.CancelExecution();

    /// <summary>The GPU the context asks for, and whether falling back to the CPU is allowed.</summary>
    public static (int? gpu, bool fallbackToCpu) Gpu(IHostEnvironment env) =>
        env is IHostEnvironmentInternal e ? (e.GpuDeviceId, e.FallbackToCpu) : (null, true);

    /// <summary><see cref="SchemaShape.Column"/>'s constructor.</summary>
    public static SchemaShape.Column Column(string name, SchemaShape.Column.VectorKind kind, DataViewType itemType, bool isKey,
                                            SchemaShape? annotations = null) =>
        new(name, kind, itemType, isKey, annotations);
}
