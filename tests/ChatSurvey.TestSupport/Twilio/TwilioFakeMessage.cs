namespace ChatSurvey.TestSupport.Twilio;

/// <summary>One message the fake accepted, as it stands now (status callbacks update it).</summary>
public sealed record TwilioFakeMessage(
    string Sid,
    string AccountSid,
    string To,
    string? From,
    string? MessagingServiceSid,
    string Body,
    string? StatusCallback,
    string Status,
    int? ErrorCode,
    int NumSegments,
    DateTimeOffset DateCreated,
    DateTimeOffset DateUpdated,
    DateTimeOffset? DateSent);

public sealed class TwilioFakeOptions
{
    /// <summary>Default: a random "AC" + 32 hex SID.</summary>
    public string AccountSid { get; init; } = "AC" + TwilioFake.RandomHex();

    /// <summary>Default: 32 random hex digits.</summary>
    public string AuthToken { get; init; } = TwilioFake.RandomHex();

    /// <summary>The clock behind date_created, date_updated and date_sent.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Largest page a list returns, whatever PageSize asks (Twilio: 1000).</summary>
    public int MaxPageSize { get; init; } = 1000;

    /// <summary>Carries status callbacks instead of a real socket, e.g. <c>WebApplicationFactory.Server.CreateHandler()</c>.</summary>
    public HttpMessageHandler? CallbackHandler { get; init; }
}
