using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Microsoft.ML.WideNet.Vision;

/// <summary>Writes 8-bit PNG files (grey, RGB or RGBA; filter 0; zlib via <see cref="ZLibStream"/>; CRC-32), e.g. to
/// export IDX or pixel data as an image folder. Needs no imaging package.</summary>
public static class PngEncoder
{
    static readonly uint[] CrcTable = Enumerable.Range(0, 256).Select(n =>
    {
        var c = (uint)n;
        for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    /// <summary>The CRC-32 of PNG chunks (and zip, gzip).</summary>
    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        var c = 0xFFFFFFFFu;
        foreach (var b in data) c = CrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }

    /// <summary>Encodes interleaved pixels (row-major, <paramref name="channels"/> = 1, 3 or 4 bytes per pixel).</summary>
    public static byte[] Encode(ReadOnlySpan<byte> pixels, int width, int height, int channels)
    {
        var colorType = channels switch { 1 => 0, 3 => 2, 4 => 6, _ => throw new ArgumentOutOfRangeException(nameof(channels), channels, "channels must be 1, 3 or 4") };
        if (width < 1 || height < 1) throw new ArgumentOutOfRangeException(nameof(width), $"image size {width}×{height} is not positive");
        if (pixels.Length != width * height * channels)
            throw new ArgumentException($"expected {width}×{height}×{channels} = {width * height * channels} bytes, got {pixels.Length}", nameof(pixels));
        using var ms = new MemoryStream();
        ms.Write(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A });
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; ihdr[9] = (byte)colorType;
        Chunk(ms, "IHDR", ihdr);
        var stride = width * channels;
        var raw = new byte[height * (stride + 1)];                  // each row: filter byte 0, then the pixels
        for (var y = 0; y < height; y++) pixels.Slice(y * stride, stride).CopyTo(raw.AsSpan(y * (stride + 1) + 1));
        using var z = new MemoryStream();
        using (var zs = new ZLibStream(z, CompressionLevel.Optimal, leaveOpen: true)) zs.Write(raw);
        Chunk(ms, "IDAT", z.ToArray());
        Chunk(ms, "IEND", Array.Empty<byte>());
        return ms.ToArray();
    }

    static void Chunk(Stream s, string type, byte[] data)
    {
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(len, data.Length);
        s.Write(len);
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        s.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(len, Crc32(typed));
        s.Write(len);
    }
}
