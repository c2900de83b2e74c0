using System.Text.Json.Serialization;
using Microsoft.ML.Data;
using Microsoft.ML.Data.Internal;

namespace Microsoft.ML.Transforms;

/// <summary>
/// Reads the file named by a text column (relative to an image folder) into a variable-size <see cref="byte"/>
/// vector holding the file's raw bytes; decoding is left to the consumer. An empty path gives an empty vector; a
/// file that cannot be read raises an <see cref="IOException"/> naming it.
/// </summary>
public sealed class ImageLoadingTransformer : ITransformer
{
    internal const string LoaderName = "ImageLoadingTransformer";

    internal ImageLoadingTransformer(string outputColumnName, string? imageFolder, string inputColumnName)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        ArgumentException.ThrowIfNullOrEmpty(inputColumnName);
        OutputColumnName = outputColumnName;
        ImageFolder = imageFolder;
        InputColumnName = inputColumnName;
    }

    /// <summary>The output column name.</summary>
    public string OutputColumnName { get; }

    /// <summary>The input column of image paths.</summary>
    public string InputColumnName { get; }

    /// <summary>The folder relative paths are resolved against, or <see langword="null"/>.</summary>
    public string? ImageFolder { get; }

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => new Mapper(this, inputSchema).OutputSchema;

    /// <inheritdoc/>
    public IDataView Transform(IDataView input) =>
        new RowMappedDataView(input ?? throw new ArgumentNullException(nameof(input)), new Mapper(this, input.Schema));

    /// <inheritdoc/>
    public void Save(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(LoaderName, 1);
        ctx.WriteJson("config.json", new Config(OutputColumnName, InputColumnName, ImageFolder));
    }

    internal static ITransformer Load(ModelLoadContext ctx)
    {
        var config = ctx.ReadJson<Config>("config.json");
        return new ImageLoadingTransformer(config.Output, config.ImageFolder, config.Input);
    }

    private sealed record Config(
        [property: JsonPropertyName("output")] string Output,
        [property: JsonPropertyName("input")] string Input,
        [property: JsonPropertyName("imageFolder")] string? ImageFolder);

    private sealed class Mapper : RowMapper
    {
        private readonly ImageLoadingTransformer _parent;
        private readonly DataViewSchema.Column _input;

        public Mapper(ImageLoadingTransformer parent, DataViewSchema inputSchema)
            : base(inputSchema)
        {
            _parent = parent;
            _input = SchemaUtils.GetInput(inputSchema, parent.InputColumnName);
            if (_input.Type is not TextDataViewType)
            {
                throw new ArgumentException($"The image path column '{_input.Name}' must be text, not {_input.Type}.");
            }
        }

        protected override DataViewSchema.DetachedColumn[] CreateOutputColumns() =>
            [new DataViewSchema.DetachedColumn(_parent.OutputColumnName, new VectorDataViewType(NumberDataViewType.Byte))];

        public override IEnumerable<int> GetDependencies(int outputIndex) => [_input.Index];

        public override Delegate CreateGetter(DataViewRow input, int outputIndex)
        {
            var getter = input.GetGetter<ReadOnlyMemory<char>>(_input);
            ReadOnlyMemory<char> path = default;
            return (ValueGetter<VBuffer<byte>>)((ref VBuffer<byte> value) =>
            {
                getter(ref path);
                var text = path.ToString().Trim();
                if (text.Length == 0)
                {
                    value = new VBuffer<byte>(0, []);
                    return;
                }

                string fullPath = _parent.ImageFolder is null ? text : Path.Combine(_parent.ImageFolder, text);
                byte[] bytes;
                try
                {
                    bytes = File.ReadAllBytes(fullPath);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new IOException($"Could not read the image file '{Path.GetFullPath(fullPath)}' (row {input.Position}, column '{_input.Name}'): {e.Message}", e);
                }

                value = new VBuffer<byte>(bytes.Length, bytes);
            });
        }
    }
}
