using N = WideNet.Torch.Native.NativeMethods;

namespace WideNet.Torch;

/// <summary>A seeded CPU random-number generator (torch.Generator) for reproducible sampling independent of the
/// global seed.</summary>
public sealed class Generator : IDisposable
{
    IntPtr _handle;

    /// <summary>Creates a generator seeded with <paramref name="seed"/>.</summary>
    public Generator(ulong seed)
    {
        _handle = N.wn_generator_new(seed);
        if (_handle == IntPtr.Zero) throw Native.Check.Fail("Generator");
        Seed = seed;
    }

    /// <summary>The seed it was created with.</summary>
    public ulong Seed { get; }

    internal static IntPtr H(Generator? g) =>
        g is null ? IntPtr.Zero : g._handle != IntPtr.Zero ? g._handle : throw new ObjectDisposedException(nameof(Generator));

    /// <summary>Frees the native generator.</summary>
    public void Dispose()
    {
        if (_handle != IntPtr.Zero) N.wn_generator_free(_handle);
        _handle = IntPtr.Zero;
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees the native generator if Dispose was not called.</summary>
    ~Generator() => Dispose();
}
