using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace ChatSurvey.Dispatcher.Sms;

/// <summary>The <c>Twilio</c> section (docs/design.md#configuration). Required only when <c>Sms:Provider</c> is <c>Twilio</c>.</summary>
public sealed class TwilioOptions
{
    public const string Section = "Twilio";

    public const string DefaultApiBaseUrl = "https://api.twilio.com";

    /// <summary>"AC" and 32 hex digits; also the API user name.</summary>
    public string? AccountSid { get; set; }

    /// <summary>The API password and the key of webhook signatures. Never logged, never part of a validation message.</summary>
    public string? AuthToken { get; set; }

    /// <summary>The sender: an E.164 number, a short code or an alphanumeric sender ID. Either this or <see cref="MessagingServiceSid"/>.</summary>
    public string? From { get; set; }

    /// <summary>"MG" and 32 hex digits: Twilio picks the sender from the service's pool. Sent as well as <see cref="From"/> when both are set.</summary>
    public string? MessagingServiceSid { get; set; }

    /// <summary>Where REST calls go. Default https://api.twilio.com; tests point it at the local Twilio fake.</summary>
    public string ApiBaseUrl { get; set; } = DefaultApiBaseUrl;

    /// <summary>The public URL Twilio calls back (webhooks, status callbacks), used for signature checks behind a proxy.</summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>How long one REST call may take before it counts as a (retryable) network failure.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

// Reads Sms:Provider from configuration rather than IOptions<SmsOptions>, so an invalid Sms section is reported once.
internal sealed partial class TwilioOptionsValidator(IConfiguration configuration) : IValidateOptions<TwilioOptions>
{
    private const string S = TwilioOptions.Section;

    public ValidateOptionsResult Validate(string? name, TwilioOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var required = Enum.TryParse<SmsProvider>(configuration[$"{SmsOptions.Section}:{nameof(SmsOptions.Provider)}"], ignoreCase: true, out var provider)
            && provider == SmsProvider.Twilio;
        var when = $"when {SmsOptions.Section}:{nameof(SmsOptions.Provider)} is {SmsProvider.Twilio}";

        if (string.IsNullOrWhiteSpace(options.AccountSid))
        {
            if (required)
                failures.Add($"{S}:{nameof(TwilioOptions.AccountSid)} is required {when}.");
        }
        else if (!AccountSidFormat().IsMatch(options.AccountSid))
        {
            failures.Add($"{S}:{nameof(TwilioOptions.AccountSid)} must be 'AC' followed by 32 hexadecimal digits, but was '{options.AccountSid}'.");
        }

        if (required && string.IsNullOrWhiteSpace(options.AuthToken))
            failures.Add($"{S}:{nameof(TwilioOptions.AuthToken)} is required {when}.");

        var hasFrom = !string.IsNullOrWhiteSpace(options.From);
        var hasService = !string.IsNullOrWhiteSpace(options.MessagingServiceSid);
        if (required && !hasFrom && !hasService)
            failures.Add($"{S}:{nameof(TwilioOptions.From)} or {S}:{nameof(TwilioOptions.MessagingServiceSid)} is required {when}.");
        if (hasFrom && !SenderFormat().IsMatch(options.From!))
        {
            failures.Add($"{S}:{nameof(TwilioOptions.From)} must be an E.164 number (+84…), a short code or an alphanumeric sender ID of at most 11 characters, but was '{options.From}'.");
        }

        if (hasService && !MessagingServiceSidFormat().IsMatch(options.MessagingServiceSid!))
        {
            failures.Add($"{S}:{nameof(TwilioOptions.MessagingServiceSid)} must be 'MG' followed by 32 hexadecimal digits, but was '{options.MessagingServiceSid}'.");
        }

        if (string.IsNullOrWhiteSpace(options.ApiBaseUrl))
            failures.Add($"{S}:{nameof(TwilioOptions.ApiBaseUrl)} is required (default {TwilioOptions.DefaultApiBaseUrl}).");
        else if (!IsHttpUrl(options.ApiBaseUrl))
            failures.Add($"{S}:{nameof(TwilioOptions.ApiBaseUrl)} must be an absolute http or https URL, but was '{options.ApiBaseUrl}'.");

        if (!string.IsNullOrWhiteSpace(options.PublicBaseUrl) && !IsHttpUrl(options.PublicBaseUrl))
            failures.Add($"{S}:{nameof(TwilioOptions.PublicBaseUrl)} must be an absolute http or https URL, but was '{options.PublicBaseUrl}'.");

        if (options.RequestTimeout <= TimeSpan.Zero)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture,
                $"{S}:{nameof(TwilioOptions.RequestTimeout)} must be greater than 0, but was {options.RequestTimeout}."));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static bool IsHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var url)
        && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
        && !string.IsNullOrEmpty(url.Host);

    [GeneratedRegex("^AC[0-9a-fA-F]{32}$")]
    private static partial Regex AccountSidFormat();

    [GeneratedRegex("^MG[0-9a-fA-F]{32}$")]
    private static partial Regex MessagingServiceSidFormat();

    // E.164, a short code (3–8 digits), or an alphanumeric sender ID (letters, digits, spaces; at least one letter).
    [GeneratedRegex(@"^(\+[1-9][0-9]{6,14}|[0-9]{3,8}|(?=[A-Za-z0-9 ]*[A-Za-z])[A-Za-z0-9 ]{1,11})$")]
    private static partial Regex SenderFormat();
}
