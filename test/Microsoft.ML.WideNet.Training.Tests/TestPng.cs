using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Microsoft.ML.WideNet.Training.Tests;

/// <summary>Test images as PNG bytes (through the library's <see cref="Vision.PngEncoder"/>).</summary>
internal static class TestPng
{
    public static uint Crc32(ReadOnlySpan<byte> data) => Vision.PngEncoder.Crc32(data);

    /// <summary>Encodes interleaved pixels (row-major, <paramref name="channels"/> bytes per pixel).</summary>
    public static byte[] Encode(byte[] pixels, int width, int height, int channels) => Vision.PngEncoder.Encode(pixels, width, height, channels);

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
