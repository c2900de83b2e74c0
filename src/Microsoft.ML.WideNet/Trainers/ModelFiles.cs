using System.Reflection;

namespace Microsoft.ML.WideNet;

/// <summary>Loading ML.NET model files with errors that name the file.</summary>
public static class ModelFiles
{
    /// <summary><c>mlContext.Model.Load</c>, except that a damaged, truncated or foreign file fails with an
    /// <see cref="InvalidDataException"/> whose message names <paramref name="path"/> and the damaged entry. (ML.NET calls
    /// each entry's loader by reflection, so its own <c>Load</c> reports a loader's error as the InnerException of a
    /// <see cref="TargetInvocationException"/>.)</summary>
    public static ITransformer Load(MLContext context, string path, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"model file '{path}' not found", path);
        try { return context.Model.Load(path, out inputSchema); }
        catch (Exception e) when (e is not FileNotFoundException)
        {
            var inner = e;
            while (inner is TargetInvocationException { InnerException: { } next }) inner = next;
            throw new InvalidDataException($"model file '{path}' cannot be loaded: {inner.Message}", inner);
        }
    }
}
