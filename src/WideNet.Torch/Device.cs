namespace WideNet.Torch;

/// <summary>Kinds of device (values equal LibTorch's <c>c10::DeviceType</c>).</summary>
public enum DeviceType
{
    /// <summary>Host memory, CPU kernels.</summary>
    CPU = 0,
    /// <summary>NVIDIA GPU.</summary>
    CUDA = 1,
}

/// <summary>A device, e.g. <c>cpu</c> or <c>cuda:0</c> (torch.device).</summary>
/// <param name="Type">The kind of device.</param>
/// <param name="Index">The device ordinal (-1 = current/default for the kind).</param>
public readonly record struct Device(DeviceType Type, int Index = -1)
{
    /// <summary>The CPU.</summary>
    public static readonly Device CPU = new(DeviceType.CPU);

    /// <summary>The CUDA device with the given ordinal.</summary>
    public static Device CUDA(int index = 0) => new(DeviceType.CUDA, index);

    /// <summary>Parses <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.</summary>
    public static Device Parse(string text)
    {
        var s = text.Trim().ToLowerInvariant();
        if (s == "cpu") return CPU;
        if (s == "cuda") return CUDA(0);
        if (s.StartsWith("cuda:") && int.TryParse(s.AsSpan(5), out var i) && i >= 0) return CUDA(i);
        throw new FormatException($"'{text}' is not a device: expected cpu, cuda or cuda:N");
    }

    /// <summary>True for CUDA devices.</summary>
    public bool IsCuda => Type == DeviceType.CUDA;

    /// <inheritdoc/>
    public override string ToString() => Type == DeviceType.CPU ? "cpu" : Index < 0 ? "cuda" : $"cuda:{Index}";
}
