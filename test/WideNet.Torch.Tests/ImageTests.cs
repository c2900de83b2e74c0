// Proves native image decoding (torch.decode_image over stb_image): PNG and BMP bytes made by the minimal encoders
// below and JPEG/GIF bytes made by python (PIL) decode to the right pixels, grey and RGB(A), with channel
// conversion (keep, 1, 3, 4); corrupt (bad CRC, bad zlib stream, random bytes), truncated and empty data throw
// TorchException with a clear message.
using System.IO.Compression;
using WideNet.Torch;
using static WideNet.Torch.torch;

namespace WideNet.Torch.Tests;

public class ImageTests
{
    // ---- minimal encoders -------------------------------------------------------------------------------------
    static uint Crc32(IEnumerable<byte> data)
    {
        var c = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            c ^= b;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        }
        return ~c;
    }

    static void Chunk(Stream s, string type, byte[] data)
    {
        void U32(uint v) { s.WriteByte((byte)(v >> 24)); s.WriteByte((byte)(v >> 16)); s.WriteByte((byte)(v >> 8)); s.WriteByte((byte)v); }
        var t = System.Text.Encoding.ASCII.GetBytes(type);
        U32((uint)data.Length);
        s.Write(t);
        s.Write(data);
        U32(Crc32(t.Concat(data)));
    }

    /// <summary>8-bit PNG; channels 1 = grey (colour type 0), 3 = RGB (2), 4 = RGBA (6). Pixels are [H, W, C].</summary>
    public static byte[] EncodePng(byte[] pixels, int w, int h, int c)
    {
        using var ms = new MemoryStream();
        ms.Write(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 });
        var ihdr = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr, w);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), h);
        ihdr[8] = 8;
        ihdr[9] = c switch { 1 => 0, 3 => 2, 4 => 6, _ => throw new ArgumentException("channels") };
        Chunk(ms, "IHDR", ihdr);
        using var raw = new MemoryStream();
        for (var y = 0; y < h; y++)
        {
            raw.WriteByte(0);                                // filter: none
            raw.Write(pixels, y * w * c, w * c);
        }
        using var z = new MemoryStream();
        using (var zs = new ZLibStream(z, CompressionLevel.Optimal, leaveOpen: true)) zs.Write(raw.ToArray());
        Chunk(ms, "IDAT", z.ToArray());
        Chunk(ms, "IEND", Array.Empty<byte>());
        return ms.ToArray();
    }

    /// <summary>24-bit bottom-up BMP of RGB pixels [H, W, 3].</summary>
    public static byte[] EncodeBmp(byte[] rgb, int w, int h)
    {
        var stride = (w * 3 + 3) & ~3;
        var size = 54 + stride * h;
        var b = new byte[size];
        b[0] = (byte)'B'; b[1] = (byte)'M';
        BitConverter.TryWriteBytes(b.AsSpan(2), size);
        BitConverter.TryWriteBytes(b.AsSpan(10), 54);
        BitConverter.TryWriteBytes(b.AsSpan(14), 40);
        BitConverter.TryWriteBytes(b.AsSpan(18), w);
        BitConverter.TryWriteBytes(b.AsSpan(22), h);
        BitConverter.TryWriteBytes(b.AsSpan(26), (short)1);
        BitConverter.TryWriteBytes(b.AsSpan(28), (short)24);
        BitConverter.TryWriteBytes(b.AsSpan(34), stride * h);
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
            {
                var src = (y * w + x) * 3;
                var dst = 54 + (h - 1 - y) * stride + x * 3;
                b[dst] = rgb[src + 2]; b[dst + 1] = rgb[src + 1]; b[dst + 2] = rgb[src];
            }
        return b;
    }

    static byte[] Pixels(int w, int h, int c, int seed)
    {
        var r = new Random(seed);
        var p = new byte[w * h * c];
        r.NextBytes(p);
        return p;
    }

    static byte[] Decode(byte[] data, int channels, out long[] shape)
    {
        using var t = decode_image(data, channels);
        Assert.Equal(ScalarType.UInt8, t.dtype);
        shape = t.shape;
        return t.ToArray<byte>();
    }

    // stb_image's RGB → grey conversion.
    static byte Grey(byte r, byte g, byte b) => (byte)((r * 77 + g * 150 + 29 * b) >> 8);

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    public void PngRoundTripsAndConvertsChannels(int c)
    {
        const int w = 13, h = 7;
        var px = Pixels(w, h, c, c);
        var png = EncodePng(px, w, h, c);
        Assert.Equal(px, Decode(png, 0, out var shape));
        Assert.Equal(new long[] { h, w, c }, shape);
        Assert.Equal(px, Decode(png, c, out _));
        var rgb = Decode(png, 3, out shape);
        Assert.Equal(new long[] { h, w, 3 }, shape);
        var rgba = Decode(png, 4, out _);
        var grey = Decode(png, 1, out shape);
        Assert.Equal(new long[] { h, w, 1 }, shape);
        for (var i = 0; i < w * h; i++)
        {
            if (c == 1)
            {
                Assert.Equal(px[i], rgb[i * 3]); Assert.Equal(px[i], rgb[i * 3 + 1]); Assert.Equal(px[i], rgb[i * 3 + 2]);
                Assert.Equal(px[i], grey[i]);
            }
            else
            {
                Assert.Equal(px[i * c], rgb[i * 3]); Assert.Equal(px[i * c + 2], rgb[i * 3 + 2]);
                Assert.Equal(Grey(px[i * c], px[i * c + 1], px[i * c + 2]), grey[i]);
            }
            Assert.Equal(c == 4 ? px[i * 4 + 3] : (byte)255, rgba[i * 4 + 3]);
        }
    }

    [Fact]
    public void BmpDecodesToRgb()
    {
        const int w = 5, h = 3;                               // odd width: rows are padded
        var px = Pixels(w, h, 3, 9);
        var bmp = EncodeBmp(px, w, h);
        Assert.Equal(px, Decode(bmp, 0, out var shape));
        Assert.Equal(new long[] { h, w, 3 }, shape);
        var grey = Decode(bmp, 1, out _);
        for (var i = 0; i < w * h; i++) Assert.Equal(Grey(px[i * 3], px[i * 3 + 1], px[i * 3 + 2]), grey[i]);
    }

    [Fact]
    public void JpegAndGifFromPythonDecode()
    {
        using var scope = NewDisposeScope();
        // Smooth images (JPEG is lossy); PIL encodes them and also decodes them as the reference.
        var r = Oracle.Run1("""
            from PIL import Image
            import io, numpy as np
            yy, xx = np.mgrid[0:24, 0:32]
            rgb = np.stack([xx * 8, yy * 10, (xx + yy) * 4], -1).astype(np.uint8)
            grey = (xx * 8).astype(np.uint8)
            out = []
            for img, fmt in [(Image.fromarray(rgb), 'JPEG'), (Image.fromarray(grey), 'JPEG'), (Image.fromarray(rgb).quantize(64), 'GIF'), (Image.fromarray(grey), 'GIF')]:
                b = io.BytesIO(); img.save(b, fmt, **({'quality': 95} if fmt == 'JPEG' else {}))
                data = b.getvalue()
                ref = np.array(Image.open(io.BytesIO(data)).convert('RGB'))
                out += [torch.frombuffer(bytearray(data), dtype=torch.uint8).clone(), torch.from_numpy(ref.copy())]
            """);
        for (var i = 0; i < 4; i++)
        {
            var bytes = r[2 * i].ToArray<byte>();
            var reference = r[2 * i + 1];
            var isJpeg = i < 2;
            using var rgb = decode_image(bytes, 3);
            Assert.Equal(new long[] { 24, 32, 3 }, rgb.shape);
            var diff = (rgb.to(ScalarType.Float32) - reference.to(ScalarType.Float32)).abs();
            if (isJpeg) Assert.True(diff.mean().item<double>() < 2.0, $"case {i}: JPEG differs from PIL's decode by {diff.mean().item<double>()} on average");
            else Assert.Equal(0.0, diff.max().item<double>());
            using var kept = decode_image(bytes);
            Assert.Equal(i == 1 ? 1 : i == 0 ? 3 : kept.shape[2], kept.shape[2]);   // grey JPEG stays one channel
        }
    }

    public static IEnumerable<object[]> Broken()
    {
        var px = Pixels(16, 16, 3, 1);
        var png = EncodePng(px, 16, 16, 3);
        var bmp = EncodeBmp(px, 16, 16);
        var corrupt = (byte[])png.Clone();
        for (var i = 60; i < 80; i++) corrupt[i] ^= 0x5A;          // inside the compressed data
        var random = Pixels(200, 1, 1, 2);
        yield return new object[] { "png truncated", png[..(png.Length / 2)] };
        yield return new object[] { "png truncated at 3/4", png[..(png.Length * 3 / 4)] };
        yield return new object[] { "png corrupt (CRC)", corrupt };
        yield return new object[] { "png missing last byte", png[..^1] };
        var badZlib = (byte[])png.Clone();
        badZlib[41] = 0xFF; badZlib[42] = 0xFF;                      // zlib header of IDAT, CRC fixed up below
        var crc = Crc32(badZlib.Skip(37).Take(4 + (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(badZlib.AsSpan(33))));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(badZlib.AsSpan(41 + (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(badZlib.AsSpan(33))), crc);
        yield return new object[] { "png bad zlib header", badZlib };
        yield return new object[] { "bmp truncated", bmp[..(bmp.Length / 2)] };
        yield return new object[] { "bmp missing last byte", bmp[..^1] };
        yield return new object[] { "bmp header only", bmp[..54] };
        yield return new object[] { "random bytes", random };
        yield return new object[] { "png signature only", png[..8] };
    }

    [Theory]
    [MemberData(nameof(Broken))]
    public void BrokenDataThrowsTorchException(string what, byte[] data)
    {
        var e = Assert.Throws<TorchException>(() => decode_image(data));
        Assert.Contains("decode_image", e.Message);
        Assert.Contains("cannot decode image", e.Message);
        Assert.False(string.IsNullOrEmpty(what));
    }

    [Fact]
    public void PngErrorsNameTheChunk()
    {
        var png = EncodePng(Pixels(16, 16, 3, 1), 16, 16, 3);
        var cut = Assert.Throws<TorchException>(() => decode_image(png[..(png.Length - 20)])).Message;
        Assert.Contains("truncated PNG (chunk 'IDAT' at byte", cut);
        var zeroed = (byte[])png.Clone();
        Array.Clear(zeroed, 8, 8);                                   // the first chunk's length and type
        var garbage = Assert.Throws<TorchException>(() => decode_image(zeroed)).Message;
        Assert.Contains("chunk 0x00000000 (not a chunk type) at byte 8", garbage);
    }

    [Fact]
    public void TruncatedJpegAndGifThrow()
    {
        using var scope = NewDisposeScope();
        var r = Oracle.Run1("""
            from PIL import Image
            import io, numpy as np
            rng = np.random.default_rng(0)
            arr = rng.integers(0, 255, (20, 30, 3), dtype=np.uint8)
            out = []
            for fmt in ['JPEG', 'GIF']:
                b = io.BytesIO(); Image.fromarray(arr).save(b, fmt)
                out.append(torch.frombuffer(bytearray(b.getvalue()), dtype=torch.uint8).clone())
            """);
        foreach (var t in r)
        {
            var bytes = t.ToArray<byte>();
            using (decode_image(bytes)) { }
            Assert.Contains("cannot decode image", Assert.Throws<TorchException>(() => decode_image(bytes[..(bytes.Length / 2)])).Message);
            Assert.Contains("cannot decode image", Assert.Throws<TorchException>(() => decode_image(bytes[..(bytes.Length * 3 / 4)])).Message);
        }
    }

    [Fact]
    public void EmptyDataAndBadChannelsAreRejected()
    {
        Assert.Contains("empty", Assert.Throws<TorchException>(() => decode_image(Array.Empty<byte>())).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => decode_image(new byte[10], 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => decode_image(new byte[10], 5));
    }
}
