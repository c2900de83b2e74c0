using ProtoBuf;

namespace Microsoft.ML.WideNet.Onnx;

// The subset of ONNX's IR (onnx.proto, proto2) that an exported classifier uses, as protobuf-net contracts: message
// and field numbers are ONNX's, the serialisation is protobuf-net's. Fields not listed here are never written.

/// <summary>ONNX element types (TensorProto.DataType) the exporter writes.</summary>
internal enum OnnxType { Float = 1, Int64 = 7, Bool = 9, Double = 11 }

/// <summary>AttributeProto.AttributeType.</summary>
internal enum AttributeType { Float = 1, Int = 2, String = 3, Tensor = 4, Floats = 6, Ints = 7 }

[ProtoContract]
internal sealed class ModelProto
{
    [ProtoMember(1)] public long IrVersion;
    [ProtoMember(2)] public string? ProducerName;
    [ProtoMember(3)] public string? ProducerVersion;
    [ProtoMember(4)] public string? Domain;
    [ProtoMember(5)] public long ModelVersion;
    [ProtoMember(6)] public string? DocString;
    [ProtoMember(7)] public GraphProto? Graph;
    [ProtoMember(8)] public List<OperatorSetIdProto> OpsetImport = new();
    [ProtoMember(14)] public List<StringStringEntryProto> MetadataProps = new();
}

[ProtoContract]
internal sealed class OperatorSetIdProto
{
    [ProtoMember(1)] public string Domain = "";
    [ProtoMember(2)] public long Version;
}

[ProtoContract]
internal sealed class StringStringEntryProto
{
    [ProtoMember(1)] public string Key = "";
    [ProtoMember(2)] public string Value = "";
}

[ProtoContract]
internal sealed class GraphProto
{
    [ProtoMember(1)] public List<NodeProto> Node = new();
    [ProtoMember(2)] public string Name = "";
    [ProtoMember(5)] public List<TensorProto> Initializer = new();
    [ProtoMember(10)] public string? DocString;
    [ProtoMember(11)] public List<ValueInfoProto> Input = new();
    [ProtoMember(12)] public List<ValueInfoProto> Output = new();
}

[ProtoContract]
internal sealed class NodeProto
{
    [ProtoMember(1)] public List<string> Input = new();
    [ProtoMember(2)] public List<string> Output = new();
    [ProtoMember(3)] public string? Name;
    [ProtoMember(4)] public string OpType = "";
    [ProtoMember(5)] public List<AttributeProto> Attribute = new();
}

[ProtoContract]
internal sealed class AttributeProto
{
    [ProtoMember(1)] public string Name = "";
    [ProtoMember(2)] public float F;
    [ProtoMember(3)] public long I;
    [ProtoMember(4)] public byte[]? S;
    [ProtoMember(5)] public TensorProto? T;
    [ProtoMember(7)] public List<float> Floats = new();
    [ProtoMember(8)] public List<long> Ints = new();
    [ProtoMember(20)] public AttributeType Type;
}

[ProtoContract]
internal sealed class TensorProto
{
    [ProtoMember(1)] public List<long> Dims = new();
    [ProtoMember(2)] public OnnxType DataType;
    [ProtoMember(8)] public string Name = "";
    /// <summary>Little-endian element bytes.</summary>
    [ProtoMember(9)] public byte[]? RawData;
}

[ProtoContract]
internal sealed class ValueInfoProto
{
    [ProtoMember(1)] public string Name = "";
    [ProtoMember(2)] public TypeProto? Type;
}

[ProtoContract]
internal sealed class TypeProto
{
    [ProtoMember(1)] public TensorTypeProto? TensorType;
}

[ProtoContract]
internal sealed class TensorTypeProto
{
    [ProtoMember(1)] public OnnxType ElemType;
    [ProtoMember(2)] public TensorShapeProto? Shape;
}

[ProtoContract]
internal sealed class TensorShapeProto
{
    [ProtoMember(1)] public List<Dimension> Dim = new();

    [ProtoContract]
    internal sealed class Dimension
    {
        /// <summary>A fixed size (written when no <see cref="DimParam"/> is set).</summary>
        [ProtoMember(1)] public long? DimValue;
        /// <summary>A named dynamic size, e.g. "batch".</summary>
        [ProtoMember(2)] public string? DimParam;
    }
}
