using Microsoft.ML.Runtime;

namespace Microsoft.ML.WideNet;

/// <summary>The loaders ML.NET's <c>Model.Load</c> calls for our entries (registered by the LoadableClass attributes in
/// AccessChecks.cs). Signatures: the model signature is 8 ASCII characters, the loader signature at most 24; both are
/// written into every entry, so they never change.</summary>
internal static class ModelLoaders
{
    internal static class ImageClassifier
    {
        public const string ModelSignature = "WDNTIMGC";
        public const string LoaderSignature = "WideNetImageClassifier";

        private static WideNetImageClassificationTransformer Create(IHostEnvironment env, ModelLoadContext ctx) =>
            WideNetImageClassificationTransformer.FromEntry(env, ModelEntry.Load(ctx, ModelSignature, LoaderSignature));
    }

    internal static class TextClassifier
    {
        public const string ModelSignature = "WDNTTXTC";
        public const string LoaderSignature = "WideNetTextClassifier";

        private static WideNetTextClassificationTransformer Create(IHostEnvironment env, ModelLoadContext ctx) =>
            WideNetTextClassificationTransformer.FromEntry(env, ModelEntry.Load(ctx, ModelSignature, LoaderSignature));
    }
}
