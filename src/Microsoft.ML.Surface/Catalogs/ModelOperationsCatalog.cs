using Microsoft.ML.Data.Internal;

namespace Microsoft.ML;

/// <summary>Saving and loading models, and creating prediction engines.</summary>
public sealed class ModelOperationsCatalog
{
    internal ModelOperationsCatalog(MLContext context)
    {
        Context = context;
    }

    internal MLContext Context { get; }

    /// <summary>
    /// Saves <paramref name="model"/> and <paramref name="inputSchema"/> as one zip file. The file is written next to
    /// <paramref name="filePath"/> under a temporary name and renamed over it at the end, so a failure never leaves a
    /// half-written model.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="inputSchema">The schema of the data the model expects, or <see langword="null"/>.</param>
    /// <param name="filePath">The file to write.</param>
    public void Save(ITransformer model, DataViewSchema? inputSchema, string filePath)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        ModelArchive.Save(model, inputSchema, filePath);
    }

    /// <summary>Saves <paramref name="model"/> and <paramref name="inputSchema"/> as a zip into <paramref name="stream"/>.</summary>
    /// <param name="model">The model.</param>
    /// <param name="inputSchema">The schema of the data the model expects, or <see langword="null"/>.</param>
    /// <param name="stream">A writable stream; left open.</param>
    public void Save(ITransformer model, DataViewSchema? inputSchema, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        ModelArchive.Save(model, inputSchema, stream);
    }

    /// <summary>
    /// Loads a model saved with <see cref="Save(ITransformer, DataViewSchema, string)"/>. A damaged file, an unknown
    /// transformer or a newer format raises an <see cref="InvalidDataException"/> naming the entry.
    /// </summary>
    /// <param name="filePath">The model file.</param>
    /// <param name="inputSchema">Receives the saved input schema (null when none was saved).</param>
    /// <returns>The model.</returns>
    public ITransformer Load(string filePath, out DataViewSchema inputSchema)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        using var stream = new FileStream(filePath, FileMode.Open, FileAccess.Read, FileShare.Read);
        var model = ModelArchive.Load(stream, Context, out var schema, $"file '{filePath}'");
        inputSchema = schema!;
        return model;
    }

    /// <summary>Loads a model saved with <see cref="Save(ITransformer, DataViewSchema, Stream)"/>.</summary>
    /// <param name="stream">A readable stream; left open.</param>
    /// <param name="inputSchema">Receives the saved input schema (null when none was saved).</param>
    /// <returns>The model.</returns>
    public ITransformer Load(Stream stream, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var model = ModelArchive.Load(stream, Context, out var schema, "stream");
        inputSchema = schema!;
        return model;
    }

    /// <summary>Creates an engine that applies <paramref name="transformer"/> to single objects.</summary>
    /// <typeparam name="TSrc">The input class.</typeparam>
    /// <typeparam name="TDst">The output class.</typeparam>
    /// <param name="transformer">The model.</param>
    /// <param name="ignoreMissingColumns">Whether output members without a matching column are left alone.</param>
    /// <returns>The engine.</returns>
    public PredictionEngine<TSrc, TDst> CreatePredictionEngine<TSrc, TDst>(ITransformer transformer, bool ignoreMissingColumns = true)
        where TSrc : class
        where TDst : class, new() =>
        new(transformer ?? throw new ArgumentNullException(nameof(transformer)), null, ignoreMissingColumns);

    /// <summary>Creates an engine that applies <paramref name="transformer"/> to single objects laid out as <paramref name="inputSchema"/>.</summary>
    /// <typeparam name="TSrc">The input class.</typeparam>
    /// <typeparam name="TDst">The output class.</typeparam>
    /// <param name="transformer">The model.</param>
    /// <param name="inputSchema">The input schema (for example the one <see cref="Load(string, out DataViewSchema)"/> returned).</param>
    /// <returns>The engine.</returns>
    public PredictionEngine<TSrc, TDst> CreatePredictionEngine<TSrc, TDst>(ITransformer transformer, DataViewSchema inputSchema)
        where TSrc : class
        where TDst : class, new() =>
        new(transformer ?? throw new ArgumentNullException(nameof(transformer)), inputSchema, ignoreMissingColumns: true);
}
