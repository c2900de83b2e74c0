namespace Microsoft.ML.Data;

/// <summary>The base of the non-vector column types: numbers, text, booleans and keys.</summary>
public abstract class PrimitiveDataViewType : DataViewType
{
    /// <summary>Creates a primitive type whose values are read as <paramref name="rawType"/>.</summary>
    /// <param name="rawType">The .NET type of a value.</param>
    protected PrimitiveDataViewType(Type rawType)
        : base(rawType)
    {
        if (rawType.IsGenericType && rawType.GetGenericTypeDefinition() == typeof(VBuffer<>))
        {
            throw new ArgumentException("A primitive type cannot have a VBuffer raw type.", nameof(rawType));
        }
    }
}
