using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.ML.Tokenizers;
using WideNet.Torch;

namespace Microsoft.ML.WideNet.Text;

/// <summary>One encoded text (or text pair), padded to a fixed length.</summary>
/// <param name="Ids">Token ids: [CLS] a [SEP] (b [SEP]) then [PAD]s.</param>
/// <param name="AttentionMask">True at real tokens, false at padding.</param>
/// <param name="TokenTypeIds">0 for the first segment (with its [CLS] and [SEP]), 1 for the second, 0 at padding.</param>
public sealed record EncodedText(long[] Ids, bool[] AttentionMask, long[] TokenTypeIds)
{
    /// <summary>Number of real (non-padding) tokens.</summary>
    public int Length => AttentionMask.Count(m => m);
}

/// <summary>
/// Byte-level BPE tokenizer (GPT-2 style) learned from training text. Text is split into pieces (an optional single
/// leading space followed by a run of letters, of digits or of other symbols; or a run of whitespace), each piece is
/// UTF-8 encoded, and learned merges join bytes into subwords. Because the base vocabulary holds all 256 bytes, any
/// string — unseen scripts, emoji — encodes without [UNK], and <c>Decode(Encode(x)) == x</c> for every valid string.
/// Ids: [PAD]=0, [UNK]=1, [CLS]=2, [SEP]=3, [MASK]=4, bytes 5–260, then merges in the order learned.
/// Training is deterministic (frequency ties broken by the smaller pair of ids) and so is the JSON it saves; no two
/// tokens have the same bytes.
/// Training (learning the merges) is ours; encoding with them is Microsoft.ML.Tokenizers' <see cref="BpeTokenizer"/>
/// (byte level, fed our pre-tokenizer), which gives the same ids as the hand-written encoder it replaced on every
/// fortunes text (see the README, "Tokenizer: what Microsoft.ML.Tokenizers does and what stays ours").
/// Thread-safe for encoding and decoding.
/// </summary>
public sealed class ByteLevelBpeTokenizer
{
    /// <summary>Id of [PAD] (always 0).</summary>
    public const int PadId = 0;
    /// <summary>Id of [UNK] (never produced by byte-level encoding; kept for compatibility).</summary>
    public const int UnkId = 1;
    /// <summary>Id of [CLS].</summary>
    public const int ClsId = 2;
    /// <summary>Id of [SEP].</summary>
    public const int SepId = 3;
    /// <summary>Id of [MASK].</summary>
    public const int MaskId = 4;
    /// <summary>Number of special tokens (ids below it).</summary>
    public const int SpecialCount = 5;
    /// <summary>Id of byte 0; byte b has id FirstByteId + b.</summary>
    public const int FirstByteId = SpecialCount;
    /// <summary>Smallest possible vocabulary: the specials and the 256 bytes.</summary>
    public const int MinVocabularySize = SpecialCount + 256;

    /// <summary>Names of the special tokens by id.</summary>
    public static readonly string[] SpecialTokens = { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" };

    readonly (int left, int right)[] _merges;
    readonly byte[][] _bytes;                          // token id → its bytes
    readonly BpeTokenizer _encoder;                    // Microsoft.ML.Tokenizers, built from the same merges

    ByteLevelBpeTokenizer((int, int)[] merges)
    {
        _merges = merges;
        _bytes = new byte[MinVocabularySize + merges.Length][];
        // Microsoft.ML.Tokenizers' byte-level BPE names every token by its bytes in GPT-2's byte → character map.
        var vocabulary = new Dictionary<string, int>(_bytes.Length - SpecialCount, StringComparer.Ordinal);
        var names = new string[_bytes.Length];
        for (var i = 0; i < SpecialCount; i++) _bytes[i] = Array.Empty<byte>();
        for (var b = 0; b < 256; b++)
        {
            _bytes[FirstByteId + b] = new[] { (byte)b };
            names[FirstByteId + b] = ByteLevelName(_bytes[FirstByteId + b]);
            vocabulary.Add(names[FirstByteId + b], FirstByteId + b);
        }
        var mergeNames = new string[merges.Length];
        for (var i = 0; i < merges.Length; i++)
        {
            var (l, r) = merges[i];
            var id = MinVocabularySize + i;
            if (l < FirstByteId || r < FirstByteId || l >= id || r >= id)
                throw new InvalidDataException($"merge {i} ({l}, {r}) refers to a token that does not exist before it");
            _bytes[id] = _bytes[l].Concat(_bytes[r]).ToArray();
            names[id] = names[l] + names[r];
            // A vocabulary keyed by token text cannot hold two ids for the same bytes; Train never makes such a pair.
            if (!vocabulary.TryAdd(names[id], id))
                throw new InvalidDataException($"merge {i} ({l}, {r}) makes token {id} with the same bytes as token {vocabulary[names[id]]}");
            mergeNames[i] = names[l] + " " + names[r];
        }
        _encoder = BpeTokenizer.Create(new BpeOptions(vocabulary)
        {
            Merges = mergeNames,
            ByteLevel = true,
            PreTokenizer = PieceSplitter.Instance,
        });
    }

    /// <summary>GPT-2's reversible byte → printable character map, which <see cref="BpeOptions.ByteLevel"/> uses.</summary>
    static readonly char[] ByteLevelChars = CreateByteLevelChars();

    static char[] CreateByteLevelChars()
    {
        var map = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
            map[b] = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF ? (char)b : (char)next++;
        return map;
    }

    static string ByteLevelName(byte[] bytes) => string.Create(bytes.Length, bytes, (span, b) =>
    {
        for (var i = 0; i < b.Length; i++) span[i] = ByteLevelChars[b[i]];
    });

    /// <summary>Our <see cref="ByteLevelBpeTokenizer.PreTokenize(string)"/> as Microsoft.ML.Tokenizers' pre-tokenizer.</summary>
    sealed class PieceSplitter : PreTokenizer
    {
        public static readonly PieceSplitter Instance = new();
        public override IEnumerable<(int Offset, int Length)> PreTokenize(string text) => Pieces(text);
        public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text) => Pieces(text);
    }

    /// <summary>Total number of ids (specials + bytes + merges): the embedding table size a model needs.</summary>
    public int VocabularySize => _bytes.Length;

    /// <summary>The learned merges, as pairs of token ids, in the order learned.</summary>
    public IReadOnlyList<(int left, int right)> Merges => _merges;

    /// <summary>The bytes of token <paramref name="id"/> (empty for special tokens).</summary>
    public ReadOnlySpan<byte> TokenBytes(int id) => _bytes[id];

    /// <summary>Readable form of a token: the special name, or its bytes as UTF-8 (invalid sequences as \xNN).</summary>
    public string TokenToString(int id)
    {
        if (id < SpecialCount) return SpecialTokens[id];
        var b = _bytes[id];
        try { return new UTF8Encoding(false, true).GetString(b); }
        catch (DecoderFallbackException) { return string.Concat(b.Select(x => x < 0x80 ? ((char)x).ToString() : $"\\x{x:X2}")); }
    }

    // ---- training ------------------------------------------------------------------------------------------

    /// <summary>Learns merges from <paramref name="texts"/> until the vocabulary reaches <paramref name="vocabularySize"/>
    /// (or no pair occurs at least <paramref name="minPairFrequency"/> times). Deterministic for the same texts.</summary>
    public static ByteLevelBpeTokenizer Train(IEnumerable<string> texts, int vocabularySize, int minPairFrequency = 2)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (vocabularySize < MinVocabularySize)
            throw new ArgumentOutOfRangeException(nameof(vocabularySize), vocabularySize, $"the vocabulary must hold at least the {SpecialCount} special tokens and 256 bytes ({MinVocabularySize})");
        minPairFrequency = Math.Max(1, minPairFrequency);

        // Word (piece) frequencies; ordinal sort makes everything after independent of hash ordering.
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var text in texts)
        {
            if (string.IsNullOrEmpty(text)) continue;
            foreach (var range in PreTokenize(text))
            {
                var piece = text[range];
                counts[piece] = counts.TryGetValue(piece, out var c) ? c + 1 : 1;
            }
        }
        var wordList = counts.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToArray();
        var words = new List<int>[wordList.Length];
        var freq = new int[wordList.Length];
        for (var w = 0; w < wordList.Length; w++)
        {
            var bytes = Encoding.UTF8.GetBytes(wordList[w].Key);
            words[w] = new List<int>(bytes.Length);
            foreach (var b in bytes) words[w].Add(FirstByteId + b);
            freq[w] = wordList[w].Value;
        }

        var pairCounts = new Dictionary<(int, int), long>();
        var pairWords = new Dictionary<(int, int), HashSet<int>>();
        for (var w = 0; w < words.Length; w++)
        {
            var s = words[w];
            for (var i = 0; i + 1 < s.Count; i++)
            {
                var p = (s[i], s[i + 1]);
                pairCounts[p] = pairCounts.GetValueOrDefault(p) + freq[w];
                if (!pairWords.TryGetValue(p, out var set)) pairWords[p] = set = new HashSet<int>();
                set.Add(w);
            }
        }
        // Max-heap by count, ties by smaller (left, right); stale entries are skipped when popped.
        var heap = new PriorityQueue<(int, int), (long count, int left, int right)>(
            Comparer<(long count, int left, int right)>.Create((a, b) =>
                a.count != b.count ? b.count.CompareTo(a.count) : a.left != b.left ? a.left.CompareTo(b.left) : a.right.CompareTo(b.right)));
        foreach (var (p, c) in pairCounts) heap.Enqueue(p, (c, p.Item1, p.Item2));

        var merges = new List<(int, int)>();
        // Each token's bytes, one char per byte: a pair whose bytes another token already has is never learned, so
        // every token's bytes are distinct (the encoder's vocabulary is keyed by them). Never seen to happen.
        var tokenBytes = Enumerable.Range(0, 256).Select(b => ((char)b).ToString()).ToList();
        var known = new HashSet<string>(tokenBytes, StringComparer.Ordinal);
        var changed = new Dictionary<(int, int), long>();
        while (MinVocabularySize + merges.Count < vocabularySize && heap.TryDequeue(out var pair, out var pri))
        {
            if (!pairCounts.TryGetValue(pair, out var current) || current != pri.count) continue; // stale
            if (current < minPairFrequency) break;
            var pairBytes = tokenBytes[pair.Item1 - FirstByteId] + tokenBytes[pair.Item2 - FirstByteId];
            if (!known.Add(pairBytes)) continue;
            tokenBytes.Add(pairBytes);
            var newId = MinVocabularySize + merges.Count;
            merges.Add(pair);
            changed.Clear();
            var affected = pairWords[pair];
            pairWords.Remove(pair);
            pairCounts.Remove(pair);
            foreach (var w in affected.Order())
            {
                var s = words[w];
                var f = freq[w];
                // Remove the word's old pairs, merge, add the new ones (simple and exact).
                for (var i = 0; i + 1 < s.Count; i++)
                {
                    var p = (s[i], s[i + 1]);
                    if (p == pair) continue;
                    changed[p] = changed.GetValueOrDefault(p) - f;
                }
                var merged = new List<int>(s.Count);
                for (var i = 0; i < s.Count; i++)
                {
                    if (i + 1 < s.Count && s[i] == pair.Item1 && s[i + 1] == pair.Item2) { merged.Add(newId); i++; }
                    else merged.Add(s[i]);
                }
                words[w] = merged;
                for (var i = 0; i + 1 < merged.Count; i++)
                {
                    var p = (merged[i], merged[i + 1]);
                    changed[p] = changed.GetValueOrDefault(p) + f;
                    if (!pairWords.TryGetValue(p, out var set)) pairWords[p] = set = new HashSet<int>();
                    set.Add(w);
                }
            }
            foreach (var (p, delta) in changed)
            {
                if (delta == 0) continue;
                var c = pairCounts.GetValueOrDefault(p) + delta;
                if (c <= 0) { pairCounts.Remove(p); continue; }
                pairCounts[p] = c;
                heap.Enqueue(p, (c, p.Item1, p.Item2));
            }
        }
        return new ByteLevelBpeTokenizer(merges.ToArray());
    }

    // ---- pre-tokenisation ----------------------------------------------------------------------------------

    enum Kind { Space, Letter, Digit, Other }

    static Kind KindOf(Rune r) =>
        Rune.IsWhiteSpace(r) ? Kind.Space
        : Rune.IsLetter(r) || Rune.GetUnicodeCategory(r) is System.Globalization.UnicodeCategory.NonSpacingMark
            or System.Globalization.UnicodeCategory.SpacingCombiningMark or System.Globalization.UnicodeCategory.EnclosingMark ? Kind.Letter
        : Rune.IsDigit(r) || Rune.IsNumber(r) ? Kind.Digit
        : Kind.Other;

    /// <summary>The code point at <paramref name="i"/>; a lone surrogate counts as one "other" symbol of length 1.</summary>
    static (Kind kind, int length) At(ReadOnlySpan<char> text, int i)
    {
        if (Rune.DecodeFromUtf16(text[i..], out var r, out var n) == OperationStatus.Done) return (KindOf(r), n);
        return (Kind.Other, 1);
    }

    /// <summary>Splits text into pieces at code-point boundaries (never inside a surrogate pair): a run of letters,
    /// digits or other symbols, each with at most one leading ' ' taken from the whitespace before it, or a run of
    /// whitespace. The pieces concatenate to the text.</summary>
    public static List<Range> PreTokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Pieces(text).ConvertAll(p => new Range(p.Offset, p.Offset + p.Length));
    }

    static List<(int Offset, int Length)> Pieces(ReadOnlySpan<char> text)
    {
        var result = new List<(int Offset, int Length)>();
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            var kind = At(text, i).kind;
            if (kind == Kind.Space)
            {
                var j = i;
                while (j < text.Length && At(text, j) is { kind: Kind.Space } sp) j += sp.length;
                // A final ' ' before a word joins that word.
                if (j < text.Length && j - 1 > i && text[j - 1] == ' ') { result.Add((start, j - 1 - start)); i = j - 1; continue; }
                if (j < text.Length && j - 1 == i && text[i] == ' ') { i++; kind = At(text, i).kind; }
                else { result.Add((start, j - start)); i = j; continue; }
            }
            while (i < text.Length)
            {
                var (k, len) = At(text, i);
                if (k != kind) break;
                i += len;
            }
            result.Add((start, i - start));
        }
        return result;
    }

    // ---- encoding ------------------------------------------------------------------------------------------

    /// <summary>The token ids of <paramref name="text"/> without special tokens (text such as "[CLS]" is encoded as
    /// bytes like any other). An unpaired surrogate encodes as U+FFFD, as <see cref="Encoding.UTF8"/> writes it.</summary>
    public int[] Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = _encoder.EncodeToIds(WithoutLoneSurrogates(text), considerPreTokenization: true, considerNormalization: false);
        return ids as int[] ?? ids.ToArray();
    }

    /// <summary><paramref name="text"/> with each unpaired surrogate replaced by U+FFFD (same length, so the same
    /// pieces); Microsoft.ML.Tokenizers would otherwise encode it as three bytes that are not UTF-8.</summary>
    static string WithoutLoneSurrogates(string text)
    {
        var i = text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF');
        if (i < 0) return text;
        char[]? copy = null;
        for (; i < text.Length; i++)
        {
            if (!char.IsSurrogate(text[i])) continue;
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { i++; continue; }
            (copy ??= text.ToCharArray())[i] = '\uFFFD';
        }
        return copy is null ? text : new string(copy);
    }

    /// <summary>Encodes one text as [CLS] tokens [SEP], truncated to <paramref name="maxLength"/> tokens (the final
    /// [SEP] is kept) and, with <paramref name="pad"/>, padded with [PAD] to exactly that length.</summary>
    public EncodedText Encode(string text, int maxLength, bool pad = true) => Encode(text, null, maxLength, pad);

    /// <summary>Encodes a text pair as [CLS] a [SEP] b [SEP] (or a single text when <paramref name="second"/> is null),
    /// truncating the longer segment first until it fits <paramref name="maxLength"/>.</summary>
    public EncodedText Encode(string first, string? second, int maxLength, bool pad = true)
    {
        var specials = second is null ? 2 : 3;
        if (maxLength < specials) throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, $"maxLength must leave room for {specials} special tokens");
        var a = Tokenize(first);
        var b = second is null ? Array.Empty<int>() : Tokenize(second);
        int la = a.Length, lb = b.Length;
        var budget = maxLength - specials;
        while (la + lb > budget)
        {
            if (la >= lb) la--; else lb--;
        }
        var total = specials + la + lb;
        var length = pad ? maxLength : total;
        var ids = new long[length];
        var mask = new bool[length];
        var types = new long[length];
        var k = 0;
        ids[k++] = ClsId;
        for (var i = 0; i < la; i++) ids[k++] = a[i];
        ids[k++] = SepId;
        if (second is not null)
        {
            var segStart = k;
            for (var i = 0; i < lb; i++) ids[k++] = b[i];
            ids[k++] = SepId;
            for (var i = segStart; i < k; i++) types[i] = 1;
        }
        for (var i = 0; i < k; i++) mask[i] = true;
        return new EncodedText(ids, mask, types);
    }

    /// <summary>Encodes many texts (optionally pairs) into int64 ids [B, L] and a bool attention mask [B, L], L =
    /// <paramref name="maxLength"/> (or the longest encoded text when <paramref name="padToLongest"/>).</summary>
    public (Tensor ids, Tensor attentionMask) EncodeBatch(IReadOnlyList<string> texts, int maxLength, IReadOnlyList<string>? seconds = null, bool padToLongest = false)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (seconds is not null && seconds.Count != texts.Count) throw new ArgumentException("first and second texts differ in count", nameof(seconds));
        var enc = new EncodedText[texts.Count];
        Parallel.For(0, texts.Count, i => enc[i] = Encode(texts[i], seconds?[i], maxLength, pad: true));
        var l = padToLongest ? Math.Max(1, enc.Select(e => e.Length).DefaultIfEmpty(1).Max()) : maxLength;
        var ids = new long[texts.Count * l];
        var mask = new bool[texts.Count * l];
        for (var i = 0; i < enc.Length; i++)
        {
            Array.Copy(enc[i].Ids, 0, ids, i * l, l);
            Array.Copy(enc[i].AttentionMask, 0, mask, i * l, l);
        }
        return (torch.tensor(ids, texts.Count, l), torch.tensor(mask, texts.Count, l));
    }

    /// <summary>The text of <paramref name="ids"/>: token bytes concatenated and decoded as UTF-8. Special tokens
    /// are skipped (or written as their names when <paramref name="skipSpecialTokens"/> is false); ids outside the
    /// vocabulary throw.</summary>
    public string Decode(IEnumerable<long> ids, bool skipSpecialTokens = true)
    {
        var bytes = new List<byte>();
        var sb = new StringBuilder();
        void Flush() { if (bytes.Count > 0) { sb.Append(Encoding.UTF8.GetString(bytes.ToArray())); bytes.Clear(); } }
        foreach (var id in ids)
        {
            if (id < 0 || id >= _bytes.Length) throw new ArgumentOutOfRangeException(nameof(ids), id, $"token id outside the vocabulary of {_bytes.Length}");
            if (id < SpecialCount)
            {
                if (skipSpecialTokens) continue;
                Flush();
                sb.Append(SpecialTokens[id]);
                continue;
            }
            bytes.AddRange(_bytes[id]);
        }
        Flush();
        return sb.ToString();
    }

    /// <summary>The text of <paramref name="ids"/> (int overload).</summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = true) => Decode(ids.Select(i => (long)i), skipSpecialTokens);

    // ---- persistence ---------------------------------------------------------------------------------------

    /// <summary>The tokenizer as JSON: type, version, special tokens, vocabulary size and merges (pairs of ids).
    /// The same tokenizer always gives the same bytes.</summary>
    public string ToJson()
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = false }))
        {
            w.WriteStartObject();
            w.WriteString("type", "byte_level_bpe");
            w.WriteNumber("version", 1);
            w.WriteNumber("vocab_size", VocabularySize);
            w.WriteStartArray("special_tokens");
            foreach (var s in SpecialTokens) w.WriteStringValue(s);
            w.WriteEndArray();
            w.WriteStartArray("merges");
            foreach (var (l, r) in _merges)
            {
                w.WriteStartArray();
                w.WriteNumberValue(l);
                w.WriteNumberValue(r);
                w.WriteEndArray();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>Reads a tokenizer written by <see cref="ToJson"/>; a damaged document throws <see cref="InvalidDataException"/>.</summary>
    public static ByteLevelBpeTokenizer FromJson(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (root.GetProperty("type").GetString() != "byte_level_bpe") throw new InvalidDataException("not a byte-level BPE tokenizer");
            var specials = root.GetProperty("special_tokens").EnumerateArray().Select(e => e.GetString()).ToArray();
            if (!specials.SequenceEqual(SpecialTokens)) throw new InvalidDataException($"unexpected special tokens [{string.Join(", ", specials)}]");
            var merges = root.GetProperty("merges").EnumerateArray().Select(e =>
            {
                var a = e.EnumerateArray().Select(x => x.GetInt32()).ToArray();
                if (a.Length != 2) throw new InvalidDataException("a merge must be a pair of ids");
                return (a[0], a[1]);
            }).ToArray();
            var t = new ByteLevelBpeTokenizer(merges);
            if (root.TryGetProperty("vocab_size", out var vs) && vs.GetInt32() != t.VocabularySize)
                throw new InvalidDataException($"vocab_size {vs.GetInt32()} does not match the {t.VocabularySize} tokens the merges define");
            return t;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException("damaged tokenizer JSON: " + e.Message, e);
        }
    }

    /// <summary>Writes <see cref="ToJson"/> to a file atomically (temporary file, then rename).</summary>
    public void Save(string path)
    {
        var full = Path.GetFullPath(path);
        var tmp = full + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        try
        {
            File.WriteAllText(tmp, ToJson(), new UTF8Encoding(false));
            File.Move(tmp, full, overwrite: true);
        }
        finally { if (File.Exists(tmp)) File.Delete(tmp); }
    }

    /// <summary>Reads a tokenizer file; errors name the file.</summary>
    public static ByteLevelBpeTokenizer Load(string path)
    {
        try { return FromJson(File.ReadAllText(path)); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
    }
}
