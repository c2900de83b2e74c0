// publicize IN.dll OUT.dll: copies IN.dll with every internal (assembly or protected-internal) type, method and
// field made public. Private members stay private; compiler-generated ones (closures, event backing fields) are left
// alone so the copy introduces no name clashes. The copy is a compile-time reference only.
using Mono.Cecil;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: publicize IN.dll OUT.dll");
    return 2;
}
var (input, output) = (args[0], args[1]);
var resolver = new DefaultAssemblyResolver();
resolver.AddSearchDirectory(Path.GetDirectoryName(Path.GetFullPath(input))!);
using var assembly = AssemblyDefinition.ReadAssembly(input, new ReaderParameters { AssemblyResolver = resolver });
var counts = new int[3];

static bool Generated(ICustomAttributeProvider p) =>
    p.CustomAttributes.Any(a => a.AttributeType.FullName == "System.Runtime.CompilerServices.CompilerGeneratedAttribute");

foreach (var type in assembly.MainModule.GetTypes())
{
    if (Generated(type) || type.Name.StartsWith('<')) continue;
    if (type.IsNested ? !type.IsNestedPublic && (type.IsNestedAssembly || type.IsNestedFamilyOrAssembly)
                      : type.IsNotPublic)
    {
        type.Attributes &= ~TypeAttributes.VisibilityMask;
        type.Attributes |= type.IsNested ? TypeAttributes.NestedPublic : TypeAttributes.Public;
        counts[0]++;
    }
    foreach (var method in type.Methods)
    {
        if (Generated(method) || !(method.IsAssembly || method.IsFamilyOrAssembly)) continue;
        method.Attributes &= ~MethodAttributes.MemberAccessMask;
        method.Attributes |= MethodAttributes.Public;
        counts[1]++;
    }
    var events = type.Events.Select(e => e.Name).ToHashSet();
    foreach (var field in type.Fields)
    {
        if (Generated(field) || events.Contains(field.Name) || !(field.IsAssembly || field.IsFamilyOrAssembly)) continue;
        field.Attributes &= ~FieldAttributes.FieldAccessMask;
        field.Attributes |= FieldAttributes.Public;
        counts[2]++;
    }
}
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
var temp = output + ".tmp";
assembly.Write(temp);
File.Move(temp, output, overwrite: true);
Console.WriteLine($"publicize: {Path.GetFileName(input)} → {output}: {counts[0]} types, {counts[1]} methods, {counts[2]} fields made public");
return 0;
