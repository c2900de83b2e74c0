using System.Collections.Concurrent;
using System.IO.Compression;
using System.Reflection;
using Microsoft.ML.Data;
using Microsoft.ML.Data.Internal;
using Microsoft.ML.Transforms;

namespace Microsoft.ML;

/// <summary>
/// Maps the loader names written in model entries to the code that reads them back. Loaders are found, in order:
/// explicit <see cref="Register(IModelLoader)"/> calls; <see cref="ModelLoaderAttribute"/>s of the loaded assemblies;
/// the <see cref="ModelLoaderAttribute"/>s of the assembly that wrote the entry (recorded in it), which is loaded on demand.
/// </summary>
public static class ModelLoaderRegistry
{
    private static readonly ConcurrentDictionary<string, IModelLoader> Loaders = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<Assembly, bool> ScannedAssemblies = new();

    static ModelLoaderRegistry()
    {
        Register(TransformerChain<ITransformer>.LoaderName, 1, TransformerChain<ITransformer>.Load);
        Register(ValueToKeyMappingTransformer.LoaderName, 1, ValueToKeyMappingTransformer.Load);
        Register(KeyToValueMappingTransformer.LoaderName, 1, KeyToValueMappingTransformer.Load);
        Register(ColumnConcatenatingTransformer.LoaderName, 1, ColumnConcatenatingTransformer.Load);
        Register(ColumnCopyingTransformer.LoaderName, 1, ColumnCopyingTransformer.Load);
        Register(ColumnSelectingTransformer.LoaderName, 1, ColumnSelectingTransformer.Load);
        Register(ImageLoadingTransformer.LoaderName, 1, ImageLoadingTransformer.Load);
        ScannedAssemblies[typeof(ModelLoaderRegistry).Assembly] = true;
    }

    /// <summary>Registers <paramref name="loader"/> under its name, replacing any loader of the same name.</summary>
    /// <param name="loader">The loader.</param>
    public static void Register(IModelLoader loader)
    {
        ArgumentNullException.ThrowIfNull(loader);
        ArgumentException.ThrowIfNullOrWhiteSpace(loader.LoaderName);
        Loaders[loader.LoaderName] = loader;
    }

    /// <summary>Registers a loader given as a delegate, replacing any loader of the same name.</summary>
    /// <param name="loaderName">The name written by <see cref="ModelSaveContext.SetVersionInfo"/>.</param>
    /// <param name="formatVersion">The newest format version <paramref name="load"/> reads.</param>
    /// <param name="load">Creates the transformer of an entry.</param>
    public static void Register(string loaderName, int formatVersion, Func<ModelLoadContext, ITransformer> load) =>
        Register(new DelegateLoader(loaderName, formatVersion, load ?? throw new ArgumentNullException(nameof(load))));

    /// <summary>Whether a loader named <paramref name="loaderName"/> is known (scanning loaded assemblies if needed).</summary>
    /// <param name="loaderName">The loader name.</param>
    /// <returns><see langword="true"/> when known.</returns>
    public static bool IsRegistered(string loaderName)
    {
        ScanLoadedAssemblies();
        return Loaders.ContainsKey(loaderName);
    }

    internal static ITransformer LoadEntry(ZipArchive archive, string directory, MLContext context)
    {
        var info = ReadEntryInfo(archive, directory, context);
        var loader = Find(info)
            ?? throw new InvalidDataException(
                $"Model entry '{directory}' needs the loader '{info.LoaderName}' (written by {info.TypeName ?? "?"} from assembly '{info.AssemblyName ?? "?"}'), "
                + "which is not registered. Reference that assembly, or register the loader with ModelLoaderRegistry.Register.");
        if (info.FormatVersion > loader.FormatVersion)
        {
            throw new InvalidDataException(
                $"Model entry '{directory}' has format version {info.FormatVersion} of '{info.LoaderName}', newer than version {loader.FormatVersion} that this code reads. Update the assembly '{info.AssemblyName ?? "?"}'.");
        }

        if (info.FormatVersion < 1)
        {
            throw new InvalidDataException($"Model entry '{directory}' has an invalid format version {info.FormatVersion}.");
        }

        try
        {
            return loader.Load(new ModelLoadContext(archive, directory, context, info.LoaderName, info.FormatVersion));
        }
        catch (Exception e) when (e is not InvalidDataException)
        {
            throw new InvalidDataException($"Model entry '{directory}' ({info.LoaderName}) could not be loaded: {e.Message}", e);
        }
    }

    private static ModelEntryInfo ReadEntryInfo(ZipArchive archive, string directory, MLContext context)
    {
        if (archive.GetEntry(directory + ModelSaveContext.EntryFileName) is null)
        {
            throw new InvalidDataException($"Model entry '{directory}' is missing: the file '{directory}{ModelSaveContext.EntryFileName}' is not in the model.");
        }

        var probe = new ModelLoadContext(archive, directory, context, "?", 0);
        var info = probe.ReadJson<ModelEntryInfo>(ModelSaveContext.EntryFileName);
        if (string.IsNullOrWhiteSpace(info.LoaderName))
        {
            throw new InvalidDataException($"Model entry '{directory}' does not name its loader.");
        }

        return info;
    }

    private static IModelLoader? Find(ModelEntryInfo info)
    {
        if (Loaders.TryGetValue(info.LoaderName, out var loader))
        {
            return loader;
        }

        ScanLoadedAssemblies();
        if (Loaders.TryGetValue(info.LoaderName, out loader))
        {
            return loader;
        }

        if (!string.IsNullOrEmpty(info.AssemblyName))
        {
            try
            {
                Scan(Assembly.Load(new AssemblyName(info.AssemblyName)));
            }
            catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
            {
                // Reported below as an unknown loader.
            }
        }

        return Loaders.GetValueOrDefault(info.LoaderName);
    }

    private static void ScanLoadedAssemblies()
    {
        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
        {
            Scan(assembly);
        }
    }

    private static void Scan(Assembly assembly)
    {
        if (!ScannedAssemblies.TryAdd(assembly, true) || assembly.IsDynamic)
        {
            return;
        }

        foreach (var attribute in assembly.GetCustomAttributes<ModelLoaderAttribute>())
        {
            if (!typeof(IModelLoader).IsAssignableFrom(attribute.LoaderType))
            {
                throw new InvalidOperationException($"{attribute.LoaderType.FullName}, declared by a [ModelLoader] of {assembly.GetName().Name}, does not implement IModelLoader.");
            }

            var loader = (IModelLoader)Activator.CreateInstance(attribute.LoaderType)!;
            Loaders.TryAdd(loader.LoaderName, loader);
        }
    }

    private sealed class DelegateLoader(string name, int version, Func<ModelLoadContext, ITransformer> load) : IModelLoader
    {
        public string LoaderName => name;

        public int FormatVersion => version;

        public ITransformer Load(ModelLoadContext context) => load(context);
    }
}
