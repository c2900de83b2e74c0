using WideNet.Torch;

namespace Microsoft.ML.WideNet.Training.Tests;

internal static class TensorAssert
{
    /// <summary>Same shape and bit-identical float32 elements.</summary>
    public static bool Same(Tensor a, Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape)) return false;
        using var ca = a.to(Device.CPU).contiguous();
        using var cb = b.to(Device.CPU).contiguous();
        return ca.ToArray<float>().AsSpan().SequenceEqual(cb.ToArray<float>());
    }
}
