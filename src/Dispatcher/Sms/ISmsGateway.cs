namespace ChatSurvey.Dispatcher.Sms;

/// <summary>
/// Sends SMS through a provider (Twilio) or the built-in simulator. Implementations translate provider errors into
/// <see cref="SmsSendException"/> with <see cref="SmsSendException.Retryable"/> set for network errors, 429 and 5xx,
/// and the provider's error code for final failures (e.g. <see cref="SmsErrorCodes.Unsubscribed"/>).
/// </summary>
public interface ISmsGateway
{
    /// <summary>Hands one message to the provider; returns the provider's message id (Twilio's MessageSid).</summary>
    Task<SmsSendResult> SendAsync(SmsMessage message, CancellationToken cancellationToken);

    /// <summary>Messages sent to <paramref name="to"/> since <paramref name="since"/>, for reconciliation after a crash.</summary>
    Task<IReadOnlyList<SentSms>> ListSentAsync(string to, DateTimeOffset since, CancellationToken cancellationToken);
}

/// <param name="To">E.164 phone number.</param>
/// <param name="Body">GSM-7 text (checked by the caller).</param>
/// <param name="StatusCallbackUrl">Where the provider posts delivery status, or null.</param>
public sealed record SmsMessage(string To, string Body, Uri? StatusCallbackUrl = null);

public sealed record SmsSendResult(string ProviderMessageId, string Status);

public sealed record SentSms(string ProviderMessageId, string To, string Body, string Status, DateTimeOffset? CreatedAt);

public sealed class SmsSendException : Exception
{
    public SmsSendException(string message, bool retryable, string? providerCode = null, int? httpStatus = null, Exception? inner = null)
        : base(message, inner)
    {
        Retryable = retryable;
        ProviderCode = providerCode;
        HttpStatus = httpStatus;
    }

    public SmsSendException()
    {
    }

    public SmsSendException(string message)
        : base(message)
    {
    }

    public SmsSendException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>True for network errors, 429 and 5xx: the same message may be tried again later.</summary>
    public bool Retryable { get; }

    /// <summary>The provider's error code (Twilio's numeric code as text), when it gave one.</summary>
    public string? ProviderCode { get; }

    public int? HttpStatus { get; }
}

/// <summary>Twilio error codes the product acts on (https://www.twilio.com/docs/api/errors).</summary>
public static class SmsErrorCodes
{
    /// <summary>The recipient replied STOP to this sender: record an opt-out, never retry.</summary>
    public const string Unsubscribed = "21610";

    /// <summary>The 'To' number is not a valid phone number.</summary>
    public const string InvalidTo = "21211";

    /// <summary>The 'To' number cannot receive SMS (landline or unreachable carrier).</summary>
    public const string NotSmsCapable = "21614";
}
