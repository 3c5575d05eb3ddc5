namespace ChatSurvey.BotHost.Bot.Storage;

/// <summary>
/// A write carried an ETag that no longer matches the stored row: another turn wrote or deleted the item since it
/// was read. Nothing of that <c>WriteAsync</c> call was stored. Reload (e.g. <c>BotState.LoadAsync(force: true)</c>),
/// redo the turn's work and save again, a bounded number of times.
/// </summary>
/// <remarks>The message leaves the key out: bot state keys hold conversation ids, which may contain phone numbers.</remarks>
public sealed class StorageConcurrencyException : Exception
{
    public StorageConcurrencyException(string key, string etag)
        : base($"ETag conflict: the bot state item was changed or deleted after it was read (stale ETag '{etag}').")
    {
        Key = key;
        ETag = etag;
    }

    public StorageConcurrencyException()
        : base("ETag conflict: the bot state item was changed or deleted after it was read.")
    {
    }

    public StorageConcurrencyException(string message)
        : base(message)
    {
    }

    public StorageConcurrencyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The storage key whose write was refused.</summary>
    public string Key { get; } = "";

    /// <summary>The stale ETag the write carried.</summary>
    public string ETag { get; } = "";
}
