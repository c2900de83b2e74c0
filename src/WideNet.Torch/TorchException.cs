namespace WideNet.Torch;

/// <summary>An error reported by LibTorch (shape mismatch, bad dtype, out-of-range index, CUDA error, ...).
/// The native layer catches every C++ exception, so such errors never end the process.</summary>
public sealed class TorchException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The operation, LibTorch's message and the shapes of the operation's inputs.</param>
    /// <param name="nativeMessage">LibTorch's message alone.</param>
    public TorchException(string message, string nativeMessage) : base(message) => NativeMessage = nativeMessage;

    /// <summary>The message as LibTorch produced it.</summary>
    public string NativeMessage { get; }
}
