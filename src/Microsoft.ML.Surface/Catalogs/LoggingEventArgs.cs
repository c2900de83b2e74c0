using Microsoft.ML.Runtime;

namespace Microsoft.ML;

/// <summary>A message of the <see cref="MLContext.Log"/> event.</summary>
public sealed class LoggingEventArgs : EventArgs
{
    /// <summary>Creates an informational message.</summary>
    /// <param name="message">The message.</param>
    public LoggingEventArgs(string message)
        : this(message, ChannelMessageKind.Info, string.Empty)
    {
    }

    /// <summary>Creates a message.</summary>
    /// <param name="message">The message.</param>
    /// <param name="kind">Its severity.</param>
    /// <param name="source">The component that wrote it.</param>
    public LoggingEventArgs(string message, ChannelMessageKind kind, string source)
    {
        RawMessage = message ?? string.Empty;
        Kind = kind;
        Source = source ?? string.Empty;
    }

    /// <summary>The message with its source and kind, as <c>[Source=..., Kind=...] message</c>.</summary>
    public string Message => $"[Source={Source}, Kind={Kind}] {RawMessage}";

    /// <summary>The message alone.</summary>
    public string RawMessage { get; }

    /// <summary>The severity.</summary>
    public ChannelMessageKind Kind { get; }

    /// <summary>The component that wrote the message.</summary>
    public string Source { get; }
}
