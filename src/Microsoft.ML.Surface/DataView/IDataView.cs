namespace Microsoft.ML;

/// <summary>
/// A lazily evaluated table: a schema plus cursors that walk its rows. Views compose without materializing data;
/// work happens only when a cursor asks for values.
/// </summary>
public interface IDataView
{
    /// <summary>Whether <see cref="GetRowCursor"/> honours its <c>rand</c> argument by shuffling rows.</summary>
    bool CanShuffle { get; }

    /// <summary>The schema of the rows.</summary>
    DataViewSchema Schema { get; }

    /// <summary>The number of rows when known cheaply, otherwise <see langword="null"/>.</summary>
    /// <returns>The row count, if known.</returns>
    long? GetRowCount();

    /// <summary>Opens a cursor over the rows, able to read the columns in <paramref name="columnsNeeded"/>.</summary>
    /// <param name="columnsNeeded">The columns whose getters will be requested.</param>
    /// <param name="rand">When given and <see cref="CanShuffle"/>, the source of a random row order.</param>
    /// <returns>A cursor positioned before the first row.</returns>
    DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null);

    /// <summary>Opens up to <paramref name="n"/> cursors that together visit every row once.</summary>
    /// <param name="columnsNeeded">The columns whose getters will be requested.</param>
    /// <param name="n">The suggested number of cursors.</param>
    /// <param name="rand">When given and <see cref="CanShuffle"/>, the source of a random row order.</param>
    /// <returns>The cursors; possibly fewer than <paramref name="n"/>.</returns>
    DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null);
}
