namespace Microsoft.ML;

public sealed partial class DataViewSchema
{
    public sealed partial class Annotations
    {
        /// <summary>Builds <see cref="Annotations"/> one entry at a time.</summary>
        public sealed class Builder
        {
            private readonly List<(DetachedColumn Column, Delegate Getter)> _items = [];

            /// <summary>Adds an annotation whose value comes from <paramref name="getter"/>.</summary>
            /// <typeparam name="TValue">The raw type of <paramref name="type"/>.</typeparam>
            /// <param name="kind">The annotation kind.</param>
            /// <param name="type">The annotation type.</param>
            /// <param name="getter">Reads the value.</param>
            /// <param name="annotations">Annotations of the annotation, if any.</param>
            public void Add<TValue>(string kind, DataViewType type, ValueGetter<TValue> getter, Annotations? annotations = null)
            {
                ArgumentException.ThrowIfNullOrEmpty(kind);
                ArgumentNullException.ThrowIfNull(type);
                ArgumentNullException.ThrowIfNull(getter);
                if (type.RawType != typeof(TValue))
                {
                    throw new ArgumentException($"Annotation type {type} is read as {type.RawType.Name}, not {typeof(TValue).Name}.", nameof(type));
                }

                _items.RemoveAll(i => i.Column.Name == kind);
                _items.Add((new DetachedColumn(kind, type, annotations), getter));
            }

            /// <summary>Adds an annotation holding the fixed primitive value <paramref name="value"/>.</summary>
            /// <typeparam name="TValue">The raw type of <paramref name="type"/>.</typeparam>
            /// <param name="kind">The annotation kind.</param>
            /// <param name="type">The annotation type.</param>
            /// <param name="value">The value.</param>
            /// <param name="annotations">Annotations of the annotation, if any.</param>
            public void AddPrimitiveValue<TValue>(string kind, Data.PrimitiveDataViewType type, TValue value, Annotations? annotations = null) =>
                Add(kind, type, (ref TValue dst) => dst = value, annotations);

            /// <summary>Copies the entries of <paramref name="annotations"/> whose kind passes <paramref name="selector"/>.</summary>
            /// <param name="annotations">The source annotations.</param>
            /// <param name="selector">Selects kinds to copy.</param>
            public void Add(Annotations annotations, Func<string, bool> selector)
            {
                ArgumentNullException.ThrowIfNull(annotations);
                ArgumentNullException.ThrowIfNull(selector);
                foreach (var column in annotations.Schema)
                {
                    if (!column.IsHidden && selector(column.Name))
                    {
                        _items.RemoveAll(i => i.Column.Name == column.Name);
                        _items.Add((new DetachedColumn(column), annotations.GetRawGetter(column.Index)));
                    }
                }
            }

            /// <summary>Creates the annotations added so far.</summary>
            /// <returns>The annotations.</returns>
            public Annotations ToAnnotations() =>
                _items.Count == 0 ? Empty : new Annotations(new DataViewSchema(_items.Select(i => i.Column)), _items.Select(i => i.Getter).ToArray());
        }
    }
}
