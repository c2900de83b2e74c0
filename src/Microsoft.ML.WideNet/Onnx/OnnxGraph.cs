using System.Runtime.InteropServices;
using WideNet.Torch;

namespace Microsoft.ML.WideNet.Onnx;

/// <summary>
/// Builds one ONNX graph (opset <see cref="Opset"/>) node by node. Values are named strings; each method adds one
/// operator and is named after PyTorch's function where one exists (<c>matmul</c>, <c>softmax</c>, <c>topk</c>,
/// <c>index_select</c>), so an exporter reads like the module's forward pass. Parameters become initializers under
/// their state-dict names, each stored once however often a shared layer is applied.
/// </summary>
internal sealed class OnnxGraph
{
    /// <summary>The operator set the graph is written for (LayerNormalization needs 17; ScatterND's add reduction 16).</summary>
    public const int Opset = 17;
    /// <summary>ONNX IR version of opset 17 (IR 8).</summary>
    public const int IrVersion = 8;

    readonly GraphProto _graph = new() { Name = "widenet" };
    readonly Dictionary<Tensor, string> _parameterNames = new(ReferenceEqualityComparer.Instance);
    readonly HashSet<string> _written = new();
    int _next;

    /// <summary>A graph whose parameters are named as in <paramref name="parameters"/> (a module's named parameters and buffers).</summary>
    public OnnxGraph(IEnumerable<(string name, Tensor parameter)> parameters)
    {
        foreach (var (n, t) in parameters) _parameterNames[t] = n;
    }

    /// <summary>The graph built so far.</summary>
    public GraphProto Proto => _graph;

    // ---- inputs, outputs, initializers -------------------------------------------------------------------------

    /// <summary>Declares a graph input; a null dimension is dynamic, named by <paramref name="dimNames"/>.</summary>
    public string Input(string name, OnnxType type, long?[] shape, string[]? dimNames = null)
    {
        _graph.Input.Add(ValueInfo(name, type, shape, dimNames));
        return name;
    }

    /// <summary>Names <paramref name="value"/> as a graph output (through Identity when it has another name).</summary>
    public void Output(string value, string name, OnnxType type, long?[] shape, string[]? dimNames = null)
    {
        if (value != name) Add("Identity", new[] { value }, 1, name: name);
        _graph.Output.Add(ValueInfo(name, type, shape, dimNames));
    }

    static ValueInfoProto ValueInfo(string name, OnnxType type, long?[] shape, string[]? dimNames) => new()
    {
        Name = name,
        Type = new TypeProto
        {
            TensorType = new TensorTypeProto
            {
                ElemType = type,
                Shape = new TensorShapeProto
                {
                    Dim = shape.Select((d, i) => d is { } v ? new TensorShapeProto.Dimension { DimValue = v }
                                                             : new TensorShapeProto.Dimension { DimParam = dimNames?[i] ?? $"d{i}" }).ToList(),
                },
            },
        },
    };

    /// <summary>A parameter of the exported module as an initializer (float32, under its state-dict name).</summary>
    public string Weight(Tensor parameter)
    {
        if (!_parameterNames.TryGetValue(parameter, out var name))
            throw new InvalidOperationException($"a tensor of shape [{string.Join(", ", parameter.shape)}] is not a parameter of the exported module");
        if (!_written.Add(name)) return name;
        using var cpu = parameter.detach().to(global::WideNet.Torch.Device.CPU).to(ScalarType.Float32).contiguous();
        _graph.Initializer.Add(Tensor(name, OnnxType.Float, parameter.shape, MemoryMarshal.AsBytes(cpu.ToArray<float>().AsSpan()).ToArray()));
        return name;
    }

    /// <summary>A float32 constant.</summary>
    public string Const(float[] values, params long[] dims) => Constant(OnnxType.Float, dims, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
    /// <summary>An int64 constant.</summary>
    public string Const(long[] values, params long[] dims) => Constant(OnnxType.Int64, dims, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
    /// <summary>A float64 constant.</summary>
    public string Const(double[] values, params long[] dims) => Constant(OnnxType.Double, dims, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
    /// <summary>A 1-d int64 constant (shapes, axes, indices).</summary>
    public string Ints(params long[] values) => Const(values, values.Length);
    /// <summary>A float32 scalar (0-d).</summary>
    public string Scalar(float value) => Const(new[] { value });
    /// <summary>A float64 scalar (0-d).</summary>
    public string Scalar(double value) => Const(new[] { value });
    /// <summary>An int64 scalar (0-d).</summary>
    public string Scalar(long value) => Const(new[] { value });

    string Constant(OnnxType type, long[] dims, byte[] bytes)
    {
        var name = $"const_{_next++}";
        _graph.Initializer.Add(Tensor(name, type, dims, bytes));
        return name;
    }

    static TensorProto Tensor(string name, OnnxType type, long[] dims, byte[] bytes)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw data is little-endian");
        return new TensorProto { Name = name, DataType = type, Dims = dims.ToList(), RawData = bytes };
    }

    // ---- nodes --------------------------------------------------------------------------------------------------

    /// <summary>Adds an operator with <paramref name="outputs"/> results; empty input names mean omitted optional inputs.</summary>
    public string[] Add(string op, string[] inputs, int outputs = 1, string? name = null, params AttributeProto[] attributes)
    {
        var id = _next++;
        var node = new NodeProto { OpType = op, Name = $"{op}_{id}", Input = inputs.ToList() };
        for (var i = 0; i < outputs; i++) node.Output.Add(name is not null && outputs == 1 ? name : $"{op}_{id}_{i}");
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return node.Output.ToArray();
    }

    string One(string op, string[] inputs, params AttributeProto[] attributes) => Add(op, inputs, 1, null, attributes)[0];

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeType.Int, I = value };
    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeType.Float, F = value };
    public static AttributeProto IntList(string name, params long[] values) => new() { Name = name, Type = AttributeType.Ints, Ints = values.ToList() };
    public static AttributeProto Text(string name, string value) => new() { Name = name, Type = AttributeType.String, S = System.Text.Encoding.UTF8.GetBytes(value) };
    public static AttributeProto TensorValue(string name, TensorProto value) => new() { Name = name, Type = AttributeType.Tensor, T = value };

    // arithmetic (broadcasting as numpy)
    public string add(string a, string b) => One("Add", new[] { a, b });
    public string sub(string a, string b) => One("Sub", new[] { a, b });
    public string mul(string a, string b) => One("Mul", new[] { a, b });
    public string div(string a, string b) => One("Div", new[] { a, b });
    public string remainder(string a, string b) => One("Mod", new[] { a, b });
    public string matmul(string a, string b) => One("MatMul", new[] { a, b });
    public string maximum(string a, string b) => One("Max", new[] { a, b });
    public string minimum(string a, string b) => One("Min", new[] { a, b });
    public string ceil(string x) => One("Ceil", new[] { x });
    public string floor(string x) => One("Floor", new[] { x });
    public string tanh(string x) => One("Tanh", new[] { x });
    public string sqrt(string x) => One("Sqrt", new[] { x });
    public string reciprocal(string x) => One("Reciprocal", new[] { x });

    /// <summary>Exact GELU, x·½(1 + erf(x/√2)), as LibTorch's default (ONNX's Gelu operator needs opset 20).</summary>
    public string gelu(string x)
    {
        var e = One("Erf", new[] { mul(x, Scalar((float)(1 / Math.Sqrt(2)))) });
        return mul(mul(x, Scalar(0.5f)), add(e, Scalar(1f)));
    }

    /// <summary>y = x·Wᵀ + b for a weight [out, in].</summary>
    public string linear(string x, Tensor weight, Tensor? bias)
    {
        var y = matmul(x, t(Weight(weight)));
        return bias is null ? y : add(y, Weight(bias));
    }

    // comparisons and selection
    public string lt(string a, string b) => One("Less", new[] { a, b });
    public string logical_and(string a, string b) => One("And", new[] { a, b });
    public string logical_not(string a) => One("Not", new[] { a });
    public string where(string condition, string a, string b) => One("Where", new[] { condition, a, b });
    public string to(string x, OnnxType type) => One("Cast", new[] { x }, Int("to", (long)type));

    // reductions and normalisation
    public string softmax(string x, long axis) => One("Softmax", new[] { x }, Int("axis", axis));
    public string log_softmax(string x, long axis) => One("LogSoftmax", new[] { x }, Int("axis", axis));
    public string sum(string x, long[] axes, bool keepdim = false) => One("ReduceSum", new[] { x, Ints(axes) }, Int("keepdims", keepdim ? 1 : 0));
    public string mean(string x, long[] axes, bool keepdim = false) => One("ReduceMean", new[] { x }, IntList("axes", axes), Int("keepdims", keepdim ? 1 : 0));
    public string cumsum(string x, long axis) => One("CumSum", new[] { x, Scalar(axis) });
    public string layer_norm(string x, Tensor weight, Tensor bias, double eps) =>
        One("LayerNormalization", new[] { x, Weight(weight), Weight(bias) }, Int("axis", -1), Float("epsilon", (float)eps));
    /// <summary>x·rsqrt(mean(x²) + eps)·w over the last dimension.</summary>
    public string rms_norm(string x, Tensor weight, double eps)
    {
        var ms = mean(mul(x, x), new long[] { -1 }, keepdim: true);
        return mul(mul(x, reciprocal(sqrt(add(ms, Scalar((float)eps))))), Weight(weight));
    }
    /// <summary>Values and int64 indices of the <paramref name="k"/> (an int64 [1] value) largest along the last axis, best first.</summary>
    public (string values, string indices) topk(string x, string k)
    {
        var r = Add("TopK", new[] { x, k }, 2, null, Int("axis", -1), Int("largest", 1), Int("sorted", 1));
        return (r[0], r[1]);
    }

    // shapes
    public string shape(string x) => One("Shape", new[] { x });
    /// <summary>Dimension <paramref name="dim"/> of <paramref name="x"/> as an int64 [1].</summary>
    public string size(string x, long dim) => One("Gather", new[] { shape(x), Ints(dim) }, Int("axis", 0));
    public string reshape(string x, string shape) => One("Reshape", new[] { x, shape });
    public string reshape(string x, params long[] shape) => reshape(x, Ints(shape));
    public string permute(string x, params long[] perm) => One("Transpose", new[] { x }, IntList("perm", perm));
    /// <summary>The transpose of a rank-2 value.</summary>
    public string t(string x) => permute(x, 1, 0);
    /// <summary>x[..., index, ...] along <paramref name="axis"/>, that axis removed.</summary>
    public string select(string x, long axis, long index) => One("Gather", new[] { x, Scalar(index) }, Int("axis", axis));
    public string cat(string[] values, long axis) => One("Concat", values, Int("axis", axis));
    public string unsqueeze(string x, params long[] axes) => One("Unsqueeze", new[] { x, Ints(axes) });
    public string squeeze(string x, params long[] axes) => One("Squeeze", new[] { x, Ints(axes) });
    public string expand(string x, string shape) => One("Expand", new[] { x, shape });
    /// <summary>x[start:end] along <paramref name="axis"/>; bounds are int64 [1] values.</summary>
    public string narrow(string x, long axis, string start, string end) => One("Slice", new[] { x, start, end, Ints(axis) });
    /// <summary>x zero-padded: <paramref name="pads"/> lists the starts of every axis, then the ends (ONNX's order).</summary>
    public string pad(string x, params long[] pads) => One("Pad", new[] { x, Ints(pads) }, Text("mode", "constant"));
    /// <summary>x reversed along <paramref name="axis"/> (torch's flip).</summary>
    public string flip(string x, long axis) => One("Slice", new[] { x, Ints(-1), Ints(long.MinValue), Ints(axis), Ints(-1) });
    /// <summary>0..n−1 as int64 [n] for an int64 [1] <paramref name="n"/>.</summary>
    public string arange(string n) => One("Range", new[] { Scalar(0L), squeeze(n, 0), Scalar(1L) });
    /// <summary>A value of the given shape (an int64 1-d value) filled with a float32 zero.</summary>
    public string zeros(string shape) => One("ConstantOfShape", new[] { shape }, TensorValue("value", Tensor("", OnnxType.Float, new long[] { 1 }, new byte[4])));

    // indexing
    /// <summary>Rows <paramref name="index"/> of <paramref name="x"/> along axis 0 (index any shape: the result is index's shape + x's trailing shape).</summary>
    public string index_select(string x, string index) => One("Gather", new[] { x, index }, Int("axis", 0));
    /// <summary>One-hot float32 [..., depth] of int64 indices.</summary>
    public string one_hot(string indices, long depth) => One("OneHot", new[] { indices, Ints(depth), Const(new[] { 0f, 1f }, 2) }, Int("axis", -1));
    /// <summary>data[index[i]] = src[i] along axis 0 (1-d; later writes win where indices repeat).</summary>
    public string scatter(string data, string index, string src) => One("ScatterElements", new[] { data, index, src }, Int("axis", 0));
    /// <summary>data[index[i], :] += src[i, :] (torch's index_add on dim 0).</summary>
    public string index_add(string data, string index, string src) =>
        One("ScatterND", new[] { data, unsqueeze(index, 1), src }, Text("reduction", "add"));
    public string conv2d(string x, Tensor weight, Tensor bias, long stride, long padding = 0)
    {
        var k = weight.shape;
        return One("Conv", new[] { x, Weight(weight), Weight(bias) }, IntList("kernel_shape", k[2], k[3]), IntList("strides", stride, stride),
                   IntList("pads", padding, padding, padding, padding));
    }

    /// <summary>The model: this graph, opset <see cref="Opset"/>, and metadata properties.</summary>
    public ModelProto ToModel(IEnumerable<KeyValuePair<string, string>> metadata, string docString) => new()
    {
        IrVersion = IrVersion,
        ProducerName = "WideNet.MLNet",
        ProducerVersion = typeof(OnnxGraph).Assembly.GetName().Version?.ToString() ?? "0",
        Domain = "ai.widenet",
        ModelVersion = 1,
        DocString = docString,
        Graph = _graph,
        OpsetImport = { new OperatorSetIdProto { Domain = "", Version = Opset } },
        MetadataProps = metadata.Select(kv => new StringStringEntryProto { Key = kv.Key, Value = kv.Value }).ToList(),
    };
}
