namespace Microsoft.ML;

/// <summary>A <see cref="DataViewRow"/> that moves forward through the rows of a view.</summary>
public abstract class DataViewRowCursor : DataViewRow
{
    /// <summary>Advances to the next row.</summary>
    /// <returns><see langword="false"/> when there are no more rows.</returns>
    public abstract bool MoveNext();
}
