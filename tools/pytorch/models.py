"""Independent PyTorch implementation of the project's models: vision (WideNet, ViT, ViT-MoE, Brainformer) and text
(WideNet text, BERT-like, ALBERT-like encoders with a factorised embedding; Brainformer on token ids).

Written from shared/MODELS.md, not translated from the C# code: it is the numerical oracle of the tests (same
weights in, same outputs out) and the speed peer of the bench. State-dict names match the .NET models.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def masked_softmax(scores, mask):
    """Softmax over keys of [B, H, T, T] scores, keys where mask [B, T] is false excluded."""
    if mask is not None:
        scores = scores.masked_fill(~mask[:, None, None, :], float("-inf"))
    return scores.softmax(-1)


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x, mask=None):  # mask [B, T] bool, true at real tokens: padded keys get no attention
        b, t, d = x.shape
        q, k, v = self.qkv(x).reshape(b, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        att = masked_softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), mask)
        return self.proj((att @ v).transpose(1, 2).reshape(b, t, d))


class FFN(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))


class Experts(nn.Module):
    def __init__(self, e, dim, hidden):
        super().__init__()
        self.w1 = nn.Parameter(torch.randn(e, dim, hidden) * 0.02)
        self.b1 = nn.Parameter(torch.zeros(e, 1, hidden))
        self.w2 = nn.Parameter(torch.randn(e, hidden, dim) * 0.02)
        self.b2 = nn.Parameter(torch.zeros(e, 1, dim))

    def forward(self, buf):  # [E, C, d]
        return torch.baddbmm(self.b2, F.gelu(torch.baddbmm(self.b1, buf, self.w1)), self.w2)


class TopKMoE(nn.Module):
    """Token-choice top-k with capacity. `loop=True` assigns slots with a plain Python loop (the oracle: obviously
    right, slow); otherwise slots come from cumulative sums and kept assignments are found with nonzero (the speed
    peer, the usual eager PyTorch formulation)."""

    def __init__(self, dim, hidden, e, k, capacity_factor, eval_capacity_factor, loop=False):
        super().__init__()
        self.e, self.k, self.cf, self.ecf, self.loop = e, k, capacity_factor, eval_capacity_factor, loop
        self.router = nn.Linear(dim, e, bias=False)
        self.experts = Experts(e, dim, hidden)

    def forward(self, x, mask=None):  # mask [...] bool, true at real tokens: padding is not routed at all
        shape = x.shape
        x = x.reshape(-1, shape[-1])
        s, d = x.shape
        real = torch.ones(s, dtype=torch.bool) if mask is None else mask.reshape(-1)
        n_real = max(int(real.sum()), 1)
        cf = self.cf if self.training else self.ecf
        cap = max(1, math.ceil(cf * self.k * s / self.e))  # from the padded group size: a static shape
        logits = self.router(x).float()
        if self.training:
            logits = logits + torch.randn_like(logits) / self.e
        probs = logits.softmax(-1)
        gates, choice = probs.topk(self.k, -1)
        f = F.one_hot(choice[real], self.e).float().sum((0, 1)) / (n_real * self.k)
        aux = self.e * (f * probs[real].sum(0) / n_real).sum()
        if not self.loop:
            rank_major = F.one_hot(choice.t().reshape(-1), self.e) * real.repeat(self.k)[:, None]  # [k*S, E], first choices first
            pos = ((rank_major.cumsum(0) - 1) * rank_major).sum(-1).reshape(self.k, s).t()  # [S, k]
            t_idx, r_idx = ((pos < cap) & real[:, None]).nonzero(as_tuple=True)
            ex, p = choice[t_idx, r_idx], pos[t_idx, r_idx]
            buf = x.new_zeros(self.e, cap, d)
            buf[ex, p] = x[t_idx]
            y = self.experts(buf)
            out = x.new_zeros(s, d).index_add(0, t_idx, y[ex, p] * gates[t_idx, r_idx].unsqueeze(1).to(y.dtype))
            return out.reshape(shape), aux
        buf = x.new_zeros(self.e, cap, d)
        fill = [0] * self.e
        slots = []  # (token, expert, slot, gate)
        for r in range(self.k):
            for t in range(s):
                if not real[t]:
                    continue
                ex = int(choice[t, r])
                if fill[ex] < cap:
                    slots.append((t, ex, fill[ex], r))
                    fill[ex] += 1
        tok = torch.tensor([a[0] for a in slots], dtype=torch.long)
        exs = torch.tensor([a[1] for a in slots], dtype=torch.long)
        pos = torch.tensor([a[2] for a in slots], dtype=torch.long)
        rank = torch.tensor([a[3] for a in slots], dtype=torch.long)
        buf = buf.index_put((exs, pos), x[tok])
        y = self.experts(buf)
        out = x.new_zeros(s, d).index_add(0, tok, y[exs, pos] * gates[tok, rank].unsqueeze(1))
        return out.reshape(shape), aux


class WideNet(nn.Module):
    def __init__(self, image, patch, channels, classes, dim, heads, depth, hidden, experts=4, topk=2,
                 capacity=1.2, eval_capacity=2.0, aux_weight=0.01, arch="widenet", moe_layers=2, loop_dispatch=False):
        super().__init__()
        n = (image // patch) ** 2
        self.arch, self.aux_weight = arch, aux_weight
        self.patch_embed = nn.Conv2d(channels, dim, patch, patch)
        self.pos_embed = nn.Parameter(torch.randn(1, n, dim) * 0.02)
        if arch == "widenet":
            self.attn = Attention(dim, heads)
            self.moe = TopKMoE(dim, hidden, experts, topk, capacity, eval_capacity, loop_dispatch)
            self.blocks = nn.ModuleList(nn.ModuleDict(dict(ln_att=nn.LayerNorm(dim, eps=1e-6), ln_moe=nn.LayerNorm(dim, eps=1e-6)))
                                        for _ in range(depth))
        else:
            blocks = []
            for i in range(depth):
                blk = dict(ln_att=nn.LayerNorm(dim, eps=1e-6), attn=Attention(dim, heads), ln_ffn=nn.LayerNorm(dim, eps=1e-6))
                if arch == "vit-moe" and i >= depth - moe_layers:
                    blk["moe"] = TopKMoE(dim, hidden, experts, topk, capacity, eval_capacity, loop_dispatch)
                else:
                    blk["ffn"] = FFN(dim, hidden)
                blocks.append(nn.ModuleDict(blk))
            self.blocks = nn.ModuleList(blocks)
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.pre_logits = nn.Linear(dim, dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, images):
        x = self.patch_embed(images).flatten(2).transpose(1, 2) + self.pos_embed
        aux = x.new_zeros(())
        for b in self.blocks:
            if self.arch == "widenet":
                x = x + self.attn(b["ln_att"](x))
                m, a = self.moe(b["ln_moe"](x))
                x, aux = x + m, aux + a
            else:
                x = x + b["attn"](b["ln_att"](x))
                if "moe" in b:
                    m, a = b["moe"](b["ln_ffn"](x))
                    x, aux = x + m, aux + a
                else:
                    x = x + b["ffn"](b["ln_ffn"](x))
        logits = self.head(torch.tanh(self.pre_logits(self.norm(x).mean(1))))
        return logits, aux * self.aux_weight


def flat_state(model):
    """State dict with the .NET names (ModuleDict keys already match; the conv is named patch_embed)."""
    return {k: v for k, v in model.state_dict().items()}


# ---- Brainformer -------------------------------------------------------------------------------------------------

class RMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-6):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class BiasFreeAttention(nn.Module):
    def __init__(self, dim, heads, head_dim):
        super().__init__()
        self.heads, self.head_dim = heads, head_dim
        self.qkv = nn.Linear(dim, 3 * heads * head_dim, bias=False)
        self.proj = nn.Linear(heads * head_dim, dim, bias=False)

    def forward(self, x, mask=None):
        b, t, _ = x.shape
        q, k, v = self.qkv(x).reshape(b, t, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        att = masked_softmax(q @ k.transpose(-2, -1) / math.sqrt(self.head_dim), mask)
        return self.proj((att @ v).transpose(1, 2).reshape(b, t, -1))


class GatedFFN(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.gate = nn.Linear(dim, hidden, bias=False)
        self.up = nn.Linear(dim, hidden, bias=False)
        self.down = nn.Linear(hidden, dim, bias=False)

    def forward(self, x):
        return self.down(F.gelu(self.gate(x)) * self.up(x))


class GatedExperts(nn.Module):
    def __init__(self, e, dim, hidden):
        super().__init__()
        self.w1 = nn.Parameter(torch.randn(e, dim, hidden) * 0.02)
        self.w_up = nn.Parameter(torch.randn(e, dim, hidden) * 0.02)
        self.w2 = nn.Parameter(torch.randn(e, hidden, dim) * 0.02)


class ExpertChoiceMoE(nn.Module):
    """Each expert takes its top floor(n*c/E) tokens of the group; written as a loop over experts. With a mask, only
    real tokens are candidates and n counts only them."""

    def __init__(self, dim, hidden, e, capacity):
        super().__init__()
        self.e, self.c = e, capacity
        self.router = nn.Linear(dim, e, bias=False)
        self.experts = GatedExperts(e, dim, hidden)

    def forward(self, x, mask=None):
        shape = x.shape
        x = x.reshape(-1, shape[-1])
        real = torch.arange(x.shape[0]) if mask is None else mask.reshape(-1).nonzero().squeeze(1)  # candidates
        n = len(real)
        k = min(max(int(math.floor(n * self.c / self.e)), 1), n)
        scores = self.router(x).float().softmax(-1)
        out = torch.zeros_like(x)
        ex = self.experts
        for e in range(self.e):
            g, j = scores[real, e].topk(k)
            idx = real[j]
            h = F.gelu(x[idx] @ ex.w1[e]) * (x[idx] @ ex.w_up[e])
            out = out.index_add(0, idx, (h @ ex.w2[e]) * g.unsqueeze(1))
        return out.reshape(shape)


class Brainformer(nn.Module):
    """Images, or token ids when vocab > 0 (unfactorised TextEmbedding, first-token pooling, mask to attention and
    expert choice)."""

    def __init__(self, recipe, repeats, image, patch, channels, classes, dim, heads, head_dim, ffn_hidden,
                 expert_hidden, experts, capacity, vocab=0, max_len=128):
        super().__init__()
        self.text = vocab > 0
        if self.text:
            self.embed = TextEmbedding(vocab, max_len, dim, dim)
        else:
            self.patch_embed = nn.Conv2d(channels, dim, patch, patch)
            self.pos_embed = nn.Parameter(torch.randn(1, (image // patch) ** 2, dim) * 0.02)
        layers = []
        for kind in recipe.replace(" ", "").upper() * repeats:
            layer = {"norm": RMSNorm(dim)}
            if kind == "A":
                layer["attn"] = BiasFreeAttention(dim, heads, head_dim)
            elif kind == "F":
                layer["ffn"] = GatedFFN(dim, ffn_hidden)
            else:
                layer["moe"] = ExpertChoiceMoE(dim, expert_hidden, experts, capacity)
            layers.append(nn.ModuleDict(layer))
        self.layers = nn.ModuleList(layers)
        self.norm = RMSNorm(dim)
        self.head = nn.Linear(dim, classes, bias=False)

    def forward(self, inputs, mask=None):
        x = self.embed(inputs) if self.text else self.patch_embed(inputs).flatten(2).transpose(1, 2) + self.pos_embed
        for layer in self.layers:
            h = layer["norm"](x)
            if "attn" in layer:
                x = x + layer["attn"](h, mask)
            elif "ffn" in layer:
                x = x + layer["ffn"](h)
            else:
                x = x + layer["moe"](h, mask)
        x = self.norm(x)
        return self.head(x[:, 0] if self.text else x.mean(1))


# ---- text encoders -----------------------------------------------------------------------------------------------

class TextEmbedding(nn.Module):
    """ALBERT's factorised embedding: token + position tables of size e, LayerNorm (eps 1e-12), projection e -> d
    (none when e == d)."""

    def __init__(self, vocab, max_len, e, d):
        super().__init__()
        self.tokens = nn.Parameter(torch.randn(vocab, e) * 0.02)
        self.positions = nn.Parameter(torch.randn(max_len, e) * 0.02)
        self.norm = nn.LayerNorm(e, eps=1e-12)
        self.proj = nn.Linear(e, d) if e != d else None

    def forward(self, ids):  # [B, L] -> [B, L, d]
        x = self.norm(self.tokens[ids] + self.positions[: ids.shape[1]])
        return x if self.proj is None else self.proj(x)


class TextEncoder(nn.Module):
    """Pre-LN encoder over token ids, [CLS] = first token through a tanh pooler. sharing: "widenet" (one attention and
    one top-k MoE for all blocks, own LayerNorms), "albert" (one attention and one dense FFN, own LayerNorms) or
    "none" (BERT-like: every block its own attention and FFN)."""

    def __init__(self, vocab, max_len, emb, classes, dim, heads, depth, hidden, sharing="widenet", experts=4, topk=2,
                 capacity=1.2, eval_capacity=2.0, aux_weight=0.01):
        super().__init__()
        self.sharing, self.aux_weight = sharing, aux_weight
        self.embed = TextEmbedding(vocab, max_len, emb, dim)
        if sharing != "none":
            self.attn = Attention(dim, heads)
        if sharing == "widenet":
            self.moe = TopKMoE(dim, hidden, experts, topk, capacity, eval_capacity, loop=True)
        if sharing == "albert":
            self.ffn = FFN(dim, hidden)
        blocks = []
        for _ in range(depth):
            blk = dict(ln_att=nn.LayerNorm(dim, eps=1e-6), ln_ffn=nn.LayerNorm(dim, eps=1e-6))
            if sharing == "none":
                blk.update(attn=Attention(dim, heads), ffn=FFN(dim, hidden))
            blocks.append(nn.ModuleDict(blk))
        self.blocks = nn.ModuleList(blocks)
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.pooler = nn.Linear(dim, dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, ids, mask=None):
        x = self.embed(ids)
        aux = x.new_zeros(())
        for b in self.blocks:
            attn = b["attn"] if self.sharing == "none" else self.attn
            x = x + attn(b["ln_att"](x), mask)
            h = b["ln_ffn"](x)
            if self.sharing == "widenet":
                m, a = self.moe(h, mask)
                x, aux = x + m, aux + a
            else:
                x = x + (b["ffn"] if self.sharing == "none" else self.ffn)(h)
        logits = self.head(torch.tanh(self.pooler(self.norm(x)[:, 0])))
        return logits, aux * self.aux_weight
