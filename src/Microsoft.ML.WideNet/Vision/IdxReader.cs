using System.Buffers.Binary;
using System.IO.Compression;

namespace Microsoft.ML.WideNet.Vision;

/// <summary>Reads IDX files (the MNIST / Fashion-MNIST format), gzip-compressed or not.</summary>
public static class IdxReader
{
    /// <summary>An IDX array: dimensions and unsigned-byte data in row-major order.</summary>
    /// <param name="Shape">Dimension sizes.</param>
    /// <param name="Data">The elements.</param>
    public sealed record IdxArray(int[] Shape, byte[] Data);

    /// <summary>Reads a uint8 IDX file; throws <see cref="InvalidDataException"/> naming the file when it is not one.</summary>
    public static IdxArray Read(string path)
    {
        using var file = File.OpenRead(path);
        var gz = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
        using Stream s = gz ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var ms = new MemoryStream();
        try { s.CopyTo(ms); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{path}: not a valid gzip file ({e.Message})", e); }
        var bytes = ms.GetBuffer().AsSpan(0, (int)ms.Length);
        if (bytes.Length < 4 || bytes[0] != 0 || bytes[1] != 0)
            throw new InvalidDataException($"{path}: not an IDX file (bad magic number)");
        if (bytes[2] != 0x08) throw new InvalidDataException($"{path}: only unsigned-byte IDX data is supported (type 0x{bytes[2]:x2})");
        int dims = bytes[3];
        if (bytes.Length < 4 + 4 * dims) throw new InvalidDataException($"{path}: truncated IDX header");
        var shape = new int[dims];
        long count = 1;
        for (var i = 0; i < dims; i++)
        {
            shape[i] = BinaryPrimitives.ReadInt32BigEndian(bytes[(4 + 4 * i)..]);
            count *= shape[i];
        }
        var offset = 4 + 4 * dims;
        if (bytes.Length - offset < count)
            throw new InvalidDataException($"{path}: truncated IDX data ({bytes.Length - offset} of {count} bytes)");
        return new IdxArray(shape, bytes.Slice(offset, (int)count).ToArray());
    }

    /// <summary>The folder of Debian's dataset-fashion-mnist package.</summary>
    public const string FashionMnistFolder = "/usr/share/datasets/fashion-mnist";

    /// <summary>Class names of Fashion-MNIST, by label index.</summary>
    public static readonly string[] FashionMnistClasses =
        { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot" };

    /// <summary>Loads Fashion-MNIST images [N, 28, 28] and labels [N] of the train or test split.</summary>
    public static (IdxArray images, byte[] labels) LoadFashionMnist(bool train, string folder = FashionMnistFolder)
    {
        var prefix = train ? "train" : "t10k";
        var images = Read(Path.Combine(folder, $"{prefix}-images-idx3-ubyte.gz"));
        var labels = Read(Path.Combine(folder, $"{prefix}-labels-idx1-ubyte.gz"));
        if (images.Shape[0] != labels.Shape[0])
            throw new InvalidDataException($"{folder}: {images.Shape[0]} images but {labels.Shape[0]} labels");
        return (images, labels.Data);
    }
}
