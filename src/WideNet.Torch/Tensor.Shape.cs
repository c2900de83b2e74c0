using static WideNet.Torch.Native.Check;
using N = WideNet.Torch.Native.NativeMethods;

namespace WideNet.Torch;

// Views, shape changes, splitting, indexing, gather/scatter, sorting and selection (PyTorch names).
public sealed partial class Tensor
{
    /// <summary>Same data with a new shape (one size may be -1); copies only when it must.</summary>
    public unsafe Tensor reshape(params long[] shape) { fixed (long* p = shape) return Result(N.wn_reshape(Handle, p, shape.Length), "reshape", this); }
    /// <summary>A view with a new shape; the tensor must be compatible (e.g. contiguous).</summary>
    public unsafe Tensor view(params long[] shape) { fixed (long* p = shape) return Result(N.wn_view(Handle, p, shape.Length), "view", this); }
    /// <summary>Reorders dimensions.</summary>
    public unsafe Tensor permute(params long[] dims) { fixed (long* p = dims) return Result(N.wn_permute(Handle, p, dims.Length), "permute", this); }
    /// <summary>Swaps two dimensions.</summary>
    public Tensor transpose(long dim0, long dim1) => Result(N.wn_transpose(Handle, dim0, dim1), "transpose", this);
    /// <summary>Flattens dimensions start..end into one.</summary>
    public Tensor flatten(long start_dim = 0, long end_dim = -1) => Result(N.wn_flatten(Handle, start_dim, end_dim), "flatten", this);
    /// <summary>Removes dimensions of size 1 (or only <paramref name="dim"/>).</summary>
    public Tensor squeeze(long? dim = null) => Result(N.wn_squeeze(Handle, dim ?? 0, dim.HasValue ? 1 : 0), "squeeze", this);
    /// <summary>Inserts a dimension of size 1.</summary>
    public Tensor unsqueeze(long dim) => Result(N.wn_unsqueeze(Handle, dim), "unsqueeze", this);
    /// <summary>Broadcasts to a larger shape without copying (-1 keeps a size).</summary>
    public unsafe Tensor expand(params long[] shape) { fixed (long* p = shape) return Result(N.wn_expand(Handle, p, shape.Length), "expand", this); }
    /// <summary>Tiles the tensor.</summary>
    public unsafe Tensor repeat(params long[] repeats) { fixed (long* p = repeats) return Result(N.wn_repeat(Handle, p, repeats.Length), "repeat", this); }
    /// <summary>Reverses the order along dimensions.</summary>
    public unsafe Tensor flip(params long[] dims) { fixed (long* p = dims) return Result(N.wn_flip(Handle, p, dims.Length), "flip", this); }
    /// <summary>A view of <paramref name="length"/> elements from <paramref name="start"/> along <paramref name="dim"/>.</summary>
    public Tensor narrow(long dim, long start, long length) => Result(N.wn_narrow(Handle, dim, start, length), "narrow", this);
    /// <summary>A view t[start:end:step] along <paramref name="dim"/> (Python slicing, negative indices allowed).</summary>
    public Tensor slice(long dim, long start, long end, long step = 1) => Result(N.wn_slice(Handle, dim, start, end, step), "slice", this);
    /// <summary>The sub-tensor at <paramref name="index"/> of <paramref name="dim"/> (that dimension removed).</summary>
    public Tensor select(long dim, long index) => Result(N.wn_select(Handle, dim, index), "select", this);
    /// <summary>t[index] along the first dimension.</summary>
    public Tensor this[long index] => select(0, index);
    /// <summary>Lower triangle.</summary>
    public Tensor tril(long diagonal = 0) => Result(N.wn_tril(Handle, diagonal), "tril", this);
    /// <summary>Upper triangle.</summary>
    public Tensor triu(long diagonal = 0) => Result(N.wn_triu(Handle, diagonal), "triu", this);

    /// <summary>Splits into pieces of <paramref name="split_size"/> along <paramref name="dim"/>.</summary>
    public Tensor[] split(long split_size, long dim = 0)
    {
        var n = (int)((size((int)dim) + split_size - 1) / Math.Max(1, split_size));
        var buffer = new IntPtr[Math.Max(n, 1)];
        var count = Status(N.wn_split(Handle, split_size, dim, buffer, buffer.Length), "split", this);
        return buffer.Take(count).Select(h => new Tensor(h)).ToArray();
    }
    /// <summary>Splits into pieces of the given sizes along <paramref name="dim"/>.</summary>
    public unsafe Tensor[] split(long[] split_sizes, long dim = 0)
    {
        var buffer = new IntPtr[split_sizes.Length];
        int count;
        fixed (long* p = split_sizes) count = Status(N.wn_split_sizes(Handle, p, split_sizes.Length, dim, buffer, buffer.Length), "split", this);
        return buffer.Take(count).Select(h => new Tensor(h)).ToArray();
    }
    /// <summary>Splits into <paramref name="chunks"/> nearly equal pieces.</summary>
    public Tensor[] chunk(long chunks, long dim = 0)
    {
        var buffer = new IntPtr[chunks];
        var count = Status(N.wn_chunk(Handle, chunks, dim, buffer, buffer.Length), "chunk", this);
        return buffer.Take(count).Select(h => new Tensor(h)).ToArray();
    }

    /// <summary>The slices along <paramref name="dim"/>, that dimension removed (torch.unbind): like select for every
    /// index, with a single backward node.</summary>
    public Tensor[] unbind(long dim = 0)
    {
        var size = this.size((int)dim);
        var buffer = new IntPtr[size];
        var count = Status(N.wn_unbind(Handle, dim, buffer, buffer.Length), "unbind", this);
        return buffer.Take(count).Select(h => new Tensor(h)).ToArray();
    }

    /// <summary>Rows (entries along <paramref name="dim"/>) picked by an int64 index vector.</summary>
    public Tensor index_select(long dim, Tensor index) => Result(N.wn_index_select(Handle, dim, index.Handle), "index_select", this, index);
    /// <summary>out[i][j] = this[i][index[i][j]] for dim 1 (torch.gather).</summary>
    public Tensor gather(long dim, Tensor index) => Result(N.wn_gather(Handle, dim, index.Handle), "gather", this, index);
    /// <summary>A copy with src's values written at <paramref name="index"/> along <paramref name="dim"/>.</summary>
    public Tensor scatter(long dim, Tensor index, Tensor src) => Result(N.wn_scatter(Handle, dim, index.Handle, src.Handle), "scatter", this, index, src);
    /// <summary>A copy with <paramref name="value"/> written at <paramref name="index"/> along <paramref name="dim"/>.</summary>
    public Tensor scatter(long dim, Tensor index, double value) => Result(N.wn_scatter_value(Handle, dim, index.Handle, value), "scatter", this, index);
    /// <summary>A copy with src's values added at <paramref name="index"/> along <paramref name="dim"/>.</summary>
    public Tensor scatter_add(long dim, Tensor index, Tensor src) => Result(N.wn_scatter_add(Handle, dim, index.Handle, src.Handle), "scatter_add", this, index, src);
    /// <summary>A copy with alpha·source's rows added at the rows named by <paramref name="index"/>.</summary>
    public Tensor index_add(long dim, Tensor index, Tensor source, double alpha = 1) => Result(N.wn_index_add(Handle, dim, index.Handle, source.Handle, alpha), "index_add", this, index, source);
    /// <summary>A copy with source's rows written at the rows named by <paramref name="index"/>.</summary>
    public Tensor index_copy(long dim, Tensor index, Tensor source) => Result(N.wn_index_copy(Handle, dim, index.Handle, source.Handle), "index_copy", this, index, source);
    /// <summary>A copy with <paramref name="value"/> where <paramref name="mask"/> is true.</summary>
    public Tensor masked_fill(Tensor mask, double value) => Result(N.wn_masked_fill(Handle, mask.Handle, value), "masked_fill", this, mask);
    /// <summary>The elements where <paramref name="mask"/> is true, as a vector (reads the mask on the host).</summary>
    public Tensor masked_select(Tensor mask) => Result(N.wn_masked_select(Handle, mask.Handle), "masked_select", this, mask);
    /// <summary>Indices of non-zero elements, [n, dim] (reads data on the host).</summary>
    public Tensor nonzero() => Result(N.wn_nonzero(Handle), "nonzero", this);

    /// <summary>The k largest (or smallest) elements along <paramref name="dim"/> and their indices.</summary>
    public (Tensor values, Tensor indices) topk(long k, long dim = -1, bool largest = true, bool sorted = true)
    {
        Status(N.wn_topk(Handle, k, dim, largest ? 1 : 0, sorted ? 1 : 0, out var v, out var i), "topk", this);
        return (new Tensor(v), new Tensor(i));
    }
    /// <summary>Sorted values along <paramref name="dim"/> and the permutation that sorts.</summary>
    public (Tensor values, Tensor indices) sort(long dim = -1, bool descending = false, bool stable = false)
    {
        Status(N.wn_sort(Handle, dim, descending ? 1 : 0, stable ? 1 : 0, out var v, out var i), "sort", this);
        return (new Tensor(v), new Tensor(i));
    }
    /// <summary>The permutation that sorts along <paramref name="dim"/>.</summary>
    public Tensor argsort(long dim = -1, bool descending = false, bool stable = false) =>
        Result(N.wn_argsort(Handle, dim, descending ? 1 : 0, stable ? 1 : 0), "argsort", this);
}
