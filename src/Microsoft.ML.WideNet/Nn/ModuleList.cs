namespace Microsoft.ML.WideNet.Nn;

/// <summary>An ordered list of submodules named 0, 1, 2, ... (torch.nn.ModuleList).</summary>
public sealed class ModuleList : Module
{
    readonly List<Module> _items = new();

    /// <summary>Appends a module and returns it.</summary>
    public T Add<T>(T module) where T : Module
    {
        RegisterModule(_items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module);
        _items.Add(module);
        return module;
    }

    /// <summary>The i-th module.</summary>
    public Module this[int i] => _items[i];

    /// <summary>Number of modules.</summary>
    public int Count => _items.Count;
}
