namespace Microsoft.ML;

/// <summary>Data transformations; most are extension methods (<see cref="TransformExtensionsCatalog"/>, ...).</summary>
public sealed class TransformsCatalog
{
    internal TransformsCatalog(MLContext context)
    {
        Context = context;
        Conversion = new ConversionTransforms(context);
    }

    /// <summary>Type conversions, such as <c>MapValueToKey</c> and <c>MapKeyToValue</c>.</summary>
    public ConversionTransforms Conversion { get; }

    internal MLContext Context { get; }

    /// <summary>The catalog of conversion transforms (<see cref="ConversionsExtensionsCatalog"/>).</summary>
    public sealed class ConversionTransforms
    {
        internal ConversionTransforms(MLContext context)
        {
            Context = context;
        }

        internal MLContext Context { get; }
    }
}
