using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Microsoft.ML.WideNet.Training.Tests;

/// <summary>A minimal PNG encoder (8-bit grey, RGB or RGBA, filter 0, zlib via ZLibStream, CRC-32) for building test
/// images without any imaging package.</summary>
internal static class TestPng
{
    static readonly uint[] CrcTable = Enumerable.Range(0, 256).Select(n =>
    {
        var c = (uint)n;
        for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        var c = 0xFFFFFFFFu;
        foreach (var b in data) c = CrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }

    /// <summary>Encodes interleaved pixels (row-major, <paramref name="channels"/> bytes per pixel).</summary>
    public static byte[] Encode(byte[] pixels, int width, int height, int channels)
    {
        var colorType = channels switch { 1 => 0, 3 => 2, 4 => 6, _ => throw new ArgumentOutOfRangeException(nameof(channels)) };
        using var ms = new MemoryStream();
        ms.Write(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A });
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; ihdr[9] = (byte)colorType;
        Chunk(ms, "IHDR", ihdr);
        using var raw = new MemoryStream();
        for (var y = 0; y < height; y++)
        {
            raw.WriteByte(0);
            raw.Write(pixels, y * width * channels, width * channels);
        }
        using var z = new MemoryStream();
        using (var zs = new ZLibStream(z, CompressionLevel.Optimal, leaveOpen: true)) zs.Write(raw.ToArray());
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

    /// <summary>A gradient test image: R rises left→right, G top→bottom, B constant.</summary>
    public static byte[] Gradient(int width, int height, int channels = 3)
    {
        var px = new byte[width * height * channels];
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
                for (var c = 0; c < channels; c++)
                    px[(y * width + x) * channels + c] = c switch
                    {
                        0 => (byte)(x * 255 / Math.Max(1, width - 1)),
                        1 => (byte)(y * 255 / Math.Max(1, height - 1)),
                        2 => 100,
                        _ => 255,
                    };
        return Encode(px, width, height, channels);
    }
}
