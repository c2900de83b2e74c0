using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace Microsoft.ML.WideNet.Training;

/// <summary>
/// Preprocessed examples on disk, one fixed-size record each (e.g. an image's resized 8-bit pixels), written once in
/// order and then read in any order from any thread. Reads are positional (<c>pread</c>) into the caller's buffer, so
/// the process holds only the batches in flight however large the file is; the operating system's page cache keeps
/// what is read often (it is not the process's memory and is given back under pressure).
/// <para>Choice: positional reads instead of a memory-mapped view — mapped pages count as the process's resident
/// memory while mapped, which would grow with the data (a mapped 2 GB file read through: 1.96 GB of VmRSS; pread:
/// 9.5 MB; docs/benchmarks.md, "Data larger than memory").</para>
/// <para>The file starts with a 64-byte header (magic, record size, record count, a 32-byte key naming the data and
/// its preprocessing). It is written under a temporary name and renamed when sealed, so a file with the final name is
/// always complete; <see cref="TryOpen"/> reopens a kept one when its header and length match.</para>
/// The file is deleted on <see cref="Dispose"/> unless it is kept.
/// </summary>
public sealed class ExampleCache : IDisposable
{
    const int HeaderBytes = 64;
    static readonly byte[] Magic = "WNCACHE1"u8.ToArray();
    readonly bool _keep;
    readonly byte[] _key;
    string? _partial;
    FileStream? _writer;
    SafeFileHandle? _reader;

    /// <summary>Starts the file at <paramref name="path"/> (it appears there when sealed) for records of
    /// <paramref name="recordBytes"/>; <paramref name="key"/> (up to 32 bytes) is stored in the header.</summary>
    public ExampleCache(string path, int recordBytes, bool keep = false, ReadOnlySpan<byte> key = default)
    {
        if (recordBytes < 1) throw new ArgumentOutOfRangeException(nameof(recordBytes), recordBytes, "records must hold at least one byte");
        if (key.Length > 32) throw new ArgumentException("the key holds at most 32 bytes", nameof(key));
        Path = System.IO.Path.GetFullPath(path);
        RecordBytes = recordBytes;
        _keep = keep;
        _key = new byte[32];
        key.CopyTo(_key);
        var dir = System.IO.Path.GetDirectoryName(Path);
        if (dir is not null) Directory.CreateDirectory(dir);
        _partial = $"{Path}.partial-{Guid.NewGuid():N}";
        _writer = new FileStream(_partial, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1 << 20);
        _writer.Write(new byte[HeaderBytes]);                          // the header is written when sealed
    }

    ExampleCache(string path, int recordBytes, int count, byte[] key, SafeFileHandle reader)
    {
        (Path, RecordBytes, Count, _key, _reader, _keep) = (path, recordBytes, count, key, reader, true);
    }

    /// <summary>The cache file.</summary>
    public string Path { get; }
    /// <summary>Bytes per record.</summary>
    public int RecordBytes { get; }
    /// <summary>Records written.</summary>
    public int Count { get; private set; }
    /// <summary>Bytes of records on disk.</summary>
    public long Length => (long)Count * RecordBytes;

    /// <summary>Reopens a kept cache at <paramref name="path"/> when it exists and its header says records of
    /// <paramref name="recordBytes"/>, <paramref name="count"/> of them, under <paramref name="key"/>, and the file has
    /// that length; otherwise <paramref name="why"/> says what did not match (null when there is no file).</summary>
    public static ExampleCache? TryOpen(string path, int recordBytes, int count, ReadOnlySpan<byte> key, out string? why)
    {
        why = null;
        path = System.IO.Path.GetFullPath(path);
        if (!File.Exists(path)) return null;
        var expected = new byte[32];
        key.CopyTo(expected);
        SafeFileHandle? h = null;
        try
        {
            h = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
            var header = new byte[HeaderBytes];
            var n = RandomAccess.Read(h, header, 0);
            var (bytes, records) = (BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(12)), BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(16)));
            why = n < HeaderBytes || !header.AsSpan(0, 8).SequenceEqual(Magic) ? "not a cache file (no header)"
                : !header.AsSpan(24, 32).SequenceEqual(expected) ? "its key differs"
                : bytes != recordBytes || records != count ? $"it holds {records} records of {bytes} bytes, expected {count} of {recordBytes}"
                : RandomAccess.GetLength(h) != HeaderBytes + (long)count * recordBytes ? $"its length is {RandomAccess.GetLength(h)} bytes, expected {HeaderBytes + (long)count * recordBytes}"
                : null;
            if (why is not null) { h.Dispose(); return null; }
            return new ExampleCache(path, recordBytes, count, expected, h);
        }
        catch (IOException e)
        {
            h?.Dispose();
            why = $"cannot read it ({e.Message})";
            return null;
        }
    }

    /// <summary>Appends one record (before <see cref="Seal"/>).</summary>
    public void Append(ReadOnlySpan<byte> record)
    {
        var w = _writer ?? throw new InvalidOperationException("the cache is sealed: no more records");
        if (record.Length != RecordBytes) throw new ArgumentException($"record of {record.Length} bytes, the cache holds {RecordBytes}-byte records", nameof(record));
        if (Count == int.MaxValue) throw new InvalidOperationException($"{Path}: a cache holds at most {int.MaxValue} records");
        try { w.Write(record); }
        catch (IOException e) { throw new IOException($"{Path}: writing record {Count + 1} failed ({e.Message}); free disk space or set CacheDirectory elsewhere", e); }
        Count++;
    }

    /// <summary>Ends writing: the header is written, the file takes its final name, and records can be read.</summary>
    public void Seal()
    {
        if (_writer is null) return;
        var header = new byte[HeaderBytes];
        Magic.CopyTo(header, 0);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), 1);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(12), RecordBytes);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(16), Count);
        _key.CopyTo(header, 24);
        try
        {
            _writer.Seek(0, SeekOrigin.Begin);
            _writer.Write(header);
            _writer.Flush(flushToDisk: _keep);                         // a kept file survives a crash after the rename
        }
        catch (IOException e) { throw new IOException($"{Path}: finishing the cache failed ({e.Message}); free disk space or set CacheDirectory elsewhere", e); }
        _writer.Dispose();
        _writer = null;
        File.Move(_partial!, Path, overwrite: true);                  // atomic on one file system: never a half-written final file
        _partial = null;
        _reader = File.OpenHandle(Path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, FileOptions.RandomAccess);
    }

    /// <summary>Copies record <paramref name="index"/> into <paramref name="destination"/> (thread-safe).</summary>
    public void Read(int index, Span<byte> destination)
    {
        var r = _reader ?? throw new InvalidOperationException(_writer is null ? "the cache is disposed" : "seal the cache before reading");
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"the cache holds {Count} records");
        if (destination.Length < RecordBytes) throw new ArgumentException($"the buffer holds {destination.Length} bytes, a record {RecordBytes}", nameof(destination));
        var span = destination[..RecordBytes];
        var offset = HeaderBytes + (long)index * RecordBytes;
        while (!span.IsEmpty)
        {
            var n = RandomAccess.Read(r, span, offset);
            if (n <= 0) throw new InvalidDataException($"{Path}: record {index} is cut short (the file was changed while in use)");
            span = span[n..];
            offset += n;
        }
    }

    /// <summary>Closes the file; deletes it unless it is kept (an unsealed file is always deleted).</summary>
    public void Dispose()
    {
        _writer?.Dispose();
        _writer = null;
        _reader?.Dispose();
        _reader = null;
        foreach (var p in new[] { _partial, _keep ? null : Path })
            if (p is not null)
                try { File.Delete(p); } catch (IOException) { /* still open elsewhere: the temp folder's cleanup takes it */ }
        _partial = null;
    }
}
