using System.Security.Cryptography;

namespace Microsoft.ML.WideNet;

/// <summary>
/// A WideNet transformer's entry in ML.NET's model zip. The entry's own header (ML.NET's <c>Model.key</c> stream) holds
/// ML.NET's version info, then the list of our files with their lengths and SHA-256; each file is a stream of the entry
/// (JSON configuration, safetensors weights, tokenizer). Loading verifies every checksum before anything is parsed, so a
/// damaged file is rejected with its name instead of loading wrong weights.
/// </summary>
internal static class ModelEntry
{
    /// <summary>ML.NET's version record. Version 0x00010001 is the first format; later versions raise
    /// <c>verWrittenCur</c> and keep <c>verWeCanReadBack</c> so older libraries refuse newer files.</summary>
    public static VersionInfo Version(string modelSignature, string loaderSignature) => new(
        modelSignature: modelSignature,
        verWrittenCur: 0x00010001,
        verReadableCur: 0x00010001,
        verWeCanReadBack: 0x00010001,
        loaderSignature: loaderSignature,
        loaderAssemblyName: typeof(ModelEntry).Assembly.FullName);

    /// <summary>Writes the header and the files of one entry.</summary>
    public static void Save(ModelSaveContext ctx, string modelSignature, string loaderSignature, IReadOnlyList<(string name, byte[] bytes)> files)
    {
        var version = Version(modelSignature, loaderSignature);
        ArgumentNullException.ThrowIfNull(ctx);
        ctx.CheckAtModel();
        ctx.SetVersionInfo(version);
        ctx.Writer.Write(files.Count);
        foreach (var (name, bytes) in files)
        {
            ctx.Writer.Write(name);
            ctx.Writer.Write(bytes.LongLength);
            ctx.Writer.Write(SHA256.HashData(bytes));
        }
        foreach (var (name, bytes) in files)
            ctx.SaveBinaryStream(name, w => w.Write(bytes));
    }

    /// <summary>Reads the files of one entry, each checked against its recorded length and SHA-256.</summary>
    public static Dictionary<string, byte[]> Load(ModelLoadContext ctx, string modelSignature, string loaderSignature)
    {
        var version = Version(modelSignature, loaderSignature);
        ArgumentNullException.ThrowIfNull(ctx);
        var entry = string.IsNullOrEmpty(ctx.Directory) ? "the model" : $"entry '{ctx.Directory}'";
        ctx.CheckAtModel(version);
        var expected = new List<(string name, long length, byte[] hash)>();
        try
        {
            var count = ctx.Reader.ReadInt32();
            if (count is < 1 or > 64) throw new InvalidDataException($"{count} files");
            for (var i = 0; i < count; i++)
            {
                var name = ctx.Reader.ReadString();
                var length = ctx.Reader.ReadInt64();
                var hash = ctx.Reader.ReadBytes(32);
                if (length < 0 || hash.Length != 32 || name.Length is 0 or > 256) throw new InvalidDataException($"file record {i}");
                expected.Add((name, length, hash));
            }
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or IOException)
        {
            throw new InvalidDataException($"{entry} of the model file is damaged: its header cannot be read ({e.Message})", e);
        }
        var files = new Dictionary<string, byte[]>();
        foreach (var (name, length, hash) in expected)
        {
            byte[]? bytes = null;
            bool found;
            try
            {
                found = ctx.TryLoadBinaryStream(name, r =>
                {
                    if (r.BaseStream.CanSeek && r.BaseStream.Length != length) throw new InvalidDataException($"{r.BaseStream.Length} bytes, expected {length}");
                    bytes = r.ReadBytes((int)length);
                });
            }
            catch (Exception e) when (e is InvalidDataException or IOException or EndOfStreamException)
            {
                throw new InvalidDataException($"{entry}, file '{name}' of the model file is damaged ({e.Message})", e);
            }
            if (!found) throw new InvalidDataException($"{entry} of the model file has no file '{name}'");
            if (bytes!.Length != length || !SHA256.HashData(bytes).AsSpan().SequenceEqual(hash))
                throw new InvalidDataException($"{entry}, file '{name}' of the model file is damaged: its checksum does not match");
            files[name] = bytes;
        }
        return files;
    }
}
