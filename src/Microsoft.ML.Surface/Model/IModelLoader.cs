namespace Microsoft.ML;

/// <summary>
/// Reads back the model entries that a transformer wrote with <see cref="ICanSaveModel.Save"/>. Register an
/// implementation with <see cref="ModelLoaderRegistry.Register(IModelLoader)"/> or, so that <c>Model.Load</c> finds it
/// without any registration code, name it in an assembly-level <see cref="ModelLoaderAttribute"/>.
/// </summary>
public interface IModelLoader
{
    /// <summary>The loader name, as passed to <see cref="ModelSaveContext.SetVersionInfo"/>.</summary>
    string LoaderName { get; }

    /// <summary>The newest format version this loader reads; entries of a newer version are refused.</summary>
    int FormatVersion { get; }

    /// <summary>Creates the transformer saved in <paramref name="context"/>.</summary>
    /// <param name="context">The entry to read.</param>
    /// <returns>The transformer.</returns>
    ITransformer Load(ModelLoadContext context);
}
