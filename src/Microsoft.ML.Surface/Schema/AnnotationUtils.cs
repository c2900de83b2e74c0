namespace Microsoft.ML.Data;

/// <summary>Names of the well-known annotation kinds.</summary>
public static class AnnotationUtils
{
    /// <summary>The well-known annotation kinds.</summary>
    public static class Kinds
    {
        /// <summary>The values a key column stands for: a vector with one value per key.</summary>
        public const string KeyValues = "KeyValues";

        /// <summary>The names of a vector column's slots: a text vector of the column's size.</summary>
        public const string SlotNames = "SlotNames";

        /// <summary>A boolean saying the column's values were normalized.</summary>
        public const string IsNormalized = "IsNormalized";
    }
}
