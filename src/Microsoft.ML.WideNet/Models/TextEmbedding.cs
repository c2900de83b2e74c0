using Microsoft.ML.WideNet.Nn;
using WideNet.Torch;
using F = WideNet.Torch.torch.nn.functional;

namespace Microsoft.ML.WideNet.Models;

/// <summary>ALBERT-style factorised input embedding: token and position tables of size e, LayerNorm, dropout, then a
/// projection e → d (omitted when e = d).</summary>
public sealed class TextEmbedding : Module
{
    readonly double _dropout;
    /// <summary>[vocab, e], N(0, 0.02²).</summary>
    public readonly Tensor tokens;
    /// <summary>[max_length, e], N(0, 0.02²).</summary>
    public readonly Tensor positions;
    /// <summary>Norm of the summed embeddings.</summary>
    public readonly LayerNorm norm;
    /// <summary>e → d, or null when e = d.</summary>
    public readonly Linear? proj;

    /// <summary>Creates the embedding.</summary>
    public TextEmbedding(int vocab, int maxLength, int embeddingSize, int dim, double dropout, Generator g)
    {
        _dropout = dropout;
        using (torch.no_grad())
        {
            tokens = RegisterParameter("tokens", torch.empty(new long[] { vocab, embeddingSize }).normal_(0, 0.02, g));
            positions = RegisterParameter("positions", torch.empty(new long[] { maxLength, embeddingSize }).normal_(0, 0.02, g));
        }
        norm = RegisterModule("norm", new LayerNorm(embeddingSize, 1e-12));
        if (embeddingSize != dim) proj = RegisterModule("proj", new Linear(embeddingSize, dim, generator: g));
    }

    /// <summary>Token ids [B, L] (int64) → [B, L, d].</summary>
    public Tensor forward(Tensor ids)
    {
        using var scope = torch.NewDisposeScope();
        var length = ids.size(1);
        if (length > positions.size(0))
            throw new ArgumentException($"sequence length {length} exceeds the model's maximum {positions.size(0)}");
        var x = F.embedding(ids, tokens) + positions.narrow(0, 0, length);   // [B, L, e]
        x = F.dropout(norm.forward(x), _dropout, training);
        return (proj is null ? x : proj.forward(x)).MoveToOuterScope();      // [B, L, d]
    }
}
