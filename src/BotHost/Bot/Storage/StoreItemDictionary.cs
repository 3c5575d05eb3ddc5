using Microsoft.Bot.Builder;

namespace ChatSurvey.BotHost.Bot.Storage;

/// <summary>
/// An untyped document as <see cref="PostgresStorage"/> reads it back, e.g. what <c>BotState</c> saved: the JSON
/// object's members (nested objects as <c>JObject</c>, arrays as <c>JArray</c>, scalars as string, long, double, bool
/// or null — what Bot Builder's <c>BotState.GetPropertyValueAsync</c> converts with Newtonsoft) plus the row's ETag.
/// </summary>
/// <remarks>
/// <c>BotState.LoadAsync</c> keeps a loaded <c>IDictionary&lt;string, object&gt;</c> as its cache and hands that same
/// object to <c>WriteAsync</c> on save. Because it is an <see cref="IStoreItem"/>, that save is conditional on the
/// ETag, so two turns of one conversation cannot silently overwrite each other. The ETag is not a dictionary entry
/// and is never stored inside the document.
/// </remarks>
public sealed class StoreItemDictionary : Dictionary<string, object?>, IStoreItem
{
    public StoreItemDictionary()
        : base(StringComparer.Ordinal)
    {
    }

    public string? ETag { get; set; }
}
