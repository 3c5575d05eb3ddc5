namespace ChatSurvey.BotHost.Admin;

/// <summary>The <c>Admin</c> section.</summary>
public sealed class AdminOptions
{
    public const string Section = "Admin";

    /// <summary>
    /// Key accepted in <c>X-Api-Key</c> by <c>/api/admin/...</c>. Empty: the admin API is closed, except in the
    /// Development environment, where a random key is made for the run and printed once at start-up.
    /// </summary>
    public string ApiKey { get; set; } = "";
}
