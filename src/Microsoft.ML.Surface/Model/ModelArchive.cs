using System.IO.Compression;
using System.Text.Json.Serialization;

namespace Microsoft.ML.Data.Internal;

/// <summary>
/// The model zip layout: <c>model.json</c> (a manifest), <c>Schema/schema.json</c> (the input schema), then the
/// model's entry in <c>Model/</c>, each nested transformer in its own sub-folder with an <c>entry.json</c>.
/// </summary>
internal static class ModelArchive
{
    private const string ManifestName = "model.json";
    private const string SchemaName = "Schema/schema.json";
    private const string ModelDirectory = "Model/";
    private const string Format = "Microsoft.ML.Surface model";
    private const int Version = 1;

    public static void Save(ITransformer model, DataViewSchema? inputSchema, Stream stream)
    {
        using var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        var root = new ModelSaveContext(archive, string.Empty);
        root.WriteJson(ManifestName, new Manifest(Format, Version));
        if (inputSchema is not null)
        {
            root.WriteSchema(SchemaName, inputSchema);
        }

        ModelSaveContext.Save(archive, ModelDirectory, model);
    }

    public static void Save(ITransformer model, DataViewSchema? inputSchema, string filePath)
    {
        string fullPath = Path.GetFullPath(filePath);
        string directory = Path.GetDirectoryName(fullPath)!;
        string temp = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                Save(model, inputSchema, file);
                file.Flush(flushToDisk: true);
            }

            File.Move(temp, fullPath, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    public static ITransformer Load(Stream stream, MLContext context, out DataViewSchema? inputSchema, string source)
    {
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"The model {source} is not a valid model zip (damaged or truncated): {e.Message}", e);
        }

        using (archive)
        {
            if (archive.GetEntry(ManifestName) is null)
            {
                throw new InvalidDataException($"The model {source} has no '{ManifestName}' entry: it is not a model saved by Model.Save.");
            }

            var root = new ModelLoadContext(archive, string.Empty, context, Format, Version);
            var manifest = root.ReadJson<Manifest>(ManifestName);
            if (manifest.Format != Format)
            {
                throw new InvalidDataException($"Entry '{ManifestName}' of the model {source} names the format '{manifest.Format}', not '{Format}'.");
            }

            if (manifest.Version > Version)
            {
                throw new InvalidDataException($"Entry '{ManifestName}' of the model {source} has format version {manifest.Version}, newer than version {Version} that this code reads.");
            }

            inputSchema = root.ContainsFile(SchemaName) ? root.ReadSchema(SchemaName) : null;
            return ModelLoaderRegistry.LoadEntry(archive, ModelDirectory, context);
        }
    }

    private sealed record Manifest(
        [property: JsonPropertyName("format")] string Format,
        [property: JsonPropertyName("version")] int Version);
}
