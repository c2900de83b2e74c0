// Proves the safetensors format both ways for every dtype (float32, float16, bfloat16, float64, int64, int32,
// uint8, bool, int8, int16): files written in C# are read bit-exactly by python using only json + struct +
// torch.frombuffer (no safetensors package), files written that way in python are read bit-exactly in C#, and
// damaged or truncated files throw InvalidDataException naming the problem.
using System.Buffers.Binary;
using System.Text;
using WideNet.Torch;
using WideNet.Torch.Serialization;
using static WideNet.Torch.torch;

namespace WideNet.Torch.Tests;

public class SafetensorsTests
{
    static readonly ScalarType[] AllTypes =
    {
        ScalarType.Float32, ScalarType.Float16, ScalarType.BFloat16, ScalarType.Float64, ScalarType.Int64,
        ScalarType.Int32, ScalarType.UInt8, ScalarType.Bool, ScalarType.Int8, ScalarType.Int16,
    };

    static Dictionary<string, Tensor> Sample()
    {
        using var g = new Generator(21);
        var d = new Dictionary<string, Tensor>();
        foreach (var t in AllTypes)
        {
            var shape = t == ScalarType.Int8 ? new long[] { 7 } : new long[] { 2, 3, 5 };
            d["w." + t.TorchName()] = t switch
            {
                ScalarType.Bool => rand(shape, g).gt(0.5),
                ScalarType.UInt8 or ScalarType.Int8 or ScalarType.Int16 or ScalarType.Int32 or ScalarType.Int64 =>
                    randint(t == ScalarType.UInt8 ? 0 : -100, 100, shape, g, t),
                _ => (randn(shape, g) * 10).to(t),
            };
        }
        d["scalar"] = scalar_tensor(3.5, ScalarType.Float64);
        d["empty"] = zeros(new long[] { 0, 4 });
        d["noncontiguous"] = randn(new long[] { 3, 4 }, g).transpose(0, 1);
        return d;
    }

    const string PyRead = """
        with open(path, 'rb') as f:
            data = f.read()
        (n,) = struct.unpack('<Q', data[:8])
        header = json.loads(data[8:8 + n].decode('utf-8'))
        body = data[8 + n:]
        codes = {'F32': torch.float32, 'F16': torch.float16, 'BF16': torch.bfloat16, 'F64': torch.float64, 'I64': torch.int64,
                 'I32': torch.int32, 'I16': torch.int16, 'I8': torch.int8, 'U8': torch.uint8, 'BOOL': torch.bool}
        meta = header.pop('__metadata__', {})
        assert meta == {'format': 'pt', 'note': 'héllo'}, meta
        out = []
        for name in names:
            e = header[name]
            a, b = e['data_offsets']
            raw = bytearray(body[a:b])
            t = torch.frombuffer(raw, dtype=codes[e['dtype']]) if raw else torch.empty(0, dtype=codes[e['dtype']])
            out.append(t.reshape(e['shape']).clone())
        """;

    const string PyWrite = """
        codes = {torch.float32: 'F32', torch.float16: 'F16', torch.bfloat16: 'BF16', torch.float64: 'F64', torch.int64: 'I64',
                 torch.int32: 'I32', torch.int16: 'I16', torch.int8: 'I8', torch.uint8: 'U8', torch.bool: 'BOOL'}
        g = torch.Generator().manual_seed(5)
        tensors = {}
        for name, dt in [(n, getattr(torch, n)) for n in ['float32', 'float16', 'bfloat16', 'float64', 'int64', 'int32', 'uint8', 'bool', 'int8', 'int16']]:
            if dt == torch.bool:
                t = torch.rand(3, 4, generator=g) > 0.5
            elif dt.is_floating_point:
                t = (torch.randn(3, 4, generator=g) * 10).to(dt)
            else:
                t = torch.randint(0 if dt == torch.uint8 else -50, 50, (3, 4), generator=g).to(dt)
            tensors['py.' + name] = t
        header, blobs, off = {'__metadata__': {'source': 'python'}}, [], 0
        for name, t in tensors.items():
            raw = (t.view(torch.int16) if t.dtype in (torch.float16, torch.bfloat16) else t).numpy().tobytes()
            header[name] = {'dtype': codes[t.dtype], 'shape': list(t.shape), 'data_offsets': [off, off + len(raw)]}
            blobs.append(raw); off += len(raw)
        h = json.dumps(header).encode('utf-8')
        h += b' ' * ((8 - len(h) % 8) % 8)
        with open(path, 'wb') as f:
            f.write(struct.pack('<Q', len(h)) + h + b''.join(blobs))
        out = list(tensors.values())
        """;

    [Fact]
    public void CSharpWritesPythonReadsEveryDtype()
    {
        using var scope = NewDisposeScope();
        var sample = Sample();
        var path = Path.Combine(Path.GetTempPath(), $"wn-st-{Guid.NewGuid():N}.safetensors");
        try
        {
            Safetensors.Save(path, sample, new Dictionary<string, string> { ["format"] = "pt", ["note"] = "héllo" });
            var back = Oracle.Run1(PyRead, args: new Dictionary<string, object> { ["path"] = path, ["names"] = sample.Keys.ToArray() });
            Assert.Equal(sample.Count, back.Length);
            var i = 0;
            foreach (var (name, t) in sample)
            {
                var r = back[i++];
                Assert.Equal(t.dtype, r.dtype);
                Assert.Equal(t.shape, r.shape);
                Assert.True(Oracle.RawBytes(t).SequenceEqual(Oracle.RawBytes(r)), $"{name}: bytes differ");
            }
            // And C# reads its own file back.
            var loaded = Safetensors.Load(path, out var meta);
            Assert.Equal("héllo", meta["note"]);
            Assert.Equal(sample.Keys, loaded.Keys);
            foreach (var (name, t) in sample)
                Assert.True(Oracle.RawBytes(t).SequenceEqual(Oracle.RawBytes(loaded[name])), name);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void PythonWritesCSharpReadsEveryDtype()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(Path.GetTempPath(), $"wn-st-{Guid.NewGuid():N}.safetensors");
        try
        {
            var expected = Oracle.Run1(PyWrite, args: new Dictionary<string, object> { ["path"] = path });
            var loaded = Safetensors.Load(path, out var meta);
            Assert.Equal("python", meta["source"]);
            Assert.Equal(AllTypes.Length, loaded.Count);
            var i = 0;
            foreach (var (name, t) in loaded)
            {
                var e = expected[i++];
                Assert.Equal("py." + e.dtype.TorchName(), name);
                Assert.Equal(e.dtype, t.dtype);
                Assert.Equal(new long[] { 3, 4 }, t.shape);
                Assert.True(Oracle.RawBytes(e).SequenceEqual(Oracle.RawBytes(t)), $"{name}: bytes differ");
            }
        }
        finally { File.Delete(path); }
    }

    static byte[] File1()
    {
        using var t = arange(0, 6, 1, ScalarType.Float32);
        return Safetensors.Serialize(new[] { KeyValuePair.Create("w", t) });
    }

    static byte[] WithHeader(string json, int bodyBytes = 24)
    {
        var h = Encoding.UTF8.GetBytes(json);
        var b = new byte[8 + h.Length + bodyBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(b, (ulong)h.Length);
        h.CopyTo(b, 8);
        return b;
    }

    public static IEnumerable<object[]> Damaged => new[]
    {
        new object[] { "empty", Array.Empty<byte>(), "shorter than its 8-byte header" },
        new object[] { "5 bytes", new byte[5], "shorter than its 8-byte header" },
        new object[] { "truncated data", File1()[..^4], "outside" },
        new object[] { "truncated header", File1()[..20], "exceeds the file size" },
        new object[] { "huge header length", WithHeader("{}").Select((b, i) => i == 7 ? (byte)0x7f : b).ToArray(), "exceeds the file size" },
        new object[] { "bad json", WithHeader("{\"w\": {\"dtype\": "), "damaged safetensors header" },
        new object[] { "root not an object", WithHeader("[1, 2]"), "damaged safetensors header" },
        new object[] { "unknown dtype", WithHeader("{\"w\":{\"dtype\":\"C64\",\"shape\":[2],\"data_offsets\":[0,16]}}"), "unsupported dtype C64" },
        new object[] { "missing dtype", WithHeader("{\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}}"), "damaged safetensors header" },
        new object[] { "size mismatch", WithHeader("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}"), "expected 12" },
        new object[] { "offsets reversed", WithHeader("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}"), "outside" },
        new object[] { "offsets past end", WithHeader("{\"w\":{\"dtype\":\"F32\",\"shape\":[8],\"data_offsets\":[0,32]}}"), "outside" },
        new object[] { "shape not numbers", WithHeader("{\"w\":{\"dtype\":\"F32\",\"shape\":[\"a\"],\"data_offsets\":[0,4]}}"), "damaged safetensors header" },
        new object[] { "negative shape", WithHeader("{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}"), "negative" },
    };

    [Theory]
    [MemberData(nameof(Damaged))]
    public void DamagedFilesThrowInvalidData(string what, byte[] data, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => Safetensors.Deserialize(data, out _));
        Assert.Contains(expected, e.Message);
        Assert.False(string.IsNullOrEmpty(what));
        var path = Path.Combine(Path.GetTempPath(), $"wn-bad-{Guid.NewGuid():N}.safetensors");
        File.WriteAllBytes(path, data);
        try { Assert.Contains(path, Assert.Throws<InvalidDataException>(() => Safetensors.Load(path)).Message); }
        finally { File.Delete(path); }
    }
}
