using System.Buffers.Binary;
using System.IO.Compression;
using static WideNet.Torch.torch;

namespace WideNet.Torch.Tests;

// Proves image decoding (stb_image in the native library) returns the exact pixels of PNG and BMP files built here,
// converts channels on request, and reports corrupt or truncated data as a TorchException instead of crashing.
public class ImageDecodeTests
{
    internal static byte[] Png(int w, int h, int channels, Func<int, int, int, byte> pixel)
    {
        var raw = new MemoryStream();
        for (var y = 0; y < h; y++)
        {
            raw.WriteByte(0); // filter: none
            for (var x = 0; x < w; x++)
                for (var c = 0; c < channels; c++) raw.WriteByte(pixel(x, y, c));
        }
        var z = new MemoryStream();
        using (var zs = new ZLibStream(z, CompressionLevel.Optimal, leaveOpen: true)) zs.Write(raw.ToArray());
        var png = new MemoryStream();
        png.Write(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 });
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, w);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), h);
        ihdr[8] = 8;
        ihdr[9] = channels switch { 1 => 0, 3 => 2, 4 => 6, _ => throw new ArgumentException("channels") };
        Chunk(png, "IHDR", ihdr);
        Chunk(png, "IDAT", z.ToArray());
        Chunk(png, "IEND", Array.Empty<byte>());
        return png.ToArray();
    }

    static void Chunk(Stream s, string type, byte[] data)
    {
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(len, data.Length);
        s.Write(len);
        var typed = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        s.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(len, Crc32Png(typed));
        s.Write(len);
    }

    static uint Crc32Png(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }

    static byte[] Bmp24(int w, int h, Func<int, int, int, byte> pixel)
    {
        var rowSize = (w * 3 + 3) & ~3;
        var size = 54 + rowSize * h;
        var b = new byte[size];
        b[0] = (byte)'B'; b[1] = (byte)'M';
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(2), size);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(10), 54);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(18), w);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(22), h);
        BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(26), 1);
        BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(28), 24);
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
                for (var c = 0; c < 3; c++) // bottom-up rows, BGR
                    b[54 + (h - 1 - y) * rowSize + x * 3 + (2 - c)] = pixel(x, y, c);
        return b;
    }

    static byte Pattern(int x, int y, int c) => (byte)((x * 37 + y * 11 + c * 101) % 256);

    [Fact]
    public void DecodesRgbPngExactly()
    {
        using var img = decode_image(Png(7, 5, 3, Pattern));
        Assert.Equal(new long[] { 5, 7, 3 }, img.shape);
        Assert.Equal(ScalarType.UInt8, img.dtype);
        var px = img.ToArray<byte>();
        for (var y = 0; y < 5; y++) for (var x = 0; x < 7; x++) for (var c = 0; c < 3; c++)
            Assert.Equal(Pattern(x, y, c), px[(y * 7 + x) * 3 + c]);
    }

    [Fact]
    public void DecodesGreyPngAndConvertsChannels()
    {
        var png = Png(4, 3, 1, (x, y, _) => (byte)(x * 60 + y));
        using var grey = decode_image(png);
        Assert.Equal(new long[] { 3, 4, 1 }, grey.shape);
        using var rgb = decode_image(png, channels: 3);
        Assert.Equal(new long[] { 3, 4, 3 }, rgb.shape);
        var g = grey.ToArray<byte>();
        var c = rgb.ToArray<byte>();
        for (var i = 0; i < g.Length; i++) Assert.Equal(g[i], c[i * 3 + 1]);
        using var rgba = decode_image(Png(2, 2, 4, Pattern), channels: 1);
        Assert.Equal(new long[] { 2, 2, 1 }, rgba.shape);
    }

    [Fact]
    public void DecodesBmp()
    {
        using var img = decode_image(Bmp24(5, 4, Pattern));
        Assert.Equal(new long[] { 4, 5, 3 }, img.shape);
        var px = img.ToArray<byte>();
        Assert.Equal(Pattern(3, 2, 1), px[(2 * 5 + 3) * 3 + 1]);
    }

    [Fact]
    public void CorruptAndTruncatedBytesThrowClearErrors()
    {
        var png = Png(16, 16, 3, Pattern);
        var e = Assert.Throws<TorchException>(() => decode_image(png.AsSpan(0, png.Length / 2)));
        Assert.Contains("cannot decode image", e.Message);
        Assert.Throws<TorchException>(() => decode_image(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }));
        Assert.Contains("empty", Assert.Throws<TorchException>(() => decode_image(Array.Empty<byte>())).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => decode_image(png, channels: 2));
        using var ok = decode_image(png); // still alive
        Assert.Equal(16, ok.size(0));
    }
}
