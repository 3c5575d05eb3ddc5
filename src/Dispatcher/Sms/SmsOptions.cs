using System.Globalization;
using Microsoft.Extensions.Options;

namespace ChatSurvey.Dispatcher.Sms;

public enum SmsProvider
{
    /// <summary>Messages go to the <c>sms_outbox</c> table (visible in the admin UI); nothing leaves the machine.</summary>
    Simulator,

    /// <summary>Messages go to Twilio's REST API (the <c>Twilio</c> section).</summary>
    Twilio,
}

/// <summary>The <c>Sms</c> section (docs/design.md#configuration).</summary>
public sealed class SmsOptions
{
    public const string Section = "Sms";

    public SmsProvider Provider { get; set; } = SmsProvider.Simulator;

    /// <summary>The most messages the deployment hands the provider per second, across all workers. Greater than 0.</summary>
    public int MessagesPerSecond { get; set; } = 10;

    /// <summary>Replies to this sender reach the survey, so an invitation carries the first question (docs/methodology.md#two-way-and-link-only-senders).</summary>
    public bool TwoWay { get; set; } = true;
}

internal sealed class SmsOptionsValidator : IValidateOptions<SmsOptions>
{
    public ValidateOptionsResult Validate(string? name, SmsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!Enum.IsDefined(options.Provider))
            failures.Add($"{SmsOptions.Section}:{nameof(SmsOptions.Provider)} must be {string.Join(" or ", Enum.GetNames<SmsProvider>())}, but was '{options.Provider}'.");
        if (options.MessagesPerSecond <= 0)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture,
                $"{SmsOptions.Section}:{nameof(SmsOptions.MessagesPerSecond)} must be greater than 0, but was {options.MessagesPerSecond}."));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
