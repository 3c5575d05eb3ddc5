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

    /// <summary>
    /// Where an account of <paramref name="role"/> lands after signing in (and from <c>/admin</c>): administrators on the
    /// dashboard, agency viewers on their results, volunteers on the interview page, coordinators on the movement page.
    /// </summary>
    public static string HomePage(string? role) => role switch
    {
        AgencyViewer => "/admin/results",
        Interviewer => "/interview",
        Coordinator => "/admin/volunteers",
        _ => "/admin",
    };
}

/// <summary>Authorization policy names.</summary>
public static class AuthPolicies
{
    /// <summary>The administrator role.</summary>
    public const string Administrator = "administrator";

    /// <summary>
    /// The readers of results: an administrator or an agency viewer (pages check the agency themselves). Volunteers and
    /// coordinators are signed in too but never pass it.
    /// </summary>
    public const string SignedIn = "signed-in";

    /// <summary>Any account, whatever its role: its own password page, signing out, the landing redirect.</summary>
    public const string AnyAccount = "any-account";

    /// <summary>A volunteer (the interviewer role): the interview pages under <c>/interview</c> and nothing else.</summary>
    public const string Interviewer = "interviewer";

    /// <summary>Those who manage volunteers and follow the movement: an administrator or a coordinator.</summary>
    public const string VolunteerManagers = "volunteer-managers";

    /// <summary>The admin API: the administrator role from the sign-in cookie or the <c>X-Api-Key</c> scheme.</summary>
    public const string AdminApi = "admin-api";

    /// <summary>
    /// A one-stop-shop system posting dossiers: an integration key (its own scheme), which no other policy accepts and
    /// which accepts nothing else.
    /// </summary>
    public const string Integration = "integration";
}

/// <summary>Claim types ChatSurvey puts in the sign-in cookie.</summary>
public static class AccountClaims
{
    /// <summary>The agency code an agency viewer may read.</summary>
    public const string AgencyCode = "chatsurvey:agency";

    public const string AccountId = "chatsurvey:account";
}
