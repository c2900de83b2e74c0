// Lets this assembly call the internal members of ML.NET it was compiled against (publicized copies, see
// Publicize.targets). Without it the runtime refuses those calls, and silently drops the internal LoadableClass
// attributes below, so Model.Load would not find our loaders ("Couldn't load model").
using Microsoft.ML;
using Microsoft.ML.WideNet;

[assembly: System.Runtime.CompilerServices.IgnoresAccessChecksTo("Microsoft.ML.Core")]
[assembly: System.Runtime.CompilerServices.IgnoresAccessChecksTo("Microsoft.ML.Data")]

// How ML.NET's Model.Load finds our transformers: by the loader signature each entry records (ModelEntry.Version).
[assembly: LoadableClass(typeof(WideNetImageClassificationTransformer), typeof(ModelLoaders.ImageClassifier), null, typeof(SignatureLoadModel),
    "WideNet image classifier", ModelLoaders.ImageClassifier.LoaderSignature)]
[assembly: LoadableClass(typeof(WideNetTextClassificationTransformer), typeof(ModelLoaders.TextClassifier), null, typeof(SignatureLoadModel),
    "WideNet text classifier", ModelLoaders.TextClassifier.LoaderSignature)]

namespace System.Runtime.CompilerServices
{
    /// <summary>Read by the .NET runtime: access checks against the named assembly are skipped for this assembly.</summary>
    [AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
    internal sealed class IgnoresAccessChecksToAttribute(string assemblyName) : Attribute
    {
        public string AssemblyName { get; } = assemblyName;
    }
}
