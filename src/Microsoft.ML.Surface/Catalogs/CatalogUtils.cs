using Microsoft.ML.Runtime;

namespace Microsoft.ML;

/// <summary>
/// Public access to the <see cref="MLContext"/> behind a catalog, for extension methods defined in other assemblies
/// (ML.NET's internal <c>GetEnvironment()</c>), plus logging and seeding services for their components.
/// </summary>
public static class CatalogUtils
{
    /// <summary>The context of a trainers catalog.</summary>
    /// <param name="catalog">The catalog.</param>
    /// <returns>The context.</returns>
    public static MLContext GetMLContext(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog) =>
        (catalog ?? throw new ArgumentNullException(nameof(catalog))).Context;

    /// <summary>The context of the multiclass classification catalog.</summary>
    /// <param name="catalog">The catalog.</param>
    /// <returns>The context.</returns>
    public static MLContext GetMLContext(this MulticlassClassificationCatalog catalog) =>
        (catalog ?? throw new ArgumentNullException(nameof(catalog))).Context;

    /// <summary>The context of the transforms catalog.</summary>
    /// <param name="catalog">The catalog.</param>
    /// <returns>The context.</returns>
    public static MLContext GetMLContext(this TransformsCatalog catalog) =>
        (catalog ?? throw new ArgumentNullException(nameof(catalog))).Context;

    /// <summary>The context of the conversion transforms catalog.</summary>
    /// <param name="catalog">The catalog.</param>
    /// <returns>The context.</returns>
    public static MLContext GetMLContext(this TransformsCatalog.ConversionTransforms catalog) =>
        (catalog ?? throw new ArgumentNullException(nameof(catalog))).Context;

    /// <summary>The context of the data catalog.</summary>
    /// <param name="catalog">The catalog.</param>
    /// <returns>The context.</returns>
    public static MLContext GetMLContext(this DataOperationsCatalog catalog) =>
        (catalog ?? throw new ArgumentNullException(nameof(catalog))).Context;

    /// <summary>The context of the model catalog.</summary>
    /// <param name="catalog">The catalog.</param>
    /// <returns>The context.</returns>
    public static MLContext GetMLContext(this ModelOperationsCatalog catalog) =>
        (catalog ?? throw new ArgumentNullException(nameof(catalog))).Context;

    /// <summary>Raises <see cref="MLContext.Log"/> with a message of <paramref name="source"/>.</summary>
    /// <param name="context">The context.</param>
    /// <param name="kind">The severity.</param>
    /// <param name="source">The component writing the message.</param>
    /// <param name="message">The message.</param>
    public static void WriteLog(this MLContext context, ChannelMessageKind kind, string source, string message) =>
        (context ?? throw new ArgumentNullException(nameof(context))).WriteLog(kind, source, message);

    /// <summary>
    /// A seed for a component: drawn from the context's seeded sequence, so that a context created with a seed gives
    /// reproducible runs, and random otherwise.
    /// </summary>
    /// <param name="context">The context.</param>
    /// <returns>The seed.</returns>
    public static int GetNextSeed(this MLContext context) =>
        (context ?? throw new ArgumentNullException(nameof(context))).NextSeed();
}
