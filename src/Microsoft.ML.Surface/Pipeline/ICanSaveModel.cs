namespace Microsoft.ML;

/// <summary>Something that writes itself into a model file; see <see cref="ModelSaveContext"/>.</summary>
public interface ICanSaveModel
{
    /// <summary>
    /// Writes this object into its own entry of the model file: call <see cref="ModelSaveContext.SetVersionInfo"/>
    /// with the loader name registered in <see cref="ModelLoaderRegistry"/>, then write the entry's files.
    /// </summary>
    /// <param name="ctx">The entry to write.</param>
    void Save(ModelSaveContext ctx);
}
