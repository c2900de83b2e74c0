using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Microsoft.ML.Data.Internal;

namespace Microsoft.ML;

/// <summary>
/// One entry (a folder) of a model zip being read, handed to the registered loader of the entry. Reading errors
/// (damaged or truncated data, missing files) raise an <see cref="InvalidDataException"/> naming the file.
/// </summary>
public sealed class ModelLoadContext
{
    private readonly ZipArchive _archive;

    internal ModelLoadContext(ZipArchive archive, string directory, MLContext context, string loaderName, int formatVersion)
    {
        _archive = archive;
        Directory = directory;
        Context = context;
        LoaderName = loaderName;
        FormatVersion = formatVersion;
    }

    /// <summary>The entry's folder inside the zip, ending with <c>/</c>.</summary>
    public string Directory { get; }

    /// <summary>The context the model is being loaded into.</summary>
    public MLContext Context { get; }

    /// <summary>The loader name the entry was saved with.</summary>
    public string LoaderName { get; }

    /// <summary>The format version the entry was saved with.</summary>
    public int FormatVersion { get; }

    /// <summary>Whether the entry has a file named <paramref name="name"/>.</summary>
    /// <param name="name">A file name relative to the entry.</param>
    /// <returns><see langword="true"/> when present.</returns>
    public bool ContainsFile(string name) => _archive.GetEntry(Directory + name) is not null;

    /// <summary>Opens a file of the entry for reading.</summary>
    /// <param name="name">A file name relative to the entry.</param>
    /// <returns>A read-only stream; read errors name the file.</returns>
    public Stream OpenFile(string name)
    {
        string fullName = Directory + name;
        var entry = _archive.GetEntry(fullName)
            ?? throw new InvalidDataException($"Model entry '{Directory}' ({LoaderName}) is missing its file '{name}'.");
        try
        {
            return new EntryReadStream(entry.Open(), fullName);
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            throw new InvalidDataException($"Model file '{fullName}' is damaged: {e.Message}", e);
        }
    }

    /// <summary>Reads a binary file of the entry.</summary>
    /// <param name="name">A file name relative to the entry.</param>
    /// <returns>The content.</returns>
    public byte[] ReadBytes(string name)
    {
        using var stream = OpenFile(name);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>Reads a UTF-8 text file of the entry.</summary>
    /// <param name="name">A file name relative to the entry.</param>
    /// <returns>The content.</returns>
    public string ReadText(string name) => Encoding.UTF8.GetString(ReadBytes(name));

    /// <summary>Reads a JSON file of the entry (System.Text.Json).</summary>
    /// <typeparam name="T">The deserialized type.</typeparam>
    /// <param name="name">A file name relative to the entry.</param>
    /// <returns>The value.</returns>
    public T ReadJson<T>(string name)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(ReadBytes(name), JsonOptions.Reading)
                ?? throw new InvalidDataException($"Model file '{Directory + name}' holds null.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Model file '{Directory + name}' is not valid JSON for {typeof(T).Name}: {e.Message}", e);
        }
    }

    /// <summary>Reads a schema written by <see cref="ModelSaveContext.WriteSchema"/>.</summary>
    /// <param name="name">A file name relative to the entry.</param>
    /// <returns>The schema.</returns>
    public DataViewSchema ReadSchema(string name)
    {
        try
        {
            return SchemaSerializer.Deserialize(ReadText(name));
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException or InvalidOperationException)
        {
            throw new InvalidDataException($"Model file '{Directory + name}' is not a valid schema: {e.Message}", e);
        }
    }

    /// <summary>Loads the nested entry saved with <see cref="ModelSaveContext.SaveModel"/>.</summary>
    /// <param name="name">The sub-folder name.</param>
    /// <returns>The transformer.</returns>
    public ITransformer LoadModel(string name) => ModelLoaderRegistry.LoadEntry(_archive, Directory + name + "/", Context);

    /// <summary>Loads the nested entry saved with <see cref="ModelSaveContext.SaveModel"/> as a <typeparamref name="TTransformer"/>.</summary>
    /// <typeparam name="TTransformer">The expected transformer type.</typeparam>
    /// <param name="name">The sub-folder name.</param>
    /// <returns>The transformer.</returns>
    public TTransformer LoadModel<TTransformer>(string name)
        where TTransformer : class, ITransformer =>
        LoadModel(name) as TTransformer
        ?? throw new InvalidDataException($"Model entry '{Directory + name}/' is not a {typeof(TTransformer).Name}.");
}
