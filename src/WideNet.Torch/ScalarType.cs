namespace WideNet.Torch;

/// <summary>Element types (values equal LibTorch's <c>c10::ScalarType</c> codes).</summary>
public enum ScalarType
{
    /// <summary>uint8 (torch.uint8).</summary>
    UInt8 = 0,
    /// <summary>int8.</summary>
    Int8 = 1,
    /// <summary>int16.</summary>
    Int16 = 2,
    /// <summary>int32 (torch.int32).</summary>
    Int32 = 3,
    /// <summary>int64 (torch.int64, torch.long).</summary>
    Int64 = 4,
    /// <summary>IEEE half precision (torch.float16).</summary>
    Float16 = 5,
    /// <summary>float32 (torch.float32).</summary>
    Float32 = 6,
    /// <summary>float64 (torch.float64).</summary>
    Float64 = 7,
    /// <summary>bool (torch.bool).</summary>
    Bool = 11,
    /// <summary>bfloat16 (torch.bfloat16).</summary>
    BFloat16 = 15,
}

/// <summary>Facts about <see cref="ScalarType"/> values.</summary>
public static class ScalarTypeExtensions
{
    /// <summary>Bytes per element.</summary>
    public static int ElementSize(this ScalarType t) => t switch
    {
        ScalarType.UInt8 or ScalarType.Int8 or ScalarType.Bool => 1,
        ScalarType.Int16 or ScalarType.Float16 or ScalarType.BFloat16 => 2,
        ScalarType.Int32 or ScalarType.Float32 => 4,
        ScalarType.Int64 or ScalarType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(t), t, "unsupported scalar type"),
    };

    /// <summary>True for float16, bfloat16, float32 and float64.</summary>
    public static bool IsFloatingPoint(this ScalarType t) =>
        t is ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float32 or ScalarType.Float64;

    /// <summary>PyTorch's name, e.g. <c>float32</c>, as used by safetensors' dtype codes mapping.</summary>
    public static string TorchName(this ScalarType t) => t switch
    {
        ScalarType.UInt8 => "uint8", ScalarType.Int8 => "int8", ScalarType.Int16 => "int16",
        ScalarType.Int32 => "int32", ScalarType.Int64 => "int64", ScalarType.Float16 => "float16",
        ScalarType.Float32 => "float32", ScalarType.Float64 => "float64", ScalarType.Bool => "bool",
        ScalarType.BFloat16 => "bfloat16", _ => t.ToString(),
    };

    /// <summary>The scalar type of a .NET element type (float, double, long, int, short, sbyte, byte, bool, Half).</summary>
    public static ScalarType Of<T>() where T : unmanaged => typeof(T) switch
    {
        var x when x == typeof(float) => ScalarType.Float32,
        var x when x == typeof(double) => ScalarType.Float64,
        var x when x == typeof(long) => ScalarType.Int64,
        var x when x == typeof(int) => ScalarType.Int32,
        var x when x == typeof(short) => ScalarType.Int16,
        var x when x == typeof(sbyte) => ScalarType.Int8,
        var x when x == typeof(byte) => ScalarType.UInt8,
        var x when x == typeof(bool) => ScalarType.Bool,
        var x when x == typeof(Half) => ScalarType.Float16,
        _ => throw new NotSupportedException($"no tensor element type for {typeof(T).Name}; bfloat16 data is read as ushort bits via ToArray<ushort>()"),
    };
}
