namespace Microsoft.ML;

/// <summary>
/// Declares, at assembly level, a model loader: <c>[assembly: ModelLoader(typeof(MyTransformerLoader))]</c>, where
/// the type implements <see cref="IModelLoader"/> and has a public parameterless constructor. <c>Model.Load</c>
/// finds loaders declared this way in loaded assemblies and in the assembly recorded in the model entry, so user
/// code does not have to touch a type of the declaring assembly before loading a model.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
public sealed class ModelLoaderAttribute : Attribute
{
    /// <summary>Declares <paramref name="loaderType"/> as a model loader.</summary>
    /// <param name="loaderType">A type implementing <see cref="IModelLoader"/> with a public parameterless constructor.</param>
    public ModelLoaderAttribute(Type loaderType)
    {
        LoaderType = loaderType ?? throw new ArgumentNullException(nameof(loaderType));
    }

    /// <summary>The loader type.</summary>
    public Type LoaderType { get; }
}
