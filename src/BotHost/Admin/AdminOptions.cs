namespace ChatSurvey.BotHost.Admin;

/// <summary>The <c>Admin</c> section.</summary>
public sealed class AdminOptions
{
    public const string Section = "Admin";

    /// <summary>
    /// Key accepted in <c>X-Api-Key</c> by <c>/api/admin/...</c>. Empty: the admin API is closed to scripts (signed-in
    /// administrators still use it), except in the Development environment, where a random key is made for the run
    /// and printed once at start-up.
    /// </summary>
    public string ApiKey { get; set; } = "";

    /// <summary>An administrator account to create at start-up when no account has that user name yet.</summary>
    public InitialAdminOptions InitialAdmin { get; set; } = new();
}

/// <summary>
/// <c>Admin:InitialAdmin</c>: how the first administrator comes to exist (there is no default password). Set both
/// values (environment: <c>Admin__InitialAdmin__UserName</c>, <c>Admin__InitialAdmin__Password</c>) for one start;
/// an existing account of that name is left as it is.
/// </summary>
public sealed class InitialAdminOptions
{
    public string UserName { get; set; } = "";

    public string Password { get; set; } = "";
}
