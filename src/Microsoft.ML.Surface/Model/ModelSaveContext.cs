using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Microsoft.ML.Data.Internal;

namespace Microsoft.ML;

/// <summary>
/// One entry (a folder) of a model zip being written. A transformer's <see cref="ICanSaveModel.Save"/> names the
/// loader that reads it back (<see cref="SetVersionInfo"/>), then writes any files it needs: JSON configuration,
/// binary weights (for example safetensors), nested entries. Only one file stream may be open at a time.
/// </summary>
public sealed class ModelSaveContext
{
    internal const string EntryFileName = "entry.json";
    private readonly ZipArchive _archive;
    private string? _loaderName;
    private int _formatVersion;

    internal ModelSaveContext(ZipArchive archive, string directory)
    {
        _archive = archive;
        Directory = directory;
    }

    /// <summary>The entry's folder inside the zip, ending with <c>/</c>.</summary>
    public string Directory { get; }

    /// <summary>Names the registered loader that reads this entry back and the entry's format version.</summary>
    /// <param name="loaderName">A name registered with <see cref="ModelLoaderRegistry"/>.</param>
    /// <param name="formatVersion">The version of the entry's layout; loaders refuse newer versions than they know.</param>
    public void SetVersionInfo(string loaderName, int formatVersion)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(loaderName);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(formatVersion);
        _loaderName = loaderName;
        _formatVersion = formatVersion;
    }

    /// <summary>Creates a file of the entry; dispose the stream before creating another.</summary>
    /// <param name="name">A file name relative to the entry, such as <c>weights.safetensors</c>.</param>
    /// <returns>A writable stream.</returns>
    public Stream CreateFile(string name) => _archive.CreateEntry(Directory + CheckName(name), CompressionLevel.Optimal).Open();

    /// <summary>Writes a binary file of the entry.</summary>
    /// <param name="name">A file name relative to the entry.</param>
    /// <param name="bytes">The content.</param>
    public void WriteBytes(string name, ReadOnlySpan<byte> bytes)
    {
        using var stream = CreateFile(name);
        stream.Write(bytes);
    }

    /// <summary>Writes a UTF-8 text file of the entry.</summary>
    /// <param name="name">A file name relative to the entry.</param>
    /// <param name="text">The content.</param>
    public void WriteText(string name, string text) => WriteBytes(name, Encoding.UTF8.GetBytes(text));

    /// <summary>Writes <paramref name="value"/> as an indented JSON file of the entry (System.Text.Json).</summary>
    /// <typeparam name="T">The serialized type.</typeparam>
    /// <param name="name">A file name relative to the entry, such as <c>config.json</c>.</param>
    /// <param name="value">The value.</param>
    public void WriteJson<T>(string name, T value) =>
        WriteBytes(name, JsonSerializer.SerializeToUtf8Bytes(value, JsonOptions.Indented));

    /// <summary>Writes a schema (names, types, key values and slot names) as a JSON file of the entry.</summary>
    /// <param name="name">A file name relative to the entry.</param>
    /// <param name="schema">The schema.</param>
    public void WriteSchema(string name, DataViewSchema schema) => WriteText(name, SchemaSerializer.Serialize(schema));

    /// <summary>Saves <paramref name="model"/> as a nested entry, in the sub-folder <paramref name="name"/>.</summary>
    /// <param name="model">The object to save.</param>
    /// <param name="name">The sub-folder name.</param>
    public void SaveModel(ICanSaveModel model, string name)
    {
        ArgumentNullException.ThrowIfNull(model);
        Save(_archive, Directory + CheckName(name) + "/", model);
    }

    internal static void Save(ZipArchive archive, string directory, ICanSaveModel model)
    {
        var ctx = new ModelSaveContext(archive, directory);
        model.Save(ctx);
        if (ctx._loaderName is null)
        {
            throw new InvalidOperationException($"{model.GetType().FullName}.Save did not call SetVersionInfo for model entry '{directory}'.");
        }

        var info = new ModelEntryInfo(ctx._loaderName, ctx._formatVersion, model.GetType().Assembly.GetName().Name, model.GetType().FullName);
        ctx.WriteJson(EntryFileName, info);
    }

    private static string CheckName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.Contains('\\') || name.Split('/').Any(p => p is "" or "." or ".."))
        {
            throw new ArgumentException($"'{name}' is not a valid model file name.", nameof(name));
        }

        return name;
    }
}
