using Microsoft.Win32.SafeHandles;

namespace Microsoft.ML.WideNet.Training;

/// <summary>
/// Preprocessed examples on disk, one fixed-size record each (e.g. an image's resized 8-bit pixels), written once in
/// order and then read in any order from any thread. Reads are positional (<c>pread</c>) into the caller's buffer, so
/// the process holds only the batches in flight however large the file is; the operating system's page cache keeps
/// what is read often (it is not the process's memory and is given back under pressure).
/// <para>Choice: positional reads instead of a memory-mapped view — mapped pages count as the process's resident
/// memory while mapped, which would grow with the data; measured in docs/benchmarks.md.</para>
/// The file is deleted on <see cref="Dispose"/> unless it was opened to be kept.
/// </summary>
public sealed class ExampleCache : IDisposable
{
    readonly bool _keep;
    FileStream? _writer;
    SafeFileHandle? _reader;

    /// <summary>Creates (truncates) the file at <paramref name="path"/> for records of <paramref name="recordBytes"/>.</summary>
    public ExampleCache(string path, int recordBytes, bool keep = false)
    {
        if (recordBytes < 1) throw new ArgumentOutOfRangeException(nameof(recordBytes), recordBytes, "records must hold at least one byte");
        Path = System.IO.Path.GetFullPath(path);
        RecordBytes = recordBytes;
        _keep = keep;
        var dir = System.IO.Path.GetDirectoryName(Path);
        if (dir is not null) Directory.CreateDirectory(dir);
        _writer = new FileStream(Path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 20);
    }

    /// <summary>The cache file.</summary>
    public string Path { get; }
    /// <summary>Bytes per record.</summary>
    public int RecordBytes { get; }
    /// <summary>Records written.</summary>
    public int Count { get; private set; }
    /// <summary>Bytes on disk.</summary>
    public long Length => (long)Count * RecordBytes;

    /// <summary>Appends one record (before <see cref="Seal"/>).</summary>
    public void Append(ReadOnlySpan<byte> record)
    {
        var w = _writer ?? throw new InvalidOperationException("the cache is sealed: no more records");
        if (record.Length != RecordBytes) throw new ArgumentException($"record of {record.Length} bytes, the cache holds {RecordBytes}-byte records", nameof(record));
        try { w.Write(record); }
        catch (IOException e) { throw new IOException($"{Path}: writing record {Count + 1} failed ({e.Message}); free disk space or set CacheDirectory elsewhere", e); }
        Count++;
    }

    /// <summary>Ends writing; records can be read from then on.</summary>
    public void Seal()
    {
        if (_writer is null) return;
        _writer.Flush(flushToDisk: false);
        _writer.Dispose();
        _writer = null;
        _reader = File.OpenHandle(Path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
    }

    /// <summary>Copies record <paramref name="index"/> into <paramref name="destination"/> (thread-safe).</summary>
    public void Read(int index, Span<byte> destination)
    {
        var r = _reader ?? throw new InvalidOperationException(_writer is null ? "the cache is disposed" : "seal the cache before reading");
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"the cache holds {Count} records");
        if (destination.Length < RecordBytes) throw new ArgumentException($"the buffer holds {destination.Length} bytes, a record {RecordBytes}", nameof(destination));
        var span = destination[..RecordBytes];
        var offset = (long)index * RecordBytes;
        while (!span.IsEmpty)
        {
            var n = RandomAccess.Read(r, span, offset);
            if (n <= 0) throw new InvalidDataException($"{Path}: record {index} is cut short (the file was changed while in use)");
            span = span[n..];
            offset += n;
        }
    }

    /// <summary>Closes the file and deletes it unless it is kept.</summary>
    public void Dispose()
    {
        _writer?.Dispose();
        _writer = null;
        _reader?.Dispose();
        _reader = null;
        if (!_keep)
            try { File.Delete(Path); } catch (IOException) { /* still open elsewhere: the temp folder's cleanup takes it */ }
    }
}
