namespace Microsoft.ML.Runtime;

/// <summary>The severity of a log message.</summary>
public enum ChannelMessageKind
{
    /// <summary>Detailed tracing.</summary>
    Trace,

    /// <summary>Information.</summary>
    Info,

    /// <summary>A warning.</summary>
    Warning,

    /// <summary>An error.</summary>
    Error,
}
