using System.ComponentModel.DataAnnotations;

namespace ChatSurvey.Dispatcher;

/// <summary>The <c>App</c> section: how the product is reached from outside.</summary>
public sealed class AppOptions
{
    public const string Section = "App";

    /// <summary>Base of invitation links (<c>{PublicBaseUrl}/s/{code}</c>) and of Twilio status callbacks.</summary>
    [Required]
    [Url]
    public string PublicBaseUrl { get; set; } = "http://localhost:5080";
}
