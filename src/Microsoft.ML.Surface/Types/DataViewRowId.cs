namespace Microsoft.ML.Data;

/// <summary>A 128-bit identifier of a row, as returned by <see cref="DataViewRow.GetIdGetter"/>.</summary>
public readonly struct DataViewRowId : IEquatable<DataViewRowId>
{
    /// <summary>Creates an identifier from its two halves.</summary>
    /// <param name="low">The low 64 bits.</param>
    /// <param name="high">The high 64 bits.</param>
    public DataViewRowId(ulong low, ulong high)
    {
        Low = low;
        High = high;
    }

    /// <summary>The low 64 bits.</summary>
    public ulong Low { get; }

    /// <summary>The high 64 bits.</summary>
    public ulong High { get; }

    /// <inheritdoc/>
    public bool Equals(DataViewRowId other) => Low == other.Low && High == other.High;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is DataViewRowId other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Low, High);

    /// <inheritdoc/>
    public override string ToString() => $"{High:X16}{Low:X16}";
}
