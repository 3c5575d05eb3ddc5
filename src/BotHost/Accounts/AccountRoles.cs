namespace ChatSurvey.BotHost.Accounts;

/// <summary>The roles an account can hold (the <c>accounts.role</c> values).</summary>
public static class AccountRoles
{
    /// <summary>Everything: catalogue, imports, waves, simulator, results of every agency, accounts, jobs.</summary>
    public const string Administrator = "administrator";

    /// <summary>Reads the results of one agency (<c>accounts.agency_id</c>) and nothing else.</summary>
    public const string AgencyViewer = "agency_viewer";

    /// <summary>A Youth Union volunteer: records interview and paper ballots at their assigned agencies on <c>/interview</c>, nothing else.</summary>
    public const string Interviewer = "interviewer";

    /// <summary>The Youth Union's coordinator: manages volunteers and follows their progress; never answers or phone numbers.</summary>
    public const string Coordinator = "coordinator";

    public static IReadOnlyList<string> All { get; } = [Administrator, AgencyViewer, Interviewer, Coordinator];

    public static bool IsKnown(string? role) => role is Administrator or AgencyViewer or Interviewer or Coordinator;
}

/// <summary>Authorization policy names.</summary>
public static class AuthPolicies
{
    /// <summary>The administrator role.</summary>
    public const string Administrator = "administrator";

    /// <summary>Any signed-in account (administrator or agency viewer); pages check the agency themselves.</summary>
    public const string SignedIn = "signed-in";

    /// <summary>The admin API: the administrator role from the sign-in cookie or the <c>X-Api-Key</c> scheme.</summary>
    public const string AdminApi = "admin-api";

    /// <summary>
    /// A one-stop-shop system posting dossiers: an integration key (its own scheme), which no other policy accepts and
    /// which accepts nothing else.
    /// </summary>
    public const string Integration = "integration";
    /// <summary>The interviewer role: the <c>/interview</c> pages.</summary>
    public const string Interviewer = "interviewer";
}

/// <summary>Claim types ChatSurvey puts in the sign-in cookie.</summary>
public static class AccountClaims
{
    /// <summary>The agency code an agency viewer may read.</summary>
    public const string AgencyCode = "chatsurvey:agency";

    public const string AccountId = "chatsurvey:account";
}
