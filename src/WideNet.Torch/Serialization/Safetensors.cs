using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace WideNet.Torch.Serialization;

/// <summary>
/// Reads and writes the safetensors format (8-byte little-endian header length, a JSON header mapping each name to
/// dtype, shape and byte offsets, then the raw little-endian tensor bytes), readable by PyTorch/Hugging Face tools.
/// </summary>
public static class Safetensors
{
    static readonly Dictionary<ScalarType, string> Codes = new()
    {
        [ScalarType.Float32] = "F32", [ScalarType.Float16] = "F16", [ScalarType.BFloat16] = "BF16",
        [ScalarType.Float64] = "F64", [ScalarType.Int64] = "I64", [ScalarType.Int32] = "I32",
        [ScalarType.Int16] = "I16", [ScalarType.Int8] = "I8", [ScalarType.UInt8] = "U8", [ScalarType.Bool] = "BOOL",
    };

    /// <summary>Serialises named tensors (in the given order) with optional string metadata.</summary>
    public static byte[] Serialize(IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var items = tensors.ToList();
        var blobs = new List<byte[]>(items.Count);
        using var headerStream = new MemoryStream();
        using (var w = new Utf8JsonWriter(headerStream))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject("__metadata__");
                foreach (var (k, v) in metadata) w.WriteString(k, v);
                w.WriteEndObject();
            }
            long offset = 0;
            var seen = new HashSet<string>();
            foreach (var (name, t) in items)
            {
                if (!seen.Add(name)) throw new ArgumentException($"tensor name '{name}' appears twice");
                if (!Codes.TryGetValue(t.dtype, out var code)) throw new NotSupportedException($"safetensors cannot store {t.dtype.TorchName()} ('{name}')");
                var bytes = RawBytes(t);
                blobs.Add(bytes);
                w.WriteStartObject(name);
                w.WriteString("dtype", code);
                w.WriteStartArray("shape");
                foreach (var d in t.shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + bytes.Length);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += bytes.Length;
            }
            w.WriteEndObject();
        }
        // Pad the header with spaces to a multiple of 8 bytes, as the reference writer does.
        var header = headerStream.ToArray().ToList();
        while ((header.Count + 8) % 8 != 0) header.Add((byte)' ');
        using var output = new MemoryStream();
        Span<byte> len = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)header.Count);
        output.Write(len);
        output.Write(header.ToArray());
        foreach (var b in blobs) output.Write(b);
        return output.ToArray();
    }

    static byte[] RawBytes(Tensor t) => t.RawBytes();

    /// <summary>Writes a file atomically (temporary file in the same folder, then rename).</summary>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var bytes = Serialize(tensors, metadata);
        var full = Path.GetFullPath(path);
        var tmp = Path.Combine(Path.GetDirectoryName(full)!, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        try
        {
            File.WriteAllBytes(tmp, bytes);
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    /// <summary>Loads every tensor of a file (CPU tensors, in file order).</summary>
    public static Dictionary<string, Tensor> Load(string path, out Dictionary<string, string> metadata)
    {
        try { return Deserialize(File.ReadAllBytes(path), out metadata); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
    }

    /// <summary>Loads every tensor of a file.</summary>
    public static Dictionary<string, Tensor> Load(string path) => Load(path, out _);

    /// <summary>Parses safetensors bytes; a damaged header or out-of-range offsets throw <see cref="InvalidDataException"/>.</summary>
    public static Dictionary<string, Tensor> Deserialize(ReadOnlySpan<byte> data, out Dictionary<string, string> metadata)
    {
        metadata = new Dictionary<string, string>();
        if (data.Length < 8) throw new InvalidDataException("not a safetensors file: shorter than its 8-byte header length");
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(data);
        if (headerLength > (ulong)(data.Length - 8)) throw new InvalidDataException($"safetensors header length {headerLength} exceeds the file size {data.Length}");
        var bodyStart = 8 + (int)headerLength;
        var body = data[bodyStart..];
        using var doc = ParseHeader(data.Slice(8, (int)headerLength));
        var result = new Dictionary<string, Tensor>();
        try
        {
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name == "__metadata__")
                {
                    foreach (var m in prop.Value.EnumerateObject()) metadata[m.Name] = m.Value.GetString() ?? "";
                    continue;
                }
                var code = prop.Value.GetProperty("dtype").GetString();
                var dtype = Codes.FirstOrDefault(kv => kv.Value == code);
                if (dtype.Value is null) throw new InvalidDataException($"tensor '{prop.Name}': unsupported dtype {code}");
                var shape = prop.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                var offsets = prop.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] > body.Length)
                    throw new InvalidDataException($"tensor '{prop.Name}': data offsets [{string.Join(", ", offsets)}] are outside the {body.Length}-byte data section");
                if (shape.Any(d => d < 0))
                    throw new InvalidDataException($"tensor '{prop.Name}': negative dimension in shape [{string.Join(", ", shape)}]");
                long expected;
                try { expected = checked(shape.Aggregate(1L, (a, b) => a * b) * dtype.Key.ElementSize()); }
                catch (OverflowException) { throw new InvalidDataException($"tensor '{prop.Name}': shape [{string.Join(", ", shape)}] is too large"); }
                if (offsets[1] - offsets[0] != expected)
                    throw new InvalidDataException($"tensor '{prop.Name}': {offsets[1] - offsets[0]} bytes for shape [{string.Join(", ", shape)}] of {dtype.Key.TorchName()} (expected {expected})");
                result[prop.Name] = torch.frombuffer(body[(int)offsets[0]..(int)offsets[1]], shape, dtype.Key);
            }
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            foreach (var t in result.Values) t.Dispose();
            throw new InvalidDataException("damaged safetensors header: " + e.Message, e);
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        return result;
    }

    static JsonDocument ParseHeader(ReadOnlySpan<byte> header)
    {
        try { return JsonDocument.Parse(header.ToArray()); }
        catch (JsonException e) { throw new InvalidDataException("damaged safetensors header: " + e.Message, e); }
    }

    /// <summary>Header text, for diagnostics.</summary>
    public static string ReadHeader(ReadOnlySpan<byte> data) =>
        Encoding.UTF8.GetString(data.Slice(8, (int)BinaryPrimitives.ReadUInt64LittleEndian(data)));
}
